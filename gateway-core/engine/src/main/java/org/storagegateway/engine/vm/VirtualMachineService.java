package org.storagegateway.engine.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.bridge.BridgeTask;
import org.storagegateway.bridge.Host;
import org.storagegateway.bridge.MigrationOptions;
import org.storagegateway.bridge.Vbd;
import org.storagegateway.bridge.VbdBus;
import org.storagegateway.bridge.VbdSpec;
import org.storagegateway.bridge.Vm;
import org.storagegateway.bridge.VmEvent;
import org.storagegateway.bridge.VmPowerState;
import org.storagegateway.bridge.VmSnapshot;
import org.storagegateway.bridge.VmSpec;
import org.storagegateway.engine.AttachedDisks;
import org.storagegateway.engine.Journal;
import org.storagegateway.engine.StorageService;
import org.storagegateway.engine.TaskRunner;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.TaskMonitor;
import org.storagegateway.spi.model.Datapath;

/**
 * VMs and VBDs over the bridge's {@link Host}s. The gateway keeps the VM records (halted VMs and snapshots) in
 * memory; a running VM's record is the bridge's own ({@link Vm#spec()}). VM processes do not outlive the gateway
 * (the QEMU backend starts them with a parent-death signal), so records are not persisted either: after a restart
 * the VDIs remain and VMs are created again.
 */
public final class VirtualMachineService implements VirtualMachineOperations, AttachedDisks, AutoCloseable {
    /** Task operation names; an interrupted one is rolled back (see {@link #resolveInterrupted}). */
    public static final String VM_START = "vm.start";
    public static final String VM_SNAPSHOT = "vm.snapshot";
    public static final String VM_CLONE = "vm.clone";
    public static final String VM_MIGRATE = "vm.migrate";
    public static final String VM_MIGRATE_SEND = "vm.migrate-send";
    static final String OPERATION_PREFIX = "vm.";

    private static final Logger LOG = LoggerFactory.getLogger(VirtualMachineService.class);
    private static final Duration ASYNC_TASK_APPEARS = Duration.ofSeconds(30);

    /** A host and what callers are told about it. */
    public record HostEntry(Host host, String backend, Optional<String> iscsiInitiatorName) {
        public HostEntry {
            Objects.requireNonNull(host, "host is null");
            Objects.requireNonNull(backend, "backend is null");
            Objects.requireNonNull(iscsiInitiatorName, "iscsiInitiatorName is null");
        }
    }

    /** A VM record the gateway keeps: the spec as last known, and whether it is a snapshot. */
    private record VmRecord(VmSpec spec, boolean isSnapshot, Optional<String> snapshotOf) {
        VmRecord withSpec(VmSpec newSpec) {
            return new VmRecord(newSpec, isSnapshot, snapshotOf);
        }
    }

