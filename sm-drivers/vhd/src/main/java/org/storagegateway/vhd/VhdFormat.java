package org.storagegateway.vhd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/** Constants and byte-level helpers shared by the codecs (package-private). */
final class VhdFormat {
    /** Big-endian int access into byte arrays at any offset (one load, where the JIT can). */
    private static final VarHandle INT_BIG_ENDIAN =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);


    static final int SECTOR = 512;
    static final int FOOTER_SIZE = 512;
    static final int HEADER_SIZE = 1024;
    static final int BATMAP_HEADER_SIZE = 512;
    static final int LOCATOR_SLOT = 512;

    static final long BLOCK_SIZE = 2L * 1024 * 1024;
    /** Largest virtual size XenServer (SM MAX_VHD_SIZE) and QEMU accept: 2040 GiB. */
    static final long MAX_VIRTUAL_SIZE = 2040L * 1024 * 1024 * 1024;
    /** Largest BAT reservation: 2 TiB, what LVHD preallocates (1,048,576 entries). */
    static final long MAX_RESERVED_SIZE = 2048L * 1024 * 1024 * 1024;
    /** Data of every allocated block starts on this boundary (blktap/O_DIRECT friendly). */
    static final long DATA_ALIGNMENT = 4096;

    static final byte[] FOOTER_COOKIE = ascii("conectix");
    static final byte[] HEADER_COOKIE = ascii("cxsparse");
    static final byte[] BATMAP_COOKIE = ascii("tdbatmap");

    static final int FEATURES_RESERVED = 0x00000002;
    static final int FORMAT_VERSION = 0x00010000;
    static final int HEADER_VERSION = 0x00010000;
    static final String CREATOR_APP_TAP = "tap\0";
    static final int CREATOR_VERSION = 0x00010003;
    static final int CREATOR_OS = 0;
    static final int BATMAP_VERSION = 0x00010002;
    static final int BATMAP_VERSION_1_1 = 0x00010001;

    /** BAT entry of an unallocated block (as an unsigned value). */
    static final long UNUSED = 0xFFFF_FFFFL;

    static final int PLAT_NONE = 0;
    static final int PLAT_WI2R = 0x57693272;
    static final int PLAT_WI2K = 0x5769326B;
    static final int PLAT_W2RU = 0x57327275;
    static final int PLAT_W2KU = 0x57326B75;
    static final int PLAT_MAC = 0x4D616320;
    static final int PLAT_MACX = 0x4D616358;

    /** Unix time of 2000-01-01T00:00:00Z, the VHD epoch. */
    static final long VHD_EPOCH_UNIX = 946_684_800L;

    private VhdFormat() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static long roundUp(long value, long unit) {
        return ((value + unit - 1) / unit) * unit;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Converts an instant to the unsigned 32-bit "seconds since 2000" field (clamped). */
    static long toVhdTime(Instant t) {
        long s = t.getEpochSecond() - VHD_EPOCH_UNIX;
        if (s < 0) {
            return 0;
        }
        return Math.min(s, 0xFFFF_FFFFL);
    }

    static Instant fromVhdTime(long vhdSeconds) {
        return Instant.ofEpochSecond(VHD_EPOCH_UNIX + (vhdSeconds & 0xFFFF_FFFFL));
    }

    /** One's complement of the byte sum of {@code len} bytes, skipping a 4-byte checksum field. */
    static int checksum(byte[] b, int off, int len, int checksumFieldOffset) {
        int sum = 0;
        for (int i = 0; i < len; i++) {
            int rel = i - checksumFieldOffset;
            if (checksumFieldOffset >= 0 && rel >= 0 && rel < 4) {
                continue;
            }
            sum += b[off + i] & 0xFF;
        }
        return ~sum;
    }

    static boolean regionEquals(byte[] b, int off, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (b[off + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean allZero(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (b[off + i] != 0) {
                return false;
            }
        }
        return true;
    }

    static int getInt(byte[] b, int off) {
        return (int) INT_BIG_ENDIAN.get(b, off);
    }

    static long getUInt(byte[] b, int off) {
        return getInt(b, off) & 0xFFFF_FFFFL;
    }

    static long getLong(byte[] b, int off) {
        return ((long) getInt(b, off) << 32) | getUInt(b, off + 4);
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) (v >>> 32));
        putInt(b, off + 4, (int) v);
    }

    static UUID getUuid(byte[] b, int off) {
        return new UUID(getLong(b, off), getLong(b, off + 8));
    }

    static void putUuid(byte[] b, int off, UUID u) {
        putLong(b, off, u.getMostSignificantBits());
        putLong(b, off + 8, u.getLeastSignificantBits());
    }

    static boolean isNull(UUID u) {
        return u.getMostSignificantBits() == 0 && u.getLeastSignificantBits() == 0;
    }

    /** Bitmap test, MSB first: bit 7 of byte 0 is sector/block 0. */
    static boolean testBit(byte[] map, int bit) {
        return (map[bit >>> 3] & (0x80 >>> (bit & 7))) != 0;
    }

    static void setBit(byte[] map, int bit) {
        map[bit >>> 3] |= (byte) (0x80 >>> (bit & 7));
    }

    /** True if bits [0, count) are all set. */
    static boolean allBitsSet(byte[] map, int count) {
        int full = count >>> 3;
        for (int i = 0; i < full; i++) {
            if (map[i] != (byte) 0xFF) {
                return false;
            }
        }
        for (int bit = full << 3; bit < count; bit++) {
            if (!testBit(map, bit)) {
                return false;
            }
        }
        return true;
    }

    /** Bytes of a sector bitmap for a block of {@code blockSize} bytes (blktap: at least one sector). */
    static int bitmapBytes(long blockSize) {
        long spb = blockSize / SECTOR;
        return (int) Math.max(SECTOR, roundUp(spb / 8, SECTOR));
    }

    /** Padded BAT size in bytes for a table of {@code entries}. */
    static long batBytes(long entries) {
        return roundUp(entries * 4, SECTOR);
    }

    /** Batmap size in sectors for a table of {@code entries} (blktap: ceil(entries/8) bytes, min 1 sector). */
    static long batmapSectors(long entries) {
        return Math.max(1, ceilDiv(ceilDiv(entries, 8), SECTOR));
    }

    /** Bytes of the batmap covered by its checksum, as blktap computes it from the current size. */
    static int batmapChecksumBytes(long currentSize) {
        return (int) (Math.max(1, ceilDiv(currentSize >>> 24, SECTOR)) * SECTOR);
    }
}
