package org.storagegateway.vhd;

import static org.storagegateway.vhd.VhdFormat.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The 512-byte hard disk footer (a copy sits at offset 0 of sparse images and the primary at the
 * end of every image). Immutable; {@link #encode()} recomputes the checksum.
 *
 * @param features           feature bits (blktap writes 0x2, "reserved, always set")
 * @param formatVersion      file format version, 0x00010000
 * @param dataOffset         absolute offset of the dynamic header; all ones for fixed disks
 * @param timestamp          creation time, seconds since 2000-01-01 UTC (unsigned 32 bit)
 * @param creatorApplication four characters, {@code "tap\0"} for images written by this library
 * @param creatorVersion     creator version, 0x00010003 for this library (blktap 1.3)
 * @param creatorHostOs      creator host OS code (blktap and this library write 0)
 * @param originalSize       virtual size at creation, bytes
 * @param currentSize        virtual size now, bytes
 * @param geometry           CHS geometry derived from the current size
 * @param diskType           fixed, dynamic or differencing
 * @param uuid               the image's identity; children record it as their parent UUID
 * @param savedState         the "saved state" byte (0 or 1)
 * @param hidden             XenServer's hidden flag (byte 85)
 */
public record VhdFooter(int features, int formatVersion, long dataOffset, long timestamp,
        String creatorApplication, int creatorVersion, int creatorHostOs, long originalSize,
        long currentSize, Geometry geometry, DiskType diskType, UUID uuid, int savedState,
        boolean hidden) {

    static final int OFF_COOKIE = 0;
    static final int OFF_FEATURES = 8;
    static final int OFF_FORMAT_VERSION = 12;
    static final int OFF_DATA_OFFSET = 16;
    static final int OFF_TIMESTAMP = 24;
    static final int OFF_CREATOR_APP = 28;
    static final int OFF_CREATOR_VERSION = 32;
    static final int OFF_CREATOR_OS = 36;
    static final int OFF_ORIGINAL_SIZE = 40;
    static final int OFF_CURRENT_SIZE = 48;
    static final int OFF_GEOMETRY = 56;
    static final int OFF_DISK_TYPE = 60;
    static final int OFF_CHECKSUM = 64;
    static final int OFF_UUID = 68;
    static final int OFF_SAVED_STATE = 84;
    static final int OFF_HIDDEN = 85;

    public VhdFooter {
        Objects.requireNonNull(creatorApplication, "creatorApplication");
        Objects.requireNonNull(geometry, "geometry");
        Objects.requireNonNull(diskType, "diskType");
        Objects.requireNonNull(uuid, "uuid");
        if (creatorApplication.length() != 4) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, null,
                    "creator application must be 4 characters");
        }
    }

    /** A footer as blktap's {@code vhd-util create}/{@code snapshot} writes it. */
    static VhdFooter forNewImage(DiskType type, long size, UUID uuid, Instant now) {
        return new VhdFooter(FEATURES_RESERVED, FORMAT_VERSION,
                type == DiskType.FIXED ? -1L : FOOTER_SIZE, toVhdTime(now), CREATOR_APP_TAP,
                CREATOR_VERSION, CREATOR_OS, size, size, Geometry.forSize(size), type, uuid, 0, false);
    }

    /** Creation time as an instant. */
    public Instant timestampInstant() {
        return fromVhdTime(timestamp);
    }

    /** True if the creator is blktap ({@code "tap\0"}). */
    public boolean createdByTap() {
        return creatorApplication.startsWith("tap");
    }

    /** True if blktap conventions say a batmap follows the BAT (tap creator, version >= 1.2). */
    boolean hasBatmap() {
        return diskType.isSparse() && createdByTap() && creatorVersion >= 0x00010002;
    }

    /** Copy with a different hidden flag. */
    public VhdFooter withHidden(boolean newHidden) {
        return new VhdFooter(features, formatVersion, dataOffset, timestamp, creatorApplication,
                creatorVersion, creatorHostOs, originalSize, currentSize, geometry, diskType, uuid,
                savedState, newHidden);
    }

    /** Copy with a different current size (and the geometry derived from it). */
    public VhdFooter withCurrentSize(long newSize) {
        return new VhdFooter(features, formatVersion, dataOffset, timestamp, creatorApplication,
                creatorVersion, creatorHostOs, originalSize, newSize, Geometry.forSize(newSize),
                diskType, uuid, savedState, hidden);
    }

    /** Serialises the footer into 512 bytes, reserved bytes zero, checksum computed. */
    public byte[] encode() {
        byte[] b = new byte[FOOTER_SIZE];
        encodeInto(b, 0);
        return b;
    }

    void encodeInto(byte[] b, int off) {
        System.arraycopy(FOOTER_COOKIE, 0, b, off + OFF_COOKIE, 8);
        putInt(b, off + OFF_FEATURES, features);
        putInt(b, off + OFF_FORMAT_VERSION, formatVersion);
        putLong(b, off + OFF_DATA_OFFSET, dataOffset);
        putInt(b, off + OFF_TIMESTAMP, (int) timestamp);
        byte[] app = creatorApplication.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(app, 0, b, off + OFF_CREATOR_APP, 4);
        putInt(b, off + OFF_CREATOR_VERSION, creatorVersion);
        putInt(b, off + OFF_CREATOR_OS, creatorHostOs);
        putLong(b, off + OFF_ORIGINAL_SIZE, originalSize);
        putLong(b, off + OFF_CURRENT_SIZE, currentSize);
        putInt(b, off + OFF_GEOMETRY, geometry.encode());
        putInt(b, off + OFF_DISK_TYPE, diskType.code());
        putUuid(b, off + OFF_UUID, uuid);
        b[off + OFF_SAVED_STATE] = (byte) savedState;
        b[off + OFF_HIDDEN] = (byte) (hidden ? 1 : 0);
        putInt(b, off + OFF_CHECKSUM, 0);
        putInt(b, off + OFF_CHECKSUM, checksum(b, off, FOOTER_SIZE, OFF_CHECKSUM));
    }

    /**
     * Parses and validates a footer.
     *
     * @throws VhdException BAD_COOKIE, BAD_CHECKSUM, UNSUPPORTED (format version, disk type) or
     *                      CORRUPT (null UUID)
     */
    public static VhdFooter decode(byte[] b, int off, Path file) {
        if (!regionEquals(b, off + OFF_COOKIE, FOOTER_COOKIE)) {
            throw new VhdException(VhdException.Reason.BAD_COOKIE, file, "footer cookie is not 'conectix'");
        }
        int stored = getInt(b, off + OFF_CHECKSUM);
        int computed = checksum(b, off, FOOTER_SIZE, OFF_CHECKSUM);
        if (stored != computed) {
            throw new VhdException(VhdException.Reason.BAD_CHECKSUM, file, String.format(
                    "footer checksum 0x%08x, computed 0x%08x", stored, computed));
        }
        int formatVersion = getInt(b, off + OFF_FORMAT_VERSION);
        if (formatVersion != FORMAT_VERSION) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, file,
                    String.format("file format version 0x%08x", formatVersion));
        }
        int typeCode = getInt(b, off + OFF_DISK_TYPE);
        DiskType type = DiskType.fromCode(typeCode);
        if (type == null) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, file, "disk type " + typeCode);
        }
        UUID uuid = getUuid(b, off + OFF_UUID);
        long currentSize = getLong(b, off + OFF_CURRENT_SIZE);
        if (currentSize < 0 || currentSize > MAX_RESERVED_SIZE) {
            throw new VhdException(VhdException.Reason.CORRUPT, file, "current size " + currentSize);
        }
        String app = new String(b, off + OFF_CREATOR_APP, 4, StandardCharsets.ISO_8859_1);
        return new VhdFooter(getInt(b, off + OFF_FEATURES), formatVersion, getLong(b, off + OFF_DATA_OFFSET),
                getUInt(b, off + OFF_TIMESTAMP), app, getInt(b, off + OFF_CREATOR_VERSION),
                getInt(b, off + OFF_CREATOR_OS), getLong(b, off + OFF_ORIGINAL_SIZE), currentSize,
                Geometry.decode(getInt(b, off + OFF_GEOMETRY)), type, uuid, b[off + OFF_SAVED_STATE] & 0xFF,
                b[off + OFF_HIDDEN] != 0);
    }
}
