package org.storagegateway.engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.storagegateway.engine.model.DriverView;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.TargetPort;

/**
 * What the gateway offers its callers; the SOAP endpoint is a thin mapping of this interface.
 *
 * <p>Every mutating method runs as a persisted task and returns once the task is terminal. It takes an optional
 * idempotency key: a repeated call with the same key, also after a restart, returns the same result without acting
 * again, and a key reused for a different request fails with {@code IDEMPOTENCY_KEY_REUSED}.
 *
 * <p>Every method reports failures as {@link org.storagegateway.spi.StorageException}, whose code and kind are stable.
 */
public interface GatewayOperations {

    /** List every driver seen, loaded or not. */
    List<DriverView> listDrivers();

    /** List every SR. Secret device-config values are never included. */
    List<StorageRepositoryRecord> listStorageRepositories();

    /** Create an SR of a loaded driver's type; device-config keys flagged secret by the driver are stored apart. */
    StorageRepositoryRecord createStorageRepository(
            String type, String nameLabel, Map<String, String> deviceConfig, Optional<String> idempotencyKey);

    /** List the VDIs of an SR that users manage (hidden base copies are left out). */
    List<VirtualDiskRecord> listVirtualDisks(String srUuid);

    /** Return one VDI, hidden ones included. */
    VirtualDiskRecord getVirtualDisk(String vdiUuid);

    /** Create an empty VDI. The size is rounded up to the driver's allocation unit. */
    VirtualDiskRecord createVirtualDisk(
            String srUuid, String nameLabel, long virtualSizeBytes, Optional<String> idempotencyKey);

    /** Clone a VDI into a new writable VDI named {@code nameLabel}, and return the clone. */
    VirtualDiskRecord cloneVirtualDisk(String vdiUuid, String nameLabel, Optional<String> idempotencyKey);

    /** Snapshot a VDI into a new read-only VDI, and return the snapshot. */
    VirtualDiskRecord snapshotVirtualDisk(String vdiUuid, Optional<String> idempotencyKey);

    /**
     * Grow a VDI to {@code virtualSizeBytes} (rounded up to the driver's allocation unit) and return it. Shrinking is
     * refused with INVALID_ARGUMENT, a hidden base copy with OPERATION_NOT_ALLOWED, an SR type without
     * {@code VDI_RESIZE} with UNSUPPORTED_OPERATION, and an attached VDI on an SR type without
     * {@code VDI_RESIZE_ONLINE} with VDI_IN_USE. A VDI plugged into running VMs is grown online: their guests see
     * the new size without an unplug.
     */
    VirtualDiskRecord resizeVirtualDisk(String vdiUuid, long virtualSizeBytes, Optional<String> idempotencyKey);

    /** Delete a VDI and return the finished task. Deleting a VDI that is already gone fails with VDI_NOT_FOUND. */
    TaskRecord deleteVirtualDisk(String vdiUuid, Optional<String> idempotencyKey);

    /** Return a task. */
    TaskRecord getTask(String taskUuid);

    /** Ask a task to stop at its next safe point, and return it. Cancelling a finished task returns it unchanged. */
    TaskRecord cancelTask(String taskUuid);

    // ---- storage-admin operations on the array behind an SR whose driver declares ARRAY_ADMINISTRATION

    /** List the storage systems of the array behind the SR. */
    List<ProbeEntry> listStorageSystems(String srUuid);

    /** List the usable pools of a storage system of that array. */
    List<ProbeEntry> listStoragePools(String srUuid, String systemId);

    /** List the LUNs of a pool of the SR's storage system. */
    List<LunInfo> listLuns(String srUuid, String poolId);

    /** List the target ports of the SR's storage system. */
    List<TargetPort> listTargetPorts(String srUuid);

    /** Create a LUN in a pool, as a task; a LUN of that name in the pool is returned as it is. */
    LunInfo createLun(String srUuid, String poolId, String name, long sizeBytes, Optional<String> idempotencyKey);

    /** Delete a LUN, as a task, and return the finished task; a LUN already gone succeeds. */
    TaskRecord deleteLun(String srUuid, String lunId, Optional<String> idempotencyKey);

    /** Grow a LUN, as a task; shrinking is refused with kind USER. */
    LunInfo resizeLun(String srUuid, String lunId, long sizeBytes, Optional<String> idempotencyKey);

    /** Expose a LUN to a host initiator, as a task, and return how that initiator reaches it. */
    Datapath.Iscsi exposeLun(String srUuid, String lunId, String initiatorIqn, Optional<String> idempotencyKey);

    /** Hide a LUN from a host initiator, as a task, and return the finished task. */
    TaskRecord hideLun(String srUuid, String lunId, String initiatorIqn, Optional<String> idempotencyKey);

    // ---- sr-probe

    /**
     * Discover what could become an SR of {@code type} with {@code deviceConfig}, without creating anything: a
     * read-only call, not a task. The driver must declare {@code SR_PROBE}. Secret device-config values reach the
     * driver for this call only; they are neither stored nor logged.
     */
    List<ProbeEntry> probeStorageRepository(String type, Map<String, String> deviceConfig);
}