    private final StorageService storage;
    private final TaskRunner tasks;
    private final GatewayStore store;
    private final Map<String, HostEntry> hosts = new LinkedHashMap<>();
    private final Map<String, VmRecord> records = new ConcurrentHashMap<>();
    private final Map<String, VmPowerState> lastState = new ConcurrentHashMap<>();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private final ExecutorService asyncTasks = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "gateway-vm-task");
        thread.setDaemon(true);
        return thread;
    });
    private final GatewayStoragePort port;

    public VirtualMachineService(StorageService storage, GatewayStoragePort port, TaskRunner tasks, GatewayStore store,
            List<HostEntry> hostEntries) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.port = Objects.requireNonNull(port, "port is null");
        this.tasks = Objects.requireNonNull(tasks, "tasks is null");
        this.store = Objects.requireNonNull(store, "store is null");
        for (HostEntry entry : hostEntries) {
            hosts.put(entry.host().uuid(), entry);
            subscriptions.add(entry.host().addListener(this::onEvent));
        }
    }

    /** Roll back the VM tasks a previous process left interrupted: their VMs died with it. Returns how many. */
    public static int resolveInterrupted(GatewayStore store) {
        return store.inTransaction(tx -> {
            int count = 0;
            for (TaskRecord task : tx.tasks().listByState(TaskState.INTERRUPTED)) {
                if (task.operation().startsWith(OPERATION_PREFIX) && task.resolution().isEmpty()) {
                    tx.tasks().save(task.resolved(TaskRecord.Resolution.ROLLED_BACK, Optional.empty()));
                    count++;
                }
            }
            return count;
        });
    }

    private void onEvent(VmEvent event) {
        lastState.put(event.vmUuid(), event.powerState());
    }

    // ---- datapath

    @Override
    public Datapath attachVirtualDisk(String vdiUuid, String hostUuid, boolean readOnly) {
        host(hostUuid);
        return port.attach(vdiUuid, hostUuid, !readOnly);
    }

    @Override
    public void detachVirtualDisk(String vdiUuid, String hostUuid) {
        host(hostUuid);
        storage.getVirtualDisk(vdiUuid);
        port.detach(vdiUuid, hostUuid);
    }

    // ---- attached VDIs, for the storage operations

    @Override
    public boolean attached(String vdiUuid) {
        return !port.attachedHosts(vdiUuid).isEmpty();
    }

    /** Every VBD of a running VM that has the VDI plugged refreshes its size, one after the other. */
    @Override
    public void refreshSize(String vdiUuid) {
        for (HostEntry entry : hosts.values()) {
            for (Vm vm : entry.host().residentVms()) {
                for (Vbd vbd : vm.vbds()) {
                    if (vbd.currentlyAttached() && vbd.spec().vdiUuid().equals(vdiUuid)) {
                        bridge(() -> {
                            vbd.refreshSize();
                            return null;
                        });
                    }
                }
            }
        }
    }

    // ---- hosts and records

    @Override
    public List<HostView> listHosts() {
        return hosts.values().stream().map(e -> new HostView(e.host().uuid(), e.host().nameLabel(), e.backend(),
                e.iscsiInitiatorName())).toList();
    }

    @Override
    public List<VirtualMachineView> listVirtualMachines() {
        return records.keySet().stream().sorted().map(this::view).toList();
    }

    @Override
    public VirtualMachineView getVirtualMachine(String vmUuid) {
        record(vmUuid);
        return view(vmUuid);
    }

    @Override
    public VirtualMachineView createVirtualMachine(String nameLabel, int memoryMiB, int vcpus, Optional<Boot> boot,
            Map<String, String> platform) {
        Boot how = boot.orElseGet(Boot.Firmware::new);
        if (how instanceof Boot.DirectKernel kernel) {
            requireFile(kernel.kernel(), "kernel");
            if (kernel.initrd() != null) {
                requireFile(kernel.initrd(), "initrd");
            }
        }
        VmSpec spec = bridge(() -> new VmSpec(UUID.randomUUID().toString(), nameLabel, memoryMiB, vcpus, how,
                List.of(), platform));
        records.put(spec.uuid(), new VmRecord(spec, false, Optional.empty()));
        return view(spec.uuid());
    }

    @Override
    public VirtualMachineView destroyVirtualMachine(String vmUuid) {
        VirtualMachineView view = getVirtualMachine(vmUuid);
        requireHalted(vmUuid, "destroy");
        records.remove(vmUuid);
        lastState.remove(vmUuid);
        return view;
    }

    // ---- power

    @Override
    public VirtualMachineView startVirtualMachine(String vmUuid, String hostUuid, Optional<String> idempotencyKey) {
        VmRecord record = record(vmUuid);
        Host host = host(hostUuid).host();
        if (record.isSnapshot()) {
            throw bridgeError(BridgeError.VM_BAD_POWER_STATE, "VM " + vmUuid + " is a snapshot: clone it to boot it");
        }
        requireHalted(vmUuid, "start");
        for (VbdSpec vbd : record.spec().vbds()) {
            storage.getVirtualDisk(vbd.vdiUuid());
            if (!vbd.readOnly()) {
                requireNotPluggedElsewhere(vbd.vdiUuid(), vmUuid);
            }
        }
        runTask(VM_START, idempotencyKey, vmUuid, Journal.of("vmUuid", vmUuid, "hostUuid", hostUuid), monitor -> {
            bridge(() -> host.start(record.spec()));
            lastState.put(vmUuid, VmPowerState.RUNNING);
            return Optional.of(vmUuid);
        });
        return view(vmUuid);
    }

    @Override
    public VirtualMachineView shutdownVirtualMachine(String vmUuid, boolean hard, Duration timeout) {
        Vm vm = running(vmUuid, "shut down");
        remember(vm);
        bridge(() -> {
            if (hard) {
                vm.hardShutdown();
            } else {
                vm.cleanShutdown(timeout);
            }
            return null;
        });
        lastState.put(vmUuid, VmPowerState.HALTED);
        return view(vmUuid);
    }

    @Override
    public VirtualMachineView pauseVirtualMachine(String vmUuid) {
        Vm vm = running(vmUuid, "pause");
        requireState(vm, VmPowerState.RUNNING, "pause");
        bridge(() -> {
            vm.pause();
            return null;
        });
        return view(vmUuid);
    }

    @Override
    public VirtualMachineView unpauseVirtualMachine(String vmUuid) {
        Vm vm = running(vmUuid, "unpause");
        requireState(vm, VmPowerState.PAUSED, "unpause");
        bridge(() -> {
            vm.unpause();
            return null;
        });
        return view(vmUuid);
    }

    private static void requireState(Vm vm, VmPowerState expected, String what) {
        if (vm.powerState() != expected) {
            throw bridgeError(BridgeError.VM_BAD_POWER_STATE, "Cannot " + what + " VM " + vm.uuid() + ": it is "
                    + vm.powerState());
        }
    }

    // ---- VBDs

    @Override
    public VirtualBlockDeviceView createVirtualBlockDevice(String vmUuid, String vdiUuid, VbdBus bus,
            boolean readOnly) {
        VmRecord record = record(vmUuid);
        storage.getVirtualDisk(vdiUuid);
        VbdSpec spec = new VbdSpec(UUID.randomUUID().toString(), vdiUuid, bus, readOnly);
        Optional<Vm> vm = runningVm(vmUuid);
        if (vm.isPresent()) {
            bridge(() -> vm.get().createVbd(spec));
            remember(vm.get());
        } else {
            List<VbdSpec> vbds = new ArrayList<>(record.spec().vbds());
            vbds.add(spec);
            records.put(vmUuid, record.withSpec(bridge(() -> record.spec().withVbds(vbds))));
        }
        return vbdView(spec.uuid());
    }

    @Override
    public VirtualBlockDeviceView plugVirtualBlockDevice(String vbdUuid) {
        Vm vm = vmOfVbd(vbdUuid, "plug a VBD of");
        Vbd vbd = vm.vbd(vbdUuid).orElseThrow();
        if (vbd.currentlyAttached()) {
            throw bridgeError(BridgeError.DEVICE_STATE_CONFLICT, "VBD " + vbdUuid + " is already plugged");
        }
        if (!vbd.spec().readOnly()) {
            requireNotPluggedElsewhere(vbd.spec().vdiUuid(), vm.uuid());
        }
        bridge(() -> {
            vbd.plug();
            return null;
        });
        return vbdView(vbdUuid);
    }

    @Override
    public VirtualBlockDeviceView unplugVirtualBlockDevice(String vbdUuid, boolean force, Duration timeout) {
        Vm vm = vmOfVbd(vbdUuid, "unplug a VBD of");
        Vbd vbd = vm.vbd(vbdUuid).orElseThrow();
        if (!vbd.currentlyAttached()) {
            throw bridgeError(BridgeError.DEVICE_STATE_CONFLICT, "VBD " + vbdUuid + " is not plugged");
        }
        bridge(() -> {
            if (force) {
                vbd.unplugForce();
            } else {
                vbd.unplug(timeout);
            }
            return null;
        });
        return vbdView(vbdUuid);
    }

    @Override
    public VirtualBlockDeviceView destroyVirtualBlockDevice(String vbdUuid) {
        for (HostEntry entry : hosts.values()) {
            for (Vm vm : entry.host().residentVms()) {
                Optional<Vbd> vbd = vm.vbd(vbdUuid);
                if (vbd.isPresent()) {
                    if (vbd.get().currentlyAttached()) {
                        throw bridgeError(BridgeError.DEVICE_STATE_CONFLICT, "VBD " + vbdUuid
                                + " is plugged: unplug it first");
                    }
                    VirtualBlockDeviceView was = vbdView(vm.uuid(), vbd.get().spec(), false);
                    bridge(() -> {
                        vbd.get().destroy();
                        return null;
                    });
                    remember(vm);
                    return was;
                }
            }
        }
        for (VmRecord record : records.values()) {
            Optional<VbdSpec> spec = record.spec().vbds().stream().filter(v -> v.uuid().equals(vbdUuid)).findFirst();
            if (spec.isPresent()) {
                List<VbdSpec> rest = record.spec().vbds().stream().filter(v -> !v.uuid().equals(vbdUuid)).toList();
                records.put(record.spec().uuid(), record.withSpec(record.spec().withVbds(rest)));
                return vbdView(record.spec().uuid(), spec.get(), false);
            }
        }
        throw bridgeError(BridgeError.HANDLE_INVALID, "No VBD with UUID " + vbdUuid);
    }

    // ---- snapshot and clone

    @Override
    public VirtualMachineView snapshotVirtualMachine(String vmUuid, String nameLabel,
            Optional<String> idempotencyKey) {
        VmRecord record = record(vmUuid);
        if (record.isSnapshot()) {
            throw bridgeError(BridgeError.INVALID_ARGUMENT, "VM " + vmUuid + " is a snapshot");
        }
        TaskRecord task = runTask(VM_SNAPSHOT, idempotencyKey, vmUuid, Journal.of("vmUuid", vmUuid, "nameLabel",
                nameLabel), monitor -> {
            Optional<Vm> vm = runningVm(vmUuid);
            VmSpec snapshot;
            if (vm.isPresent()) {
                VmSnapshot taken = bridge(() -> vm.get().snapshot(nameLabel));
                snapshot = taken.snapshot();
                LOG.info("Snapshot {} of VM {}: CPUs stopped for {} ms", snapshot.uuid(), vmUuid,
                        taken.paused().toMillis());
            } else {
                List<VbdSpec> vbds = new ArrayList<>();
                for (VbdSpec vbd : record.spec().vbds()) {
                    vbds.add(new VbdSpec(UUID.randomUUID().toString(), port.snapshot(vbd.vdiUuid(), nameLabel),
                            vbd.bus(), true));
                }
                snapshot = record.spec().withIdentity(UUID.randomUUID().toString(), nameLabel).withVbds(vbds);
            }
            records.put(snapshot.uuid(), new VmRecord(snapshot, true, Optional.of(vmUuid)));
            return Optional.of(snapshot.uuid());
        });
        return view(task.resultUuid().orElseThrow());
    }

    @Override
    public VirtualMachineView cloneVirtualMachine(String vmUuid, String nameLabel, Optional<String> idempotencyKey) {
        VmRecord record = record(vmUuid);
        requireHalted(vmUuid, "clone");
        Host any = hosts.values().stream().findFirst().map(HostEntry::host).orElseThrow(
                () -> bridgeError(BridgeError.UNSUPPORTED, "this gateway drives no hypervisor host"));
        TaskRecord task = runTask(VM_CLONE, idempotencyKey, vmUuid, Journal.of("vmUuid", vmUuid, "nameLabel",
                nameLabel), monitor -> {
            VmSpec clone = bridge(() -> any.cloneVm(record.spec(), nameLabel));
            // A clone's VDIs are new writable VDIs, also when cloned from a snapshot's read-only VBDs.
            clone = clone.withVbds(clone.vbds().stream()
                    .map(v -> new VbdSpec(v.uuid(), v.vdiUuid(), v.bus(), false)).toList());
            records.put(clone.uuid(), new VmRecord(clone, false, Optional.empty()));
            return Optional.of(clone.uuid());
        });
        return view(task.resultUuid().orElseThrow());
    }

    // ---- migration

    @Override
    public TaskRecord migrateVirtualMachine(String vmUuid, String hostUuid, MigrationOptions options, boolean async,
            Optional<String> idempotencyKey) {
        Vm vm = running(vmUuid, "migrate");
        Host destination = host(hostUuid).host();
        if (destination.uuid().equals(vm.residentOn().uuid())) {
            throw bridgeError(BridgeError.INVALID_ARGUMENT, "VM " + vmUuid + " already runs on host " + hostUuid);
        }
        return runMaybeAsync(VM_MIGRATE, idempotencyKey, vmUuid, async,
                Journal.of("vmUuid", vmUuid, "hostUuid", hostUuid), monitor -> {
                    remember(vm);
                    bridge(() -> vm.poolMigrate(destination, options, bridgeTask(monitor)));
                    return Optional.of(vmUuid);
                });
    }

    @Override
    public TaskRecord migrateSendVirtualMachine(String vmUuid, String hostUuid, Map<String, String> vdiToSr,
            MigrationOptions options, boolean async, Optional<String> idempotencyKey) {
        Vm vm = running(vmUuid, "migrate");
        Host destination = host(hostUuid).host();
        if (vdiToSr.isEmpty()) {
            throw bridgeError(BridgeError.INVALID_ARGUMENT, "the VDI map is empty");
        }
        for (Map.Entry<String, String> entry : vdiToSr.entrySet()) {
            if (vm.vbds().stream().noneMatch(v -> v.spec().vdiUuid().equals(entry.getKey()))) {
                throw bridgeError(BridgeError.INVALID_ARGUMENT, "VM " + vmUuid + " has no VBD on VDI "
                        + entry.getKey());
            }
            if (storage.listStorageRepositories().stream().noneMatch(sr -> sr.uuid().equals(entry.getValue()))) {
                throw new StorageException(StandardErrorCode.SR_NOT_FOUND, "No SR with UUID " + entry.getValue());
            }
        }
        return runMaybeAsync(VM_MIGRATE_SEND, idempotencyKey, vmUuid, async,
                Journal.of("vmUuid", vmUuid, "hostUuid", hostUuid, "vdiMap", vdiToSr.toString()), monitor -> {
                    bridge(() -> vm.migrateSend(destination, vdiToSr, options, bridgeTask(monitor)));
                    runningVm(vmUuid).ifPresent(this::remember);
                    return Optional.of(vmUuid);
                });
    }

    @Override
    public void close() {
        for (AutoCloseable subscription : subscriptions) {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.debug("Removing a VM event listener failed", e);
            }
        }
        asyncTasks.shutdownNow();
    }

    // ---- helpers

    private interface Action {
        Optional<String> run(TaskMonitor monitor);
    }

    private TaskRecord runTask(String operation, Optional<String> key, String subject, Journal journal, Action body) {
        String fingerprint = TaskRunner.fingerprint(operation, journal);
        return tasks.run(taskRequest(operation, key, fingerprint, subject), tx -> new TaskRunner.Plan(journal,
                monitor -> {
                    Optional<String> result = body.run(monitor);
                    return done -> result;
                }));
    }

    /**
     * Run a task; with {@code async} return it once its body runs (so that a cancel reaches the body), or at once when
     * the caller's key already names a task (a retry); else once it is terminal.
     */
    private TaskRecord runMaybeAsync(String operation, Optional<String> key, String subject, boolean async,
            Journal journal, Action body) {
        if (!async) {
            return runTask(operation, key, subject, journal, body);
        }
        String effectiveKey = key.orElseGet(() -> "async-" + UUID.randomUUID());
        // Completed when the body starts, or when the runner ends without running it (a replay, a refusal).
        CompletableFuture<Void> started = new CompletableFuture<>();
        asyncTasks.execute(() -> {
            try {
                runTask(operation, Optional.of(effectiveKey), subject, journal, monitor -> {
                    started.complete(null);
                    return body.run(monitor);
                });
            } catch (StorageException e) {
                LOG.info("Task {} on {} ended with {}: {}", operation, subject, e.errorCode().name(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("Task {} on {} failed", operation, subject, e);
            } finally {
                started.complete(null);
            }
        });
        Optional<TaskRecord> retried = key.isPresent() ? recordedTask(effectiveKey) : Optional.empty();
        if (retried.isPresent()) {
            return retried.get();
        }
        try {
            started.get(ASYNC_TASK_APPEARS.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Not started in time: the task is returned only if it was recorded meanwhile.
        }
        return recordedTask(effectiveKey).orElseThrow(() -> new StorageException(StandardErrorCode.INTERNAL_ERROR,
                "task " + operation + " was not recorded"));
    }

    private Optional<TaskRecord> recordedTask(String idempotencyKey) {
        return store.inTransaction(tx -> tx.tasks().findByIdempotencyKey("client:" + idempotencyKey));
    }

    private static TaskRunner.TaskRequest taskRequest(String operation, Optional<String> key, String fingerprint,
            String subject) {
        return new TaskRunner.TaskRequest(operation, key, fingerprint, Optional.of(subject));
    }

    private static BridgeTask bridgeTask(TaskMonitor monitor) {
        return new BridgeTask() {
            @Override
            public void progress(double fraction) {
                monitor.progress(fraction);
            }

            @Override
            public boolean isCancelRequested() {
                return monitor.isCancelRequested();
            }
        };
    }

    /** Run a bridge call; its failures become StorageExceptions with the bridge's codes. */
    private static <T> T bridge(Supplier<T> call) {
        try {
            return call.get();
        } catch (BridgeException e) {
            if (e.error() == BridgeError.TASK_CANCELLED) {
                throw new StorageException(StandardErrorCode.CANCELLED, e.getMessage(), e);
            }
            throw new StorageException(e.error(), e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new StorageException(BridgeError.INVALID_ARGUMENT, e.getMessage(), e);
        }
    }

    private static StorageException bridgeError(BridgeError error, String message) {
        return new StorageException(error, message);
    }

    private HostEntry host(String hostUuid) {
        HostEntry entry = hosts.get(hostUuid);
        if (entry == null) {
            throw bridgeError(BridgeError.HANDLE_INVALID, "No host with UUID " + hostUuid);
        }
        return entry;
    }

    private VmRecord record(String vmUuid) {
        VmRecord record = records.get(vmUuid);
        if (record == null) {
            throw bridgeError(BridgeError.HANDLE_INVALID, "No VM with UUID " + vmUuid);
        }
        return record;
    }

    private Optional<Vm> runningVm(String vmUuid) {
        for (HostEntry entry : hosts.values()) {
            Optional<Vm> vm = entry.host().vm(vmUuid);
            if (vm.isPresent() && vm.get().powerState() != VmPowerState.HALTED
                    && vm.get().powerState() != VmPowerState.CRASHED) {
                return vm;
            }
        }
        return Optional.empty();
    }

    private Vm running(String vmUuid, String what) {
        record(vmUuid);
        return runningVm(vmUuid).orElseThrow(() -> bridgeError(BridgeError.VM_BAD_POWER_STATE,
                "Cannot " + what + " VM " + vmUuid + ": it is " + powerState(vmUuid)));
    }

    private void requireHalted(String vmUuid, String what) {
        if (runningVm(vmUuid).isPresent()) {
            throw bridgeError(BridgeError.VM_BAD_POWER_STATE, "Cannot " + what + " VM " + vmUuid + ": it is "
                    + powerState(vmUuid));
        }
    }

    private VmPowerState powerState(String vmUuid) {
        return runningVm(vmUuid).map(Vm::powerState).orElseGet(() -> {
            VmPowerState last = lastState.getOrDefault(vmUuid, VmPowerState.HALTED);
            return last == VmPowerState.CRASHED ? VmPowerState.CRASHED : VmPowerState.HALTED;
        });
    }

    /** Keep the record of a running VM in step with the bridge (VBDs added, disks moved). */
    private void remember(Vm vm) {
        records.computeIfPresent(vm.uuid(), (k, r) -> r.withSpec(vm.spec()));
    }

    /** A writable VDI is plugged into one VM at a time. */
    private void requireNotPluggedElsewhere(String vdiUuid, String vmUuid) {
        for (HostEntry entry : hosts.values()) {
            for (Vm other : entry.host().residentVms()) {
                for (Vbd vbd : other.vbds()) {
                    if (vbd.currentlyAttached() && vbd.spec().vdiUuid().equals(vdiUuid)) {
                        throw bridgeError(BridgeError.DEVICE_STATE_CONFLICT, "VDI " + vdiUuid
                                + " is already plugged into VM " + other.uuid() + " by VBD " + vbd.uuid());
                    }
                }
            }
        }
    }

    private Vm vmOfVbd(String vbdUuid, String what) {
        for (HostEntry entry : hosts.values()) {
            for (Vm vm : entry.host().residentVms()) {
                if (vm.vbd(vbdUuid).isPresent()) {
                    return vm;
                }
            }
        }
        for (VmRecord record : records.values()) {
            if (record.spec().vbds().stream().anyMatch(v -> v.uuid().equals(vbdUuid))) {
                throw bridgeError(BridgeError.VM_BAD_POWER_STATE, "Cannot " + what + " VM " + record.spec().uuid()
                        + ": it is " + powerState(record.spec().uuid()));
            }
        }
        throw bridgeError(BridgeError.HANDLE_INVALID, "No VBD with UUID " + vbdUuid);
    }

    private VirtualBlockDeviceView vbdView(String vbdUuid) {
        for (String vmUuid : records.keySet()) {
            for (VirtualBlockDeviceView vbd : view(vmUuid).vbds()) {
                if (vbd.uuid().equals(vbdUuid)) {
                    return vbd;
                }
            }
        }
        throw bridgeError(BridgeError.HANDLE_INVALID, "No VBD with UUID " + vbdUuid);
    }

    private VirtualMachineView view(String vmUuid) {
        VmRecord record = record(vmUuid);
        Optional<Vm> vm = runningVm(vmUuid);
        vm.ifPresent(this::remember);
        VmSpec spec = vm.map(Vm::spec).orElse(record.spec());
        List<VirtualBlockDeviceView> vbds = new ArrayList<>();
        if (vm.isPresent()) {
            for (Vbd vbd : vm.get().vbds()) {
                vbds.add(vbdView(vmUuid, vbd.spec(), vbd.currentlyAttached()));
            }
        } else {
            spec.vbds().forEach(v -> vbds.add(vbdView(vmUuid, v, false)));
        }
        return new VirtualMachineView(vmUuid, spec.nameLabel(), powerState(vmUuid),
                vm.map(v -> v.residentOn().uuid()), spec.memoryMiB(), spec.vcpus(), spec.boot(), vbds,
                spec.platform(), record.isSnapshot(), record.snapshotOf());
    }

    private static VirtualBlockDeviceView vbdView(String vmUuid, VbdSpec spec, boolean attached) {
        return new VirtualBlockDeviceView(spec.uuid(), vmUuid, spec.vdiUuid(), spec.bus(), spec.readOnly(), attached,
                spec.serial());
    }

    private static void requireFile(String path, String what) {
        if (!Path.of(path).isAbsolute() || !Files.isRegularFile(Path.of(path))) {
            throw bridgeError(BridgeError.INVALID_ARGUMENT, what + " must be an absolute path to a file on the "
                    + "host: " + path);
        }
    }
}
