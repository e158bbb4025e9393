package org.storagegateway.bridge;

/** How the guest sees a VBD. */
public enum VbdBus {
    /** A paravirtual block device (virtio-blk): fast; unplug needs the guest to let go. */
    VIRTIO,
    /** A SCSI disk on a paravirtual HBA (virtio-scsi): unplug works without the guest, so {@link Vbd#unplugForce()} is allowed. */
    SCSI
}
