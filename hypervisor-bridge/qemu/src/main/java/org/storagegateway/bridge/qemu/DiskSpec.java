package org.storagegateway.bridge.qemu;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A disk to plug.
 *
 * @param id       the device id; the block nodes are named {@code <id>-proto} and {@code <id>-fmt}
 *                 (QEMU allows 31 characters per node name; a mirror target uses {@code <id>-mproto},
 *                 hence at most 24 here)
 * @param source   where the bytes are
 * @param format   the format layer on top of the source
 * @param bus      virtio-blk or SCSI
 * @param readOnly whether the guest may only read
 * @param serial   the serial number the guest sees ({@code /sys/block/<dev>/serial} for virtio-blk,
 *                 VPD page 0x80 for SCSI), or null; at most 20 characters (virtio-blk's limit)
 */
public record DiskSpec(String id, DiskSource source, DiskFormat format, DiskBus bus, boolean readOnly, String serial) {
    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,23}");
    private static final Pattern SERIAL = Pattern.compile("[A-Za-z0-9_.-]{1,20}");

    public DiskSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(bus, "bus");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("disk id must match " + ID + ": " + id);
        }
        if (serial != null && !SERIAL.matcher(serial).matches()) {
            throw new IllegalArgumentException("serial must match " + SERIAL + ": " + serial);
        }
    }

    /** A writable raw image file on virtio-blk, without serial. */
    public static DiskSpec rawFile(String id, Path file) {
        return new DiskSpec(id, new DiskSource.File(file), DiskFormat.RAW, DiskBus.VIRTIO_BLK, false, null);
    }

    public DiskSpec withSource(DiskSource newSource) {
        return new DiskSpec(id, newSource, format, bus, readOnly, serial);
    }

    public DiskSpec withFormat(DiskFormat newFormat) {
        return new DiskSpec(id, source, newFormat, bus, readOnly, serial);
    }

    public DiskSpec onBus(DiskBus newBus) {
        return new DiskSpec(id, source, format, newBus, readOnly, serial);
    }

    public DiskSpec withReadOnly(boolean newReadOnly) {
        return new DiskSpec(id, source, format, bus, newReadOnly, serial);
    }

    public DiskSpec withSerial(String newSerial) {
        return new DiskSpec(id, source, format, bus, readOnly, newSerial);
    }

    /** Name of the protocol (source) node. */
    public String protocolNode() {
        return id + "-proto";
    }

    /** Name of the format node the device is attached to. */
    public String formatNode() {
        return id + "-fmt";
    }
}
