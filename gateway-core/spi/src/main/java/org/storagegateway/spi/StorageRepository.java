package org.storagegateway.spi;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.spi.model.IntroduceVdiRequest;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.VdiInfo;

/**
 * Operations on one SR, as opened by {@link StorageDriverFactory#open} for a single host call.
 *
 * <p>Contracts shared by every method:
 * <ul>
 *   <li>Mutating methods are idempotent. Each request carries the UUIDs the host chose for what it creates and an
 *       idempotency key; repeating a request, also after a crash or a restart, must return the same result and must
 *       not create anything twice.</li>
 *   <li>Long operations report progress and honour cancel through {@link DriverContext#task()}.</li>
 *   <li>Failures are thrown as {@link StorageException}; a driver wraps every library exception at this edge.</li>
 *   <li>Optional operations are default methods that throw {@link StandardErrorCode#UNSUPPORTED_OPERATION}. Each is tied
 *       to one {@link org.storagegateway.spi.model.Capability}; the host checks capabilities before calling.</li>
 * </ul>
 */
@ConsumerType
public interface StorageRepository {

    /** Create the SR's storage (directory, volume group, ...). Succeeds if it already exists and is this SR. */
    SrStats create();

    /** Make the SR usable on this host. Idempotent. */
    void attach();

    /** Release what {@link #attach()} set up. Idempotent and never fails: queue cleanup instead of throwing. */
    void detach();

    /** List every VDI found on the storage, hidden parents included, each with its parent if any. */
    List<VdiInfo> scan();

    /** Report the SR's size, utilisation and virtual allocation as found on the storage. */
    SrStats stats();

    /** Create an empty VDI under the UUID chosen by the host. Returns the existing VDI if it already exists. */
    VdiInfo createVdi(CreateVdiRequest request);

    /**
     * Delete a VDI. Deleting a VDI that is already gone returns normally. A VDI that still has children is hidden
     * rather than removed, and garbage collection removes it later.
     */
    void deleteVdi(String vdiUuid);

    /**
     * Change the virtual size of a VDI. Growing is supported; shrinking is refused with kind USER.
     *
     * @throws StorageException UNSUPPORTED_OPERATION unless the driver declares
     *     {@link org.storagegateway.spi.model.Capability#VDI_RESIZE}
     */
    default VdiInfo resizeVdi(String vdiUuid, long newVirtualSizeBytes) {
        throw StorageException.unsupported("resizeVdi");
    }

    /**
     * Clone a VDI: a new writable VDI that starts with the source's content.
     *
     * @throws StorageException UNSUPPORTED_OPERATION unless the driver declares
     *     {@link org.storagegateway.spi.model.Capability#VDI_CLONE}
     */
    default CloneResult cloneVdi(CloneRequest request) {
        throw StorageException.unsupported("cloneVdi");
    }

    /**
     * Snapshot a VDI: a new read-only VDI frozen at the source's current content.
     *
     * @throws StorageException UNSUPPORTED_OPERATION unless the driver declares
     *     {@link org.storagegateway.spi.model.Capability#VDI_SNAPSHOT}
     */
    default CloneResult snapshotVdi(CloneRequest request) {
        throw StorageException.unsupported("snapshotVdi");
    }

    /**
     * Adopt a VDI that exists on the storage but is not known to the host.
     *
     * @throws StorageException VDI_NOT_FOUND if nothing with that UUID is on the storage
     */
    default VdiInfo introduceVdi(IntroduceVdiRequest request) {
        throw StorageException.unsupported("introduceVdi");
    }

    /**
     * Give a hypervisor access to a VDI and describe how to reach it.
     *
     * @param readOnly whether the consumer only reads
     * @throws StorageException UNSUPPORTED_OPERATION unless the driver declares
     *     {@link org.storagegateway.spi.model.Capability#VDI_ATTACH}
     */
    default Datapath attachVdi(String vdiUuid, boolean readOnly) {
        throw StorageException.unsupported("attachVdi");
    }

    /**
     * Collect garbage on this SR, a bounded amount per call: finish a collection that was interrupted, delete internal
     * VDIs that nothing depends on any more, and coalesce chains where an internal VDI has a single child.
     *
     * <p>Every step keeps every chain readable with the same content, and repeating a call after a crash completes the
     * step that was under way. Data is copied no faster than the limits allow; cancel is honoured between steps and
     * between copied runs, leaving the chains valid.
     *
     * @throws StorageException UNSUPPORTED_OPERATION unless the driver declares
     *     {@link org.storagegateway.spi.model.Capability#SR_GARBAGE_COLLECTION}
     */
    default GarbageCollectionReport collectGarbage(GarbageCollectionLimits limits) {
        throw StorageException.unsupported("collectGarbage");
    }

    /** Withdraw access given by {@link #attachVdi}. Idempotent and never fails. */
    default void detachVdi(String vdiUuid) {
    }

    /**
     * Return the storage-admin view of the array behind this SR, for the same single host call.
     *
     * @throws StorageException UNSUPPORTED_OPERATION unless the driver declares
     *     {@link org.storagegateway.spi.model.Capability#ARRAY_ADMINISTRATION}
     * @since 1.1
     */
    default ArrayAdministration arrayAdministration() {
        throw StorageException.unsupported("arrayAdministration");
    }
}
