package org.storagegateway.bridge;

import org.storagegateway.spi.model.Datapath;

/**
 * What the bridge needs from the storage layer. The gateway implements it on top of its SR drivers; the bridge calls
 * it and never sees a disk format, a chain or an SR driver. Methods may throw any runtime exception; the bridge wraps
 * it in {@link BridgeError#STORAGE_FAILURE} after undoing its own steps.
 */
public interface StoragePort {

    /**
     * Makes a VDI reachable from a host (XenAPI VDI.attach + activate) and says how. Idempotent per VDI and host.
     *
     * @param writable false for a read-only VBD
     */
    Datapath attach(String vdiUuid, String hostUuid, boolean writable);

    /** Undoes {@link #attach} for that host. Idempotent; never fails (the storage layer queues what it cannot do now). */
    void detach(String vdiUuid, String hostUuid);

    /**
     * Snapshots a VDI that a VM may have attached. The bridge calls it for all disks of a VM while the VM's CPUs are
     * stopped and its I/O is drained and flushed, so the snapshots of one VM are taken at one moment. The attached VDI
     * stays the writable one; the snapshot is a new read-only VDI.
     *
     * @return the snapshot's VDI uuid
     */
    String snapshot(String vdiUuid, String nameLabel);

    /** Clones a VDI (a snapshot or a detached VDI) into a new writable VDI and returns its uuid. */
    String clone(String vdiUuid, String nameLabel);

    /** Creates an empty VDI on an SR: the target of a storage migration. Returns its uuid. */
    String createVdi(String srUuid, String nameLabel, long virtualSizeBytes);

    /** The virtual size of a VDI in bytes. */
    long virtualSize(String vdiUuid);

    /** Deletes a VDI. Idempotent: a VDI already gone is not an error. */
    void destroy(String vdiUuid);
}
