package org.storagegateway.vhd;

import static org.storagegateway.vhd.VhdFormat.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The 1024-byte dynamic disk header of dynamic and differencing images. Immutable;
 * {@link #encode()} recomputes the checksum.
 *
 * @param tableOffset       absolute offset of the BAT
 * @param maxTableEntries   number of BAT entries (unsigned 32 bit)
 * @param blockSize         block size in bytes (2 MiB for everything this library creates)
 * @param parentUuid        footer UUID of the parent (all zero for dynamic disks)
 * @param parentTimestamp   parent modification time, seconds since 2000 (blktap: parent mtime)
 * @param parentUnicodeName parent file name (UTF-16BE on disk, blktap: basename), "" if none
 * @param locators          exactly eight parent locator entries
 */
public record VhdHeader(long tableOffset, long maxTableEntries, long blockSize, UUID parentUuid,
        long parentTimestamp, String parentUnicodeName, List<ParentLocator> locators) {

    static final int OFF_COOKIE = 0;
    static final int OFF_DATA_OFFSET = 8;
    static final int OFF_TABLE_OFFSET = 16;
    static final int OFF_HEADER_VERSION = 24;
    static final int OFF_MAX_TABLE_ENTRIES = 28;
    static final int OFF_BLOCK_SIZE = 32;
    static final int OFF_CHECKSUM = 36;
    static final int OFF_PARENT_UUID = 40;
    static final int OFF_PARENT_TIMESTAMP = 56;
    static final int OFF_PARENT_NAME = 64;
    static final int PARENT_NAME_BYTES = 512;
    static final int OFF_LOCATORS = 576;
    static final int LOCATOR_ENTRY = 24;
    static final int LOCATOR_COUNT = 8;

    static final UUID NULL_UUID = new UUID(0, 0);

    public VhdHeader {
        Objects.requireNonNull(parentUuid, "parentUuid");
        Objects.requireNonNull(parentUnicodeName, "parentUnicodeName");
        locators = List.copyOf(locators);
        if (locators.size() != LOCATOR_COUNT) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, null, "header needs 8 locator entries");
        }
        if (parentUnicodeName.getBytes(StandardCharsets.UTF_16BE).length > PARENT_NAME_BYTES) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, null,
                    "parent name longer than 256 UTF-16 units: " + parentUnicodeName);
        }
    }

    /** Parent timestamp as an instant. */
    public Instant parentTimestampInstant() {
        return fromVhdTime(parentTimestamp);
    }

    /** The used locator entries, in header order. */
    public List<ParentLocator> usedLocators() {
        List<ParentLocator> used = new ArrayList<>();
        for (ParentLocator l : locators) {
            if (l.isUsed()) {
                used.add(l);
            }
        }
        return used;
    }

    VhdHeader withTable(long newTableOffset, long newMaxEntries) {
        return new VhdHeader(newTableOffset, newMaxEntries, blockSize, parentUuid, parentTimestamp,
                parentUnicodeName, locators);
    }

    VhdHeader withParent(UUID uuid, long timestamp, String name, List<ParentLocator> newLocators) {
        return new VhdHeader(tableOffset, maxTableEntries, blockSize, uuid, timestamp, name, newLocators);
    }

    /** Serialises the header into 1024 bytes, checksum computed. */
    public byte[] encode() {
        byte[] b = new byte[HEADER_SIZE];
        encodeInto(b, 0);
        return b;
    }

    void encodeInto(byte[] b, int off) {
        System.arraycopy(HEADER_COOKIE, 0, b, off + OFF_COOKIE, 8);
        putLong(b, off + OFF_DATA_OFFSET, -1L);
        putLong(b, off + OFF_TABLE_OFFSET, tableOffset);
        putInt(b, off + OFF_HEADER_VERSION, HEADER_VERSION);
        putInt(b, off + OFF_MAX_TABLE_ENTRIES, (int) maxTableEntries);
        putInt(b, off + OFF_BLOCK_SIZE, (int) blockSize);
        putUuid(b, off + OFF_PARENT_UUID, parentUuid);
        putInt(b, off + OFF_PARENT_TIMESTAMP, (int) parentTimestamp);
        byte[] name = parentUnicodeName.getBytes(StandardCharsets.UTF_16BE);
        System.arraycopy(name, 0, b, off + OFF_PARENT_NAME, name.length);
        for (int i = 0; i < LOCATOR_COUNT; i++) {
            ParentLocator l = locators.get(i);
            int e = off + OFF_LOCATORS + i * LOCATOR_ENTRY;
            putInt(b, e, l.platformCode());
            putInt(b, e + 4, l.dataSpace());
            putInt(b, e + 8, l.dataLength());
            putLong(b, e + 16, l.dataOffset());
        }
        putInt(b, off + OFF_CHECKSUM, 0);
        putInt(b, off + OFF_CHECKSUM, checksum(b, off, HEADER_SIZE, OFF_CHECKSUM));
    }

    /**
     * Parses and validates a dynamic disk header.
     *
     * @throws VhdException BAD_COOKIE, BAD_CHECKSUM, UNSUPPORTED (version, block size) or CORRUPT
     */
    public static VhdHeader decode(byte[] b, int off, Path file) {
        if (!regionEquals(b, off + OFF_COOKIE, HEADER_COOKIE)) {
            throw new VhdException(VhdException.Reason.BAD_COOKIE, file, "dynamic header cookie is not 'cxsparse'");
        }
        int stored = getInt(b, off + OFF_CHECKSUM);
        int computed = checksum(b, off, HEADER_SIZE, OFF_CHECKSUM);
        if (stored != computed) {
            throw new VhdException(VhdException.Reason.BAD_CHECKSUM, file, String.format(
                    "dynamic header checksum 0x%08x, computed 0x%08x", stored, computed));
        }
        int version = getInt(b, off + OFF_HEADER_VERSION);
        if (version != HEADER_VERSION) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, file,
                    String.format("dynamic header version 0x%08x", version));
        }
        if (getLong(b, off + OFF_DATA_OFFSET) != -1L) {
            throw new VhdException(VhdException.Reason.CORRUPT, file, "dynamic header data offset is not all ones");
        }
        long blockSize = getUInt(b, off + OFF_BLOCK_SIZE);
        if (blockSize < SECTOR || Long.bitCount(blockSize) != 1) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, file, "block size " + blockSize);
        }
        long tableOffset = getLong(b, off + OFF_TABLE_OFFSET);
        if (tableOffset <= 0 || tableOffset % SECTOR != 0) {
            throw new VhdException(VhdException.Reason.CORRUPT, file, "table offset " + tableOffset);
        }
        List<ParentLocator> locs = new ArrayList<>(LOCATOR_COUNT);
        for (int i = 0; i < LOCATOR_COUNT; i++) {
            int e = off + OFF_LOCATORS + i * LOCATOR_ENTRY;
            int code = getInt(b, e);
            if (!ParentLocator.knownCode(code)) {
                throw new VhdException(VhdException.Reason.CORRUPT, file,
                        String.format("parent locator %d has unknown platform code 0x%08x", i, code));
            }
            locs.add(new ParentLocator(code, getInt(b, e + 4), getInt(b, e + 8), getLong(b, e + 16)));
        }
        String name = decodeName(b, off + OFF_PARENT_NAME);
        return new VhdHeader(tableOffset, getUInt(b, off + OFF_MAX_TABLE_ENTRIES), blockSize,
                getUuid(b, off + OFF_PARENT_UUID), getUInt(b, off + OFF_PARENT_TIMESTAMP), name, locs);
    }

    private static String decodeName(byte[] b, int off) {
        int len = 0;
        while (len + 1 < PARENT_NAME_BYTES && (b[off + len] != 0 || b[off + len + 1] != 0)) {
            len += 2;
        }
        return new String(b, off, len, StandardCharsets.UTF_16BE);
    }
}
