package org.storagegateway.bridge.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.bridge.BridgeTask;
import org.storagegateway.bridge.Host;
import org.storagegateway.bridge.MigrationOptions;
import org.storagegateway.bridge.MigrationReport;
import org.storagegateway.bridge.Vbd;
import org.storagegateway.bridge.VbdSpec;
import org.storagegateway.bridge.Vm;
import org.storagegateway.bridge.VmEvent;
import org.storagegateway.bridge.VmPowerState;
import org.storagegateway.bridge.VmSnapshot;
import org.storagegateway.bridge.VmSpec;

/**
 * A bridge {@link Vm} on one QEMU process. The process's exit, whatever its cause, halts the VM: its VDIs are detached
 * from the host and a {@link VmEvent} says HALTED (shut down, powered off, migrated away) or CRASHED (the process died
 * without being asked to, or the guest reset).
 *
 * <p>VM-wide operations (snapshot, migrations, power changes) are serialised per VM.
 */
public final class QemuDomain implements Vm {
    private static final Logger LOG = LoggerFactory.getLogger(QemuDomain.class);
    private static final Duration HALT_RECORD_TIMEOUT = Duration.ofSeconds(30);

    private final QemuHost host;
    private final VmSpec identity;
    private final QemuVm process;
    private final List<QemuVbd> vbds = new CopyOnWriteArrayList<>();
    private final AtomicInteger devices = new AtomicInteger();
    private final ReentrantLock operations = new ReentrantLock();
    private final CompletableFuture<VmPowerState> halted = new CompletableFuture<>();
    private volatile VmPowerState state = VmPowerState.PAUSED;
    private volatile String movedTo;

    private QemuDomain(QemuHost host, VmSpec spec, QemuVm process) {
        this.host = host;
        this.identity = spec.withVbds(List.of());
        this.process = process;
    }

    /** VM.start: a paused process, the VBDs plugged in order, then the CPUs started. */
    static QemuDomain boot(QemuHost host, VmSpec spec) {
        QemuVm process;
        try {
            process = QemuVm.start(host.configFor(spec).startPaused(true).build());
        } catch (RuntimeException e) {
            throw Failures.toBridge("start of VM " + spec.uuid(), e);
        }
        QemuDomain vm = new QemuDomain(host, spec, process);
        try {
            for (VbdSpec vbd : spec.vbds()) {
                vm.createVbd(vbd).plug();
            }
            process.qmp().execute("cont");
        } catch (RuntimeException e) {
            vm.abandon();
            throw Failures.toBridge("start of VM " + spec.uuid(), e);
        }
        vm.running(VmPowerState.RUNNING, "started");
        return vm;
    }

    /**
     * The destination side of a live migration: a VM on a process that already runs the guest, with the devices the
     * migration plugged (by VBD uuid, at the same device ids and slots as on the source).
     */
    static QemuDomain adopt(QemuHost host, QemuDomain source, QemuVm process, Map<String, PluggedDisk> plugged,
                            Map<String, String> newVdis) {
        QemuDomain vm = new QemuDomain(host, source.spec(), process);
        for (QemuVbd from : source.vbds) {
            String vdi = newVdis.getOrDefault(from.uuid(), from.spec().vdiUuid());
            QemuVbd vbd = new QemuVbd(vm, from.spec().withVdi(vdi), from.deviceId());
            PluggedDisk disk = plugged.get(from.uuid());
            if (disk != null) {
                vbd.adopt(disk);
            }
            vm.vbds.add(vbd);
        }
        vm.devices.set(source.devices.get());
        vm.running(VmPowerState.RUNNING, "migrated from " + source.host.nameLabel());
        return vm;
    }

    private void running(VmPowerState initial, String reason) {
        state = initial;
        host.register(this);
        process.addExitListener(this::processExited);
        host.emit(new VmEvent(uuid(), host.uuid(), initial, reason, Instant.now()));
    }

    /** A start that failed half-way: kill the process, detach what was attached. */
    private void abandon() {
        try {
            process.kill();
        } catch (RuntimeException e) {
            LOG.warn("kill of a half-started VM {} failed", uuid(), e);
        }
        for (QemuVbd vbd : vbds) {
            vbd.processGone();
        }
        process.close();
    }

