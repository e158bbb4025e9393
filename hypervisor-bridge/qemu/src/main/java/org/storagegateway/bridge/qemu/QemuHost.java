package org.storagegateway.bridge.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.bridge.Host;
import org.storagegateway.bridge.StoragePort;
import org.storagegateway.bridge.VbdSpec;
import org.storagegateway.bridge.Vm;
import org.storagegateway.bridge.VmEvent;
import org.storagegateway.bridge.VmEventListener;
import org.storagegateway.bridge.VmSpec;

/**
 * A bridge {@link Host} on this machine's QEMU: every VM is one supervised {@code qemu-system-x86_64} ({@link QemuVm})
 * driven over QMP. Two {@code QemuHost}s with different run roots act as two hosts for live migration on one machine.
 *
 * <p>VM platform keys this backend reads ({@link VmSpec#platform()}):
 * <ul>
 *   <li>{@value #PLATFORM_CHANNEL}: the name of a virtio-serial port whose host side is a unix socket
 *       ({@link QemuDomain#channelSocket()}); the test guest's agent listens on one.</li>
 * </ul>
 */
public final class QemuHost implements Host {
    /** Platform key: the name of a virtio-serial guest channel backed by a unix socket. */
    public static final String PLATFORM_CHANNEL = "qemu-channel";

    private static final Logger LOG = LoggerFactory.getLogger(QemuHost.class);

    private final String uuid;
    private final String nameLabel;
    private final Path runRoot;
    private final StoragePort storage;
    private final Supplier<QemuConfig.Builder> baseConfig;
    private final Map<String, QemuDomain> vms = new ConcurrentHashMap<>();
    private final List<VmEventListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger processes = new AtomicInteger();
    private final ExecutorService eventThread;

    /**
     * @param runRoot    where each QEMU process gets its run directory (sockets, logs); keep the path short, unix socket
     *                   paths are limited to 107 bytes
     * @param storage    the storage layer's port
     * @param baseConfig the machine every VM starts from (binary, accelerator, root ports); a fresh builder per call
     */
    public QemuHost(String uuid, String nameLabel, Path runRoot, StoragePort storage, Supplier<QemuConfig.Builder> baseConfig) {
        this.uuid = Objects.requireNonNull(uuid, "uuid");
        this.nameLabel = Objects.requireNonNull(nameLabel, "nameLabel");
        this.runRoot = Objects.requireNonNull(runRoot, "runRoot").toAbsolutePath();
        this.storage = Objects.requireNonNull(storage, "storage");
        this.baseConfig = Objects.requireNonNull(baseConfig, "baseConfig");
        this.eventThread = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "vm-events " + nameLabel);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A host with the default machine ({@link QemuConfig#builder()}: q35, TCG, 8 root ports, virtio-scsi). */
    public QemuHost(String uuid, String nameLabel, Path runRoot, StoragePort storage) {
        this(uuid, nameLabel, runRoot, storage, QemuConfig::builder);
    }

    @Override
    public String uuid() {
        return uuid;
    }

    @Override
    public String nameLabel() {
        return nameLabel;
    }

    /** The IQN QEMU logs in with for iSCSI datapaths. */
    public String initiatorName() {
        return "iqn.2026-11.org.storagegateway:host-" + uuid;
    }

    @Override
    public QemuDomain start(VmSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (vms.containsKey(spec.uuid())) {
            throw new BridgeException(BridgeError.VM_BAD_POWER_STATE, "VM " + spec.uuid() + " already runs on " + nameLabel);
        }
        return QemuDomain.boot(this, spec);
    }

    @Override
    public List<Vm> residentVms() {
        return List.copyOf(vms.values());
    }

    @Override
    public Optional<Vm> vm(String vmUuid) {
        return Optional.ofNullable(vms.get(vmUuid));
    }

    @Override
    public VmSpec cloneVm(VmSpec source, String nameLabel) {
        List<VbdSpec> vbds = new ArrayList<>();
        List<String> made = new ArrayList<>();
        try {
            for (VbdSpec vbd : source.vbds()) {
                String vdi = storage.clone(vbd.vdiUuid(), nameLabel);
                made.add(vdi);
                vbds.add(new VbdSpec(UUID.randomUUID().toString(), vdi, vbd.bus(), vbd.readOnly()));
            }
        } catch (RuntimeException e) {
            for (String vdi : made) {
                try {
                    storage.destroy(vdi);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw storageFailure("clone of VM " + source.uuid(), e);
        }
        return source.withIdentity(UUID.randomUUID().toString(), nameLabel).withVbds(vbds);
    }

    @Override
    public AutoCloseable addListener(VmEventListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
        for (QemuDomain vm : List.copyOf(vms.values())) {
            try {
                vm.hardShutdown();
            } catch (RuntimeException e) {
                LOG.warn("hard shutdown of {} on close failed", vm.uuid(), e);
            }
        }
        eventThread.shutdown();
    }

    @Override
    public String toString() {
        return "QemuHost[" + nameLabel + ", " + uuid + "]";
    }

    // --- for the domains ---------------------------------------------------------------------------

    StoragePort storage() {
        return storage;
    }

    /** The QEMU configuration of a VM: the base machine plus the spec's memory, CPUs, boot and channel. */
    QemuConfig.Builder configFor(VmSpec spec) {
        Path runDirectory = runRoot.resolve(Integer.toString(processes.incrementAndGet()));
        try {
            Files.createDirectories(runRoot);
        } catch (IOException e) {
            throw new BridgeException(BridgeError.HYPERVISOR_FAILURE, "cannot create " + runRoot + ": " + e.getMessage(), e);
        }
        QemuConfig.Builder builder = baseConfig.get()
                .name("vm-" + spec.uuid().replaceAll("[^A-Za-z0-9_.-]", ""))
                .memoryMiB(spec.memoryMiB())
                .cpus(spec.vcpus())
                .runDirectory(runDirectory);
        if (spec.boot() instanceof Boot.DirectKernel kernel) {
            builder.kernel(Path.of(kernel.kernel()), kernel.initrd() == null ? null : Path.of(kernel.initrd()))
                    .kernelArguments(kernel.arguments());
        }
        String channel = spec.platform().get(PLATFORM_CHANNEL);
        if (channel != null) {
            builder.agentChannel(channel);
        }
        return builder;
    }

    void register(QemuDomain vm) {
        vms.put(vm.uuid(), vm);
    }

    void unregister(QemuDomain vm) {
        vms.remove(vm.uuid(), vm);
    }

    void emit(VmEvent event) {
        LOG.debug("{}: VM {} is {} ({})", nameLabel, event.vmUuid(), event.powerState(), event.reason());
        for (VmEventListener listener : listeners) {
            try {
                eventThread.execute(() -> {
                    try {
                        listener.onEvent(event);
                    } catch (RuntimeException e) {
                        LOG.warn("VM event listener {} failed on {}", listener, event, e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("host {} closed: event {} not delivered", nameLabel, event);
            }
        }
    }

    static BridgeException storageFailure(String what, RuntimeException e) {
        if (e instanceof BridgeException bridge) {
            return bridge;
        }
        return new BridgeException(BridgeError.STORAGE_FAILURE, what + " failed in the storage layer: " + e.getMessage(), e);
    }
}
