package org.storagegateway.engine.vm;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.MigrationOptions;
import org.storagegateway.bridge.VbdBus;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.spi.model.Datapath;

/**
 * What the gateway offers for hypervisor hosts, VMs and VBDs (XenAPI host, VM, VBD), over the hypervisor bridge.
 * The SOAP endpoint is a thin mapping of it.
 *
 * <p>Failures are {@link org.storagegateway.spi.StorageException}s; bridge failures carry the bridge's
 * {@link org.storagegateway.bridge.BridgeError} codes (700–799): HANDLE_INVALID for an unknown VM, VBD or host,
 * VM_BAD_POWER_STATE, DEVICE_STATE_CONFLICT for a VBD already plugged or a VDI plugged elsewhere. Unknown VDIs and SRs
 * are the storage codes VDI_NOT_FOUND and SR_NOT_FOUND.
 *
 * <p>VM start, snapshot, clone and both migrations run as persisted tasks (progress, cancel, idempotency keys).
 */
public interface VirtualMachineOperations {

    /** Make a VDI reachable from a host and say how (XenAPI VDI.attach + activate). Idempotent. */
    Datapath attachVirtualDisk(String vdiUuid, String hostUuid, boolean readOnly);

    /** Undo {@link #attachVirtualDisk} for that host. Idempotent. */
    void detachVirtualDisk(String vdiUuid, String hostUuid);

    List<HostView> listHosts();

    List<VirtualMachineView> listVirtualMachines();

    VirtualMachineView getVirtualMachine(String vmUuid);

    /** Create a halted VM record; {@code boot} empty means firmware boot. */
    VirtualMachineView createVirtualMachine(String nameLabel, int memoryMiB, int vcpus, Optional<Boot> boot,
            Map<String, String> platform);

    /** Forget a halted VM or a snapshot record; its VDIs stay. */
    VirtualMachineView destroyVirtualMachine(String vmUuid);

    /** Boot a halted VM on a host, as a task. */
    VirtualMachineView startVirtualMachine(String vmUuid, String hostUuid, Optional<String> idempotencyKey);

    /** Clean (guest powers off within {@code timeout}) or hard shutdown. */
    VirtualMachineView shutdownVirtualMachine(String vmUuid, boolean hard, Duration timeout);

    /** Stop the CPUs of a running VM. */
    VirtualMachineView pauseVirtualMachine(String vmUuid);

    /** Restart the CPUs of a paused VM. */
    VirtualMachineView unpauseVirtualMachine(String vmUuid);

    VirtualBlockDeviceView createVirtualBlockDevice(String vmUuid, String vdiUuid, VbdBus bus, boolean readOnly);

    VirtualBlockDeviceView plugVirtualBlockDevice(String vbdUuid);

    VirtualBlockDeviceView unplugVirtualBlockDevice(String vbdUuid, boolean force, Duration timeout);

    /** Forget an unplugged VBD and return it as it was; the VDI stays. */
    VirtualBlockDeviceView destroyVirtualBlockDevice(String vbdUuid);

    /** Snapshot every disk of a VM at one moment, as a task; returns the snapshot record. */
    VirtualMachineView snapshotVirtualMachine(String vmUuid, String nameLabel, Optional<String> idempotencyKey);

    /** Clone a halted VM or a snapshot, as a task; the clone is halted and its VBDs writable. */
    VirtualMachineView cloneVirtualMachine(String vmUuid, String nameLabel, Optional<String> idempotencyKey);

    /** Live-migrate to another host on shared storage, as a task; {@code async} returns the running task. */
    TaskRecord migrateVirtualMachine(String vmUuid, String hostUuid, MigrationOptions options, boolean async,
            Optional<String> idempotencyKey);

    /** Migrate with storage: each VDI in {@code vdiToSr} moves to its SR; as a task, {@code async} returns at once. */
    TaskRecord migrateSendVirtualMachine(String vmUuid, String hostUuid, Map<String, String> vdiToSr,
            MigrationOptions options, boolean async, Optional<String> idempotencyKey);
}
