package org.storagegateway.spi.model;

/** What a driver can do. The host checks a capability before calling the optional operation tied to it. */
public enum Capability {
    /** {@code probe}: discover systems, pools or existing SRs from a device-config. */
    SR_PROBE,
    /** {@code stats}: report size and utilisation. */
    SR_STATS,
    /** {@code createVdi}. */
    VDI_CREATE,
    /** {@code deleteVdi}. */
    VDI_DELETE,
    /** {@code cloneVdi}: a writable copy. */
    VDI_CLONE,
    /** {@code snapshotVdi}: a read-only point-in-time copy. */
    VDI_SNAPSHOT,
    /** {@code resizeVdi} on a VDI that is not attached. */
    VDI_RESIZE,
    /** {@code resizeVdi} on an attached VDI. */
    VDI_RESIZE_ONLINE,
    /** {@code introduceVdi}: adopt a VDI found on the storage. */
    VDI_INTRODUCE,
    /** {@code attachVdi}/{@code detachVdi}: give a hypervisor a datapath. */
    VDI_ATTACH,
    /** Mirror a VDI to another SR while it is in use. */
    VDI_MIRROR,
    /** Expose and hide LUNs to host initiators. */
    LUN_MASKING,
    /** VDIs use only the space their data needs. */
    THIN_PROVISIONING,
    /** {@code collectGarbage}: remove internal VDIs nothing depends on and shorten chains by coalescing. */
    SR_GARBAGE_COLLECTION,
    /**
     * {@code arrayAdministration}: storage-admin operations on the array behind the SR (LUNs, target ports, masking).
     *
     * @since 1.1
     */
    ARRAY_ADMINISTRATION
}
