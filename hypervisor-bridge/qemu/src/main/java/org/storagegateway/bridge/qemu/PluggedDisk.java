package org.storagegateway.bridge.qemu;

/**
 * A disk that {@link DiskHotplug#plug} attached. Keep it to unplug the disk.
 *
 * @param spec     what was plugged
 * @param slot     where: the root port id ({@code rp3}) for virtio-blk, {@code scsi0.0:<scsi-id>} for SCSI
 * @param scsiId   the SCSI target id, or -1 for virtio-blk
 */
public record PluggedDisk(DiskSpec spec, String slot, int scsiId) {

    public String deviceId() {
        return spec.id();
    }

    public String protocolNode() {
        return spec.protocolNode();
    }

    public String formatNode() {
        return spec.formatNode();
    }
}
