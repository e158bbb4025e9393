package org.storagegateway.bridge.qemu;

/** How the guest sees a plugged disk. */
public enum DiskBus {
    /** {@code virtio-blk-pci} on a free PCIe root port. Unplug needs the guest to acknowledge (ACPI). */
    VIRTIO_BLK,
    /** {@code scsi-hd} on the virtio-scsi controller. Unplug works without the guest (unplug-force). */
    SCSI
}