    /** Runs on the exit watcher when the process is gone, for whatever reason. */
    private void processExited(QemuExit exit) {
        VmPowerState newState;
        String reason;
        if (movedTo != null) {
            newState = VmPowerState.HALTED;
            reason = "migrated to " + movedTo;
        } else {
            switch (exit.reason()) {
                case REQUESTED -> {
                    newState = VmPowerState.HALTED;
                    reason = "shut down";
                }
                case GUEST_POWEROFF -> {
                    newState = VmPowerState.HALTED;
                    reason = "guest powered off";
                }
                case GUEST_RESET -> {
                    newState = VmPowerState.CRASHED;
                    reason = "guest reset or panicked: " + exit.describe();
                }
                default -> {
                    newState = VmPowerState.CRASHED;
                    reason = "process died: " + exit.describe();
                }
            }
        }
        state = newState;
        for (QemuVbd vbd : vbds) {
            vbd.processGone();
        }
        host.unregister(this);
        process.close();
        if (newState == VmPowerState.HALTED) {
            // A crashed VM keeps its run directory: qemu.log and console.log say what happened.
            QemuVm.deleteTree(process.runDirectory());
        }
        host.emit(new VmEvent(uuid(), host.uuid(), newState, reason, Instant.now()));
        halted.complete(newState);
    }

    // --- Vm -----------------------------------------------------------------------------------------

    @Override
    public String uuid() {
        return identity.uuid();
    }

    @Override
    public VmSpec spec() {
        List<VbdSpec> current = new ArrayList<>();
        for (QemuVbd vbd : vbds) {
            current.add(vbd.spec());
        }
        return identity.withVbds(current);
    }

    @Override
    public VmPowerState powerState() {
        return state;
    }

    @Override
    public QemuHost residentOn() {
        return host;
    }

    @Override
    public List<Vbd> vbds() {
        return List.copyOf(vbds);
    }

    @Override
    public Optional<Vbd> vbd(String vbdUuid) {
        return vbds.stream().filter(v -> v.uuid().equals(vbdUuid)).map(v -> (Vbd) v).findFirst();
    }

    @Override
    public QemuVbd createVbd(VbdSpec spec) {
        requireLive("create a VBD");
        synchronized (vbds) {
            if (vbds.stream().anyMatch(v -> v.uuid().equals(spec.uuid()))) {
                throw new BridgeException(BridgeError.INVALID_ARGUMENT, "VM " + uuid() + " already has VBD " + spec.uuid());
            }
            QemuVbd vbd = new QemuVbd(this, spec, "vbd" + devices.getAndIncrement());
            vbds.add(vbd);
            return vbd;
        }
    }

    @Override
    public void pause() {
        withOperationLock("pause", () -> {
            qmp("stop");
            state = VmPowerState.PAUSED;
            host.emit(new VmEvent(uuid(), host.uuid(), state, "paused", Instant.now()));
        });
    }

    @Override
    public void unpause() {
        withOperationLock("unpause", () -> {
            qmp("cont");
            state = VmPowerState.RUNNING;
            host.emit(new VmEvent(uuid(), host.uuid(), state, "unpaused", Instant.now()));
        });
    }

    @Override
    public void cleanShutdown(Duration timeout) {
        withOperationLock("clean shutdown", () -> {
            try {
                process.powerdown(timeout);
            } catch (QemuExitedException e) {
                // gone already: the exit listener records how
            } catch (RuntimeException e) {
                throw new BridgeException(BridgeError.TIMEOUT, "VM " + uuid() + " did not power off within "
                        + timeout.toMillis() + " ms; it keeps running", e);
            }
        });
        awaitHalted();
    }

    @Override
    public void hardShutdown() {
        if (halted.isDone()) {
            return;
        }
        process.shutdown(Duration.ofSeconds(5));
        awaitHalted();
    }

