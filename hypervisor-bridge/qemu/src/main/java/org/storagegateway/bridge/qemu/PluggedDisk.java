package org.storagegateway.bridge.qemu;

import java.util.Objects;

/**
 * A disk that {@link DiskHotplug#plug} attached. Keep it to unplug the disk.
 *
 * @param spec          what was plugged
 * @param slot          where: the root port id ({@code rp3}) for virtio-blk, {@code scsi0.0:<scsi-id>} for SCSI
 * @param scsiId        the SCSI target id, or -1 for virtio-blk
 * @param protocolNode  the protocol node the device reads through now
 * @param formatNode    the format node the device is attached to now (a storage migration moves the device to
 *                      other nodes: see {@link DiskMirror})
 */
public record PluggedDisk(DiskSpec spec, String slot, int scsiId, String protocolNode, String formatNode) {

    public PluggedDisk {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(protocolNode, "protocolNode");
        Objects.requireNonNull(formatNode, "formatNode");
    }

    /** A disk on the nodes its spec names. */
    public PluggedDisk(DiskSpec spec, String slot, int scsiId) {
        this(spec, slot, scsiId, spec.protocolNode(), spec.formatNode());
    }

    public String deviceId() {
        return spec.id();
    }

    /** The same device and format node, reading through another protocol node on the same source. */
    PluggedDisk onProtocolNode(String newProtocolNode) {
        return new PluggedDisk(spec, slot, scsiId, newProtocolNode, formatNode);
    }

    /** The same device on other block nodes, with the source they read from. */
    PluggedDisk movedTo(DiskSource source, String newProtocolNode, String newFormatNode) {
        return new PluggedDisk(spec.withSource(source), slot, scsiId, newProtocolNode, newFormatNode);
    }
}