    @Override
    public VmSnapshot snapshot(String nameLabel) {
        operations.lock();
        try {
            requireLive("snapshot");
            boolean wasRunning = "running".equals(statusOrCrash());
            Instant takenAt = Instant.now();
            long pausedAt = System.nanoTime();
            if (wasRunning) {
                // stop drains and flushes every disk of the VM: the storage sees one consistent moment.
                qmp("stop");
            }
            List<VbdSpec> snapshots = new ArrayList<>();
            List<String> made = new ArrayList<>();
            Duration paused;
            try {
                for (QemuVbd vbd : vbds) {
                    String snapshotVdi = host.storage().snapshot(vbd.spec().vdiUuid(), nameLabel);
                    made.add(snapshotVdi);
                    snapshots.add(new VbdSpec(UUID.randomUUID().toString(), snapshotVdi, vbd.spec().bus(), true));
                }
            } catch (RuntimeException e) {
                for (String vdi : made) {
                    try {
                        host.storage().destroy(vdi);
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
                throw QemuHost.storageFailure("snapshot of VM " + uuid(), e);
            } finally {
                if (wasRunning) {
                    qmp("cont");
                }
                paused = wasRunning ? Duration.ofNanos(System.nanoTime() - pausedAt) : Duration.ZERO;
            }
            VmSpec snapshot = identity.withIdentity(UUID.randomUUID().toString(), nameLabel).withVbds(snapshots);
            return new VmSnapshot(snapshot, uuid(), takenAt, paused);
        } finally {
            operations.unlock();
        }
    }

    @Override
    public MigrationReport poolMigrate(Host destination, MigrationOptions options, BridgeTask task) {
        QemuHost target = qemuHost(destination);
        if (target == host) {
            throw new BridgeException(BridgeError.INVALID_ARGUMENT, "VM " + uuid() + " already runs on " + host.nameLabel());
        }
        operations.lock();
        try {
            requireLive("migrate");
            return LiveMigration.run(this, target, Map.of(), options, task);
        } finally {
            operations.unlock();
        }
    }

    @Override
    public MigrationReport migrateSend(Host destination, Map<String, String> vdiToSr, MigrationOptions options, BridgeTask task) {
        QemuHost target = qemuHost(destination);
        operations.lock();
        try {
            requireLive("migrate storage");
            if (target != host) {
                return LiveMigration.run(this, target, vdiToSr, options, task);
            }
            return StorageMigration.run(this, vdiToSr, options, task);
        } finally {
            operations.unlock();
        }
    }

    // --- for tests and the backend --------------------------------------------------------------------

    /** The QEMU process. */
    public QemuVm process() {
        return process;
    }

    /** The unix socket of the guest channel named by the platform key {@value QemuHost#PLATFORM_CHANNEL}. */
    public Optional<Path> channelSocket() {
        return process.agentSocket();
    }

    QemuHost host() {
        return host;
    }

    List<QemuVbd> qemuVbds() {
        return List.copyOf(vbds);
    }

    void removeVbd(QemuVbd vbd) {
        vbds.remove(vbd);
    }

    /** Marks the VM as moved to another host and stops this process; the exit listener halts it with that reason. */
    void migratedTo(QemuHost destination) {
        movedTo = destination.nameLabel();
        process.shutdown(Duration.ofSeconds(5));
        awaitHalted();
    }

    void requireLive(String operation) {
        VmPowerState current = state;
        if (current == VmPowerState.HALTED || current == VmPowerState.CRASHED || !process.isRunning()) {
            throw new BridgeException(BridgeError.VM_BAD_POWER_STATE, "cannot " + operation + ": VM " + uuid() + " is "
                    + (process.isRunning() ? current : "not running") + (movedTo == null ? "" : " (migrated to " + movedTo + ")"));
        }
    }

    /** Runs a QMP command of this VM, mapping failures onto the bridge's exception. */
    com.fasterxml.jackson.databind.JsonNode qmp(String command) {
        try {
            return process.qmp().execute(command);
        } catch (QmpConnectionException e) {
            throw Failures.toBridge(command + " on VM " + uuid(), process.connectionLost(e));
        } catch (RuntimeException e) {
            throw Failures.toBridge(command + " on VM " + uuid(), e);
        }
    }

    private String statusOrCrash() {
        return qmp("query-status").path("status").asText();
    }

    private void withOperationLock(String operation, Runnable body) {
        operations.lock();
        try {
            requireLive(operation);
            body.run();
        } finally {
            operations.unlock();
        }
    }

    private void awaitHalted() {
        try {
            halted.get(HALT_RECORD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BridgeException(BridgeError.INTERNAL, "interrupted while waiting for VM " + uuid() + " to halt", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new BridgeException(BridgeError.INTERNAL, "VM " + uuid() + " did not halt", e);
        }
    }

    private static QemuHost qemuHost(Host destination) {
        if (destination instanceof QemuHost qemu) {
            return qemu;
        }
        throw new BridgeException(BridgeError.UNSUPPORTED, "the QEMU backend migrates only to QEMU hosts, not to " + destination);
    }

    @Override
    public String toString() {
        return "QemuDomain[" + uuid() + " on " + host.nameLabel() + ", " + state + "]";
    }
}
