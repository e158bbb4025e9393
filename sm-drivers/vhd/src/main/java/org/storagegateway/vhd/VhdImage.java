package org.storagegateway.vhd;

import static org.storagegateway.vhd.VhdFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One VHD file: creation, metadata operations, and (through {@link VhdChain}) block I/O.
 *
 * <p>Images are written the way blktap's {@code vhd-util} writes them: creator {@code tap\0}
 * 1.3, footer copy at 0, dynamic header at 512, BAT at 1536 padded to a sector, batmap header
 * and batmap, for differencing disks three 512-byte parent locators (MacX, W2ku, W2ru), then
 * 2 MiB blocks whose data start 4 KiB-aligned, and the footer at the end of the file.
 *
 * <p>Opening reads the footer at end-of-file minus 512 and falls back to the copy at offset 0
 * when that one is missing or damaged; an image opened {@link OpenMode#READ_WRITE} gets its
 * trailing footer rewritten on {@link #flush()}/{@link #close()}. All metadata is validated on
 * open; corrupt input raises a {@link VhdException}, never a wrong byte.
 *
 * <p>Instances are not thread-safe; {@link VhdChain} serialises access to the images it owns.
 * Only regular files are supported (the footer always sits right after the last block).
 */
public final class VhdImage implements AutoCloseable {

    private static final int BITMAP_CACHE_ENTRIES = 4096;
    private static final int COPY_CHUNK = 1 << 20;

    private final Path path;
    private final OpenMode mode;
    private final FileChannel ch;
    private final boolean footerFromBackup;

    private VhdFooter footer;
    private VhdHeader header;
    private long fileSize;

    // sparse images only
    private long blockSize;
    private int bitmapBytes;
    private long blockCount;
    private byte[] bat;
    private Batmap batmap;
    private long endOfHeaders;
    private long endOfData;
    /** Blocks with a BAT entry, kept up to date as blocks are allocated. */
    private long allocatedBlocks;
    /** Runs {block, first sector, sectors} written by {@link #writeSectorsBatched}, their metadata not yet written. */
    private final List<int[]> batchedRuns = new ArrayList<>();
    /** Bitmap offsets of the blocks allocated by the current batch, which have no BAT entry yet. */
    private final Map<Integer, Long> batchedBlocks = new HashMap<>();
    private boolean trailingFooterValid;
    private boolean backupFooterStale;
    private final Map<Integer, byte[]> bitmapCache = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
            return size() > BITMAP_CACHE_ENTRIES;
        }
    };

    private boolean dirty;
    private boolean closed;

    /** In-memory batmap: the raw 512-byte header (keeps marker and keyhash) and the map. */
    private static final class Batmap {
        long headerOffset;
        long mapOffset;
        long mapSectors;
        int version;
        byte[] rawHeader;
        byte[] map;
    }

    private VhdImage(Path path, OpenMode mode, FileChannel ch, FooterRead fr) {
        this.path = path;
        this.mode = mode;
        this.ch = ch;
        this.footer = fr.footer;
        this.footerFromBackup = fr.fromBackup;
        this.backupFooterStale = fr.backupStale;
        this.trailingFooterValid = !fr.fromBackup;
        this.fileSize = fr.fileSize;
    }

    // ------------------------------------------------------------------------------------------
    // Creation

    /** Creates a dynamic image with default options (durable). See {@link #createDynamic(Path, long, UUID, VhdCreateOptions)}. */
    public static void createDynamic(Path file, long virtualSizeBytes, UUID uuid) {
        createDynamic(file, virtualSizeBytes, uuid, VhdCreateOptions.defaults());
    }

    /**
     * Creates an empty dynamic (type 3) image exactly as {@code vhd-util create} lays it out.
     * The virtual size is stored as given (the SR driver rounds it to 2 MiB beforehand).
     *
     * @param virtualSizeBytes positive multiple of 512, at most 2040 GiB
     * @throws VhdException INVALID_ARGUMENT for a bad size, ALREADY_EXISTS if the file exists
     */
    public static void createDynamic(Path file, long virtualSizeBytes, UUID uuid, VhdCreateOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(options, "options");
        checkVirtualSize(file, virtualSizeBytes);
        checkUuid(file, uuid);
        long entries = tableEntries(file, virtualSizeBytes, options);
        VhdFooter f = VhdFooter.forNewImage(DiskType.DYNAMIC, virtualSizeBytes, uuid, options.clock().instant());
        VhdHeader h = new VhdHeader(3L * SECTOR, entries, BLOCK_SIZE, VhdHeader.NULL_UUID, 0, "",
                Collections.nCopies(VhdHeader.LOCATOR_COUNT, ParentLocator.NONE));
        writeNewFile(file, layoutEmpty(f, h, null), options.durable());
    }

    /** Creates a differencing child with default options (durable). */
    public static void createDifferencing(Path child, Path parent, UUID uuid) {
        createDifferencing(child, parent, uuid, VhdCreateOptions.defaults());
    }

    /**
     * Creates an empty differencing (type 4) child of {@code parent}, metadata only, like
     * {@code vhd-util snapshot}: virtual size = the parent's current size, parent UUID = the
     * parent's footer UUID, parent timestamp = the parent file's mtime, parent name = the
     * parent's file name (UTF-16BE), and three relative locators ({@code file://./name},
     * {@code .\name}). Only the parent's footer is read. The child is written with one
     * positional write.
     *
     * @throws VhdException INVALID_ARGUMENT if child and parent are not in the same directory or
     *                      the name does not fit a 512-byte locator; ALREADY_EXISTS; NOT_FOUND
     *                      style errors of the parent as PARENT_MISSING
     */
    public static void createDifferencing(Path child, Path parent, UUID uuid, VhdCreateOptions options) {
        Objects.requireNonNull(child, "child");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(options, "options");
        checkUuid(child, uuid);
        String parentName = checkSiblings(child, parent);
        VhdFooter pf;
        Instant parentMtime;
        try (FileChannel pc = FileChannel.open(parent, StandardOpenOption.READ)) {
            pf = readFooter(pc, parent).footer;
            parentMtime = Files.readAttributes(parent, BasicFileAttributes.class).lastModifiedTime().toInstant();
        } catch (NoSuchFileException e) {
            throw new VhdException(VhdException.Reason.PARENT_MISSING, parent, "parent does not exist", e);
        } catch (IOException e) {
            throw io(parent, e);
        }
        if (pf.uuid().equals(uuid)) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child, "child UUID equals parent UUID");
        }
        long size = pf.currentSize();
        checkVirtualSize(parent, size);
        long entries = tableEntries(child, size, options);
        LocatorData loc = LocatorData.forName(child, parentName);
        VhdFooter f = VhdFooter.forNewImage(DiskType.DIFFERENCING, size, uuid, options.clock().instant());
        VhdHeader h = new VhdHeader(3L * SECTOR, entries, BLOCK_SIZE, pf.uuid(), toVhdTime(parentMtime),
                parentName, Collections.nCopies(VhdHeader.LOCATOR_COUNT, ParentLocator.NONE));
        writeNewFile(child, layoutEmpty(f, h, loc), options.durable());
    }

    /** Creates a fixed image with default options (durable). */
    public static void createFixed(Path file, long virtualSizeBytes, UUID uuid) {
        createFixed(file, virtualSizeBytes, uuid, VhdCreateOptions.defaults());
    }

    /**
     * Creates a fixed (type 2) image: zero data (a sparse hole on file systems that support it)
     * followed by a footer.
     */
    public static void createFixed(Path file, long virtualSizeBytes, UUID uuid, VhdCreateOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(options, "options");
        checkVirtualSize(file, virtualSizeBytes);
        checkUuid(file, uuid);
        VhdFooter f = VhdFooter.forNewImage(DiskType.FIXED, virtualSizeBytes, uuid, options.clock().instant());
        try (FileChannel c = createChannel(file)) {
            try {
                writeFully(c, file, virtualSizeBytes, f.encode(), 0, FOOTER_SIZE);
                if (options.durable()) {
                    c.force(true);
                }
            } catch (RuntimeException | IOException e) {
                deleteQuietly(file);
                throw e;
            }
        } catch (IOException e) {
            throw io(file, e);
        }
    }

    private static long tableEntries(Path file, long size, VhdCreateOptions options) {
        long reserve = options.reservedVirtualSize();
        if (reserve != 0 && reserve < size) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, file,
                    "reserved virtual size " + reserve + " is below the virtual size " + size);
        }
        return ceilDiv(Math.max(size, reserve), BLOCK_SIZE);
    }

    /**
     * The complete bytes of an empty sparse image: footer copy, header, BAT (all unused,
     * padding zero), batmap header and zero map, optional locator slots, trailing footer.
     */
    static byte[] layoutEmpty(VhdFooter f, VhdHeader h, LocatorData loc) {
        long entries = h.maxTableEntries();
        long batmapHeaderOff = h.tableOffset() + batBytes(entries);
        long mapOff = batmapHeaderOff + BATMAP_HEADER_SIZE;
        long mapSectors = batmapSectors(entries);
        long locOff = mapOff + mapSectors * SECTOR;
        int locSlots = loc == null ? 0 : 3;
        long footerOff = locOff + (long) locSlots * LOCATOR_SLOT;
        byte[] img = new byte[Math.toIntExact(footerOff + FOOTER_SIZE)];

        VhdHeader header = h;
        if (loc != null) {
            List<ParentLocator> locs = new ArrayList<>(VhdHeader.LOCATOR_COUNT);
            for (int i = 0; i < 3; i++) {
                long off = locOff + (long) i * LOCATOR_SLOT;
                byte[] data = loc.bytes(i);
                System.arraycopy(data, 0, img, (int) off, data.length);
                locs.add(new ParentLocator(loc.code(i), LOCATOR_SLOT, data.length, off));
            }
            while (locs.size() < VhdHeader.LOCATOR_COUNT) {
                locs.add(ParentLocator.NONE);
            }
            header = h.withParent(h.parentUuid(), h.parentTimestamp(), h.parentUnicodeName(), locs);
        }
        f.encodeInto(img, 0);
        header.encodeInto(img, (int) f.dataOffset());
        Arrays.fill(img, (int) h.tableOffset(), (int) (h.tableOffset() + entries * 4), (byte) 0xFF);
        byte[] bh = new byte[BATMAP_HEADER_SIZE];
        fillBatmapHeader(bh, mapOff, mapSectors, BATMAP_VERSION,
                batmapChecksum(new byte[(int) (mapSectors * SECTOR)], f.currentSize(), BATMAP_VERSION));
        System.arraycopy(bh, 0, img, (int) batmapHeaderOff, BATMAP_HEADER_SIZE);
        f.encodeInto(img, (int) footerOff);
        return img;
    }

    private static void fillBatmapHeader(byte[] bh, long mapOff, long mapSectors, int version, int checksum) {
        System.arraycopy(BATMAP_COOKIE, 0, bh, 0, 8);
        putLong(bh, 8, mapOff);
        putInt(bh, 16, (int) mapSectors);
        putInt(bh, 20, version);
        putInt(bh, 24, checksum);
    }

    static int batmapChecksum(byte[] map, long currentSize, int version) {
        int n = batmapChecksumBytes(currentSize);
        int sum = 0;
        for (int i = 0; i < n; i++) {
            // batmap 1.1 summed signed chars; later versions unsigned bytes
            sum += version == BATMAP_VERSION_1_1 ? map[i] : (map[i] & 0xFF);
        }
        return ~sum;
    }

    private static void writeNewFile(Path file, byte[] bytes, boolean durable) {
        try (FileChannel c = createChannel(file)) {
            try {
                writeFully(c, file, 0, bytes, 0, bytes.length);
                if (durable) {
                    c.force(true);
                }
            } catch (RuntimeException | IOException e) {
                deleteQuietly(file);
                throw e;
            }
        } catch (IOException e) {
            throw io(file, e);
        }
    }

    private static FileChannel createChannel(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new VhdException(VhdException.Reason.ALREADY_EXISTS, file, "file already exists", e);
        }
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // the original failure is what matters
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort cleanup of a half-created file
        }
    }

    private static void checkVirtualSize(Path file, long size) {
        if (size <= 0 || size % SECTOR != 0 || size > MAX_VIRTUAL_SIZE) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, file,
                    "virtual size must be a positive multiple of 512 up to 2040 GiB: " + size);
        }
    }

    private static void checkUuid(Path file, UUID uuid) {
        if (VhdFormat.isNull(uuid)) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, file, "UUID must not be null");
        }
    }

    /** Checks that both files live in the same directory and returns the parent's file name. */
    private static String checkSiblings(Path child, Path parent) {
        Path c = child.toAbsolutePath().normalize();
        Path p = parent.toAbsolutePath().normalize();
        if (c.getParent() == null || !c.getParent().equals(p.getParent())) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child,
                    "child and parent must be in the same directory (parent " + parent + ")");
        }
        if (c.equals(p)) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child, "an image cannot be its own parent");
        }
        return p.getFileName().toString();
    }

    /** The three locator payloads blktap writes: MacX, W2ku, W2ru, all relative to the child's directory. */
    static final class LocatorData {
        private final byte[][] data;
        private static final int[] CODES = {PLAT_MACX, PLAT_W2KU, PLAT_W2RU};

        private LocatorData(byte[][] data) {
            this.data = data;
        }

        static LocatorData forName(Path child, String parentName) {
            if (parentName.isEmpty() || parentName.indexOf('\0') >= 0 || parentName.indexOf('\\') >= 0) {
                throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child, "bad parent name: " + parentName);
            }
            if (parentName.getBytes(StandardCharsets.UTF_16BE).length > VhdHeader.PARENT_NAME_BYTES) {
                throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child, "parent name too long: " + parentName);
            }
            byte[] macx = ("file://./" + parentName).getBytes(StandardCharsets.UTF_8);
            byte[] w2u = (".\\" + parentName).getBytes(StandardCharsets.UTF_16LE);
            if (macx.length > LOCATOR_SLOT || w2u.length > LOCATOR_SLOT) {
                throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child,
                        "parent name does not fit a 512-byte locator: " + parentName);
            }
            return new LocatorData(new byte[][] {macx, w2u, w2u});
        }

        int code(int i) {
            return CODES[i];
        }

        byte[] bytes(int i) {
            return data[i];
        }

        byte[] forCode(int code) {
            for (int i = 0; i < CODES.length; i++) {
                if (CODES[i] == code) {
                    return data[i];
                }
            }
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Opening

    /**
     * Opens and validates an image. Validation covers footer (with fallback to the copy at 0),
     * dynamic header, BAT (entries inside the file, after the metadata, not overlapping) and
     * batmap (cookie, checksum, no full bit for an unallocated block).
     *
     * @throws VhdException with the matching reason for corrupt or unsupported input;
     *                      NOT_FOUND if the file does not exist
     */
    public static VhdImage open(Path file, OpenMode mode) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(mode, "mode");
        FileChannel c;
        try {
            c = mode == OpenMode.READ_WRITE
                    ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new VhdException(VhdException.Reason.NOT_FOUND, file, "no such file", e);
        } catch (IOException e) {
            throw io(file, e);
        }
        try {
            VhdImage img = new VhdImage(file, mode, c, readFooter(c, file));
            img.load();
            return img;
        } catch (IOException e) {
            closeQuietly(c);
            throw io(file, e);
        } catch (RuntimeException e) {
            try {
                c.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Reads only the footer (trailing one, else the copy at offset 0). Cheap enough for scans.
     */
    public static VhdFooter readFooter(Path file) {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            return readFooter(c, file).footer;
        } catch (NoSuchFileException e) {
            throw new VhdException(VhdException.Reason.NOT_FOUND, file, "no such file", e);
        } catch (IOException e) {
            throw io(file, e);
        }
    }

    private static final class FooterRead {
        VhdFooter footer;
        boolean fromBackup;
        boolean backupStale;
        long fileSize;
    }

    private static FooterRead readFooter(FileChannel c, Path file) throws IOException {
        FooterRead r = new FooterRead();
        r.fileSize = c.size();
        if (r.fileSize < FOOTER_SIZE) {
            throw new VhdException(VhdException.Reason.TRUNCATED, file, "file shorter than a footer: " + r.fileSize);
        }
        byte[] primary = new byte[FOOTER_SIZE];
        readFully(c, file, r.fileSize - FOOTER_SIZE, primary, 0, FOOTER_SIZE);
        VhdException primaryError = null;
        try {
            r.footer = VhdFooter.decode(primary, 0, file);
        } catch (VhdException e) {
            if (e.reason() != VhdException.Reason.BAD_COOKIE && e.reason() != VhdException.Reason.BAD_CHECKSUM) {
                throw e;
            }
            primaryError = e;
        }
        if (r.footer != null && !r.footer.diskType().isSparse()) {
            return r;
        }
        byte[] copy = new byte[FOOTER_SIZE];
        readFully(c, file, 0, copy, 0, FOOTER_SIZE);
        if (r.footer != null) {
            r.backupStale = !Arrays.equals(primary, copy);
            return r;
        }
        try {
            VhdFooter backup = VhdFooter.decode(copy, 0, file);
            if (!backup.diskType().isSparse()) {
                throw primaryError;
            }
            r.footer = backup;
            r.fromBackup = true;
            return r;
        } catch (VhdException backupError) {
            if (primaryError.reason() == VhdException.Reason.BAD_CHECKSUM
                    || backupError.reason() != VhdException.Reason.BAD_CHECKSUM) {
                throw primaryError;
            }
            throw backupError;
        }
    }

    private void load() {
        if (footer.diskType() == DiskType.FIXED) {
            if (footer.currentSize() > fileSize - FOOTER_SIZE) {
                throw new VhdException(VhdException.Reason.TRUNCATED, path, "fixed image data shorter than "
                        + footer.currentSize());
            }
            return;
        }
        long dataOffset = footer.dataOffset();
        if (dataOffset < FOOTER_SIZE || dataOffset % SECTOR != 0) {
            throw new VhdException(VhdException.Reason.CORRUPT, path, "footer data offset " + dataOffset);
        }
        if (dataOffset + HEADER_SIZE > fileSize) {
            throw new VhdException(VhdException.Reason.TRUNCATED, path, "dynamic header past end of file");
        }
        byte[] hb = new byte[HEADER_SIZE];
        readAt(dataOffset, hb, 0, HEADER_SIZE);
        header = VhdHeader.decode(hb, 0, path);
        blockSize = header.blockSize();
        bitmapBytes = VhdFormat.bitmapBytes(blockSize);
        blockCount = ceilDiv(footer.currentSize(), blockSize);
        long entries = header.maxTableEntries();
        if (entries > (1L << 28)) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, path, "BAT with " + entries + " entries");
        }
        if (blockCount > entries) {
            throw new VhdException(VhdException.Reason.CORRUPT, path, "virtual size needs " + blockCount
                    + " blocks but the BAT has " + entries + " entries");
        }
        long batLen = batBytes(entries);
        if (header.tableOffset() + batLen > fileSize) {
            throw new VhdException(VhdException.Reason.TRUNCATED, path, "BAT past end of file");
        }
        bat = new byte[Math.toIntExact(batLen)];
        readAt(header.tableOffset(), bat, 0, bat.length);
        long eoh = Math.max(dataOffset + HEADER_SIZE, header.tableOffset() + batLen);
        if (footer.hasBatmap()) {
            batmap = loadBatmap(header.tableOffset() + batLen, entries);
            eoh = Math.max(eoh, batmap.headerOffset + BATMAP_HEADER_SIZE);
            eoh = Math.max(eoh, batmap.mapOffset + batmap.mapSectors * SECTOR);
        }
        for (ParentLocator l : header.locators()) {
            if (!l.isUsed()) {
                continue;
            }
            long space = l.spaceBytes();
            if (space <= 0 || l.dataOffset() <= 0 || l.dataOffset() % SECTOR != 0) {
                throw new VhdException(VhdException.Reason.CORRUPT, path, "bad parent locator " + l);
            }
            if (l.dataOffset() + space > fileSize) {
                throw new VhdException(VhdException.Reason.TRUNCATED, path, "parent locator past end of file");
            }
            eoh = Math.max(eoh, l.dataOffset() + space);
        }
        endOfHeaders = eoh;
        scanBat();
        if (trailingFooterValid && endOfData > fileSize - FOOTER_SIZE) {
            throw new VhdException(VhdException.Reason.BAT_ENTRY_OUT_OF_RANGE, path,
                    "a block overlaps the trailing footer");
        }
    }

    private Batmap loadBatmap(long headerOffset, long entries) {
        if (headerOffset + BATMAP_HEADER_SIZE > fileSize) {
            throw new VhdException(VhdException.Reason.TRUNCATED, path, "batmap header past end of file");
        }
        Batmap bm = new Batmap();
        bm.headerOffset = headerOffset;
        bm.rawHeader = new byte[BATMAP_HEADER_SIZE];
        readAt(headerOffset, bm.rawHeader, 0, BATMAP_HEADER_SIZE);
        if (!regionEquals(bm.rawHeader, 0, BATMAP_COOKIE)) {
            throw new VhdException(VhdException.Reason.BAD_COOKIE, path, "batmap cookie is not 'tdbatmap'");
        }
        bm.mapOffset = getLong(bm.rawHeader, 8);
        bm.mapSectors = getUInt(bm.rawHeader, 16);
        bm.version = getInt(bm.rawHeader, 20);
        if (Integer.compareUnsigned(bm.version, BATMAP_VERSION) > 0) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, path,
                    String.format("batmap version 0x%08x", bm.version));
        }
        if (bm.mapSectors == 0 || bm.mapSectors * SECTOR * 8 < entries) {
            throw new VhdException(VhdException.Reason.CORRUPT, path, "batmap smaller than the BAT");
        }
        if (bm.mapOffset <= 0 || bm.mapOffset % SECTOR != 0) {
            throw new VhdException(VhdException.Reason.CORRUPT, path, "batmap offset " + bm.mapOffset);
        }
        if (bm.mapOffset + bm.mapSectors * SECTOR > fileSize) {
            throw new VhdException(VhdException.Reason.TRUNCATED, path, "batmap past end of file");
        }
        bm.map = new byte[Math.toIntExact(bm.mapSectors * SECTOR)];
        if (batmapChecksumBytes(footer.currentSize()) > bm.map.length) {
            throw new VhdException(VhdException.Reason.CORRUPT, path, "batmap too small for the virtual size");
        }
        readAt(bm.mapOffset, bm.map, 0, bm.map.length);
        int stored = getInt(bm.rawHeader, 24);
        int computed = batmapChecksum(bm.map, footer.currentSize(), bm.version);
        if (stored != computed) {
            throw new VhdException(VhdException.Reason.BAD_CHECKSUM, path,
                    String.format("batmap checksum 0x%08x, computed 0x%08x", stored, computed));
        }
        return bm;
    }

    /**
     * Validate the BAT and, in the same single pass, find the end of the data and count the allocated blocks.
     */
    private void scanBat() {
        long[] offsets = null;
        int n = 0;
        long end = endOfHeaders;
        long blockBytes = bitmapBytes + blockSize;
        for (int i = 0; i < blockCount; i++) {
            long e = entry(i);
            if (e == UNUSED) {
                if (batmap != null && testBit(batmap.map, i)) {
                    throw new VhdException(VhdException.Reason.CORRUPT, path,
                            "batmap marks unallocated block " + i + " full");
                }
                continue;
            }
            long off = e * SECTOR;
            if (off < endOfHeaders) {
                throw new VhdException(VhdException.Reason.BAT_ENTRY_OUT_OF_RANGE, path,
                        "block " + i + " at " + off + " overlaps the metadata (ends at " + endOfHeaders + ")");
            }
            if (off + bitmapBytes > fileSize) {
                throw new VhdException(VhdException.Reason.BAT_ENTRY_OUT_OF_RANGE, path,
                        "block " + i + " at " + off + " lies past end of file " + fileSize);
            }
            if (offsets == null) {
                offsets = new long[(int) (blockCount - i)];
            }
            offsets[n++] = off;
            end = Math.max(end, off + blockBytes);
        }
        allocatedBlocks = n;
        endOfData = end;
        if (n < 2) {
            return;
        }
        Arrays.sort(offsets, 0, n);
        for (int i = 1; i < n; i++) {
            if (offsets[i] - offsets[i - 1] < bitmapBytes + blockSize) {
                throw new VhdException(VhdException.Reason.CORRUPT, path,
                        "blocks at " + offsets[i - 1] + " and " + offsets[i] + " overlap");
            }
        }
    }

    private long computeEndOfData() {
        long end = endOfHeaders;
        for (int i = 0; i < blockCount; i++) {
            long e = entry(i);
            if (e != UNUSED) {
                end = Math.max(end, e * SECTOR + bitmapBytes + blockSize);
            }
        }
        return end;
    }

    // ------------------------------------------------------------------------------------------
    // Information

    public Path path() {
        return path;
    }

    public OpenMode mode() {
        return mode;
    }

    /** The footer in effect (trailing one, or the offset-0 copy if the trailing one was bad). */
    public VhdFooter footer() {
        return footer;
    }

    /** The dynamic header; empty for fixed images. */
    public Optional<VhdHeader> header() {
        return Optional.ofNullable(header);
    }

    public UUID uuid() {
        return footer.uuid();
    }

    public DiskType diskType() {
        return footer.diskType();
    }

    /** Current virtual size in bytes. */
    public long virtualSize() {
        return footer.currentSize();
    }

    public boolean hidden() {
        return footer.hidden();
    }

    public String creatorApplication() {
        return footer.creatorApplication();
    }

    public int creatorVersion() {
        return footer.creatorVersion();
    }

    /** Parent UUID of a differencing image; empty otherwise. */
    public Optional<UUID> parentUuid() {
        return footer.diskType() == DiskType.DIFFERENCING ? Optional.of(header.parentUuid()) : Optional.empty();
    }

    /** Parent file name recorded in the header of a differencing image; empty otherwise. */
    public Optional<String> parentName() {
        return footer.diskType() == DiskType.DIFFERENCING ? Optional.of(header.parentUnicodeName()) : Optional.empty();
    }

    /** True if the trailing footer was missing or damaged and the offset-0 copy was used. */
    public boolean footerRecoveredFromBackup() {
        return footerFromBackup;
    }

    /** Block size in bytes (2 MiB); for fixed images 2 MiB as the chain's addressing unit. */
    public long blockSize() {
        return header == null ? BLOCK_SIZE : blockSize;
    }

    /** Number of blocks covering the virtual size. */
    public long blockCount() {
        return ceilDiv(footer.currentSize(), blockSize());
    }

    /** Number of BAT entries (capacity for growth without relocating the BAT). */
    public long maxTableEntries() {
        return header == null ? 0 : header.maxTableEntries();
    }

    /** Number of allocated blocks (fixed images: all). */
    public long allocatedBlockCount() {
        if (header == null) {
            return blockCount();
        }
        return allocatedBlocks;
    }

    /** Indices of all allocated blocks in ascending order (fixed images: all blocks). */
    public int[] allocatedBlocks() {
        int[] out = new int[(int) allocatedBlockCount()];
        int n = 0;
        for (int i = 0; i < blockCount(); i++) {
            if (header == null || entry(i) != UNUSED) {
                out[n++] = i;
            }
        }
        return out;
    }

    /** True if the block is allocated in this file. */
    public boolean isBlockAllocated(int block) {
        return blockBitmapOffset(block) >= 0 || (header == null && block >= 0 && block < blockCount());
    }

    /** Absolute file offset of the block's sector bitmap, or -1 if unallocated (or fixed image). */
    public long blockBitmapOffset(int block) {
        if (header == null || block < 0 || block >= blockCount) {
            return -1;
        }
        long e = entry(block);
        return e == UNUSED ? -1 : e * SECTOR;
    }

    /** True if the blktap batmap marks the block as fully written. */
    public boolean isBlockFull(int block) {
        return batmap != null && block >= 0 && block < blockCount && testBit(batmap.map, block);
    }

    /**
     * A copy of the block's sector bitmap (MSB first; 1 = sector stored in this file), or an
     * all-zero bitmap for an unallocated block. Fixed images: all ones.
     */
    public byte[] sectorBitmap(int block) {
        checkBlockIndex(block);
        int sectors = (int) (blockSize() / SECTOR);
        if (header == null) {
            byte[] all = new byte[VhdFormat.bitmapBytes(blockSize())];
            for (int s = 0; s < sectors; s++) {
                setBit(all, s);
            }
            return all;
        }
        if (blockBitmapOffset(block) < 0) {
            return new byte[bitmapBytes];
        }
        return bitmap(block).clone();
    }

    /**
     * Physical size: for sparse images the end of the last block (or of the metadata) plus the
     * footer, i.e. the file size after a clean close; for fixed images the file size.
     */
    public long physicalSizeBytes() {
        return header == null ? fileSize : endOfData + FOOTER_SIZE;
    }

    /** The current length of the file. */
    public long fileSizeBytes() {
        return fileSize;
    }

    /** Paths named by the parent locators (MacX, W2ku, W2ru), resolved against this file's directory. */
    public List<Path> parentLocatorPaths() {
        if (footer.diskType() != DiskType.DIFFERENCING) {
            return List.of();
        }
        try {
            return locatorPaths(ch, path, fileSize, header);
        } catch (IOException e) {
            throw io(path, e);
        }
    }

    private static List<Path> locatorPaths(FileChannel c, Path file, long size, VhdHeader h) throws IOException {
        List<Path> out = new ArrayList<>();
        Path dir = file.toAbsolutePath().getParent();
        for (ParentLocator l : h.locators()) {
            String target = locatorTarget(c, file, size, l);
            if (target != null && !target.isEmpty()) {
                out.add(target.startsWith("/") ? Path.of(target) : dir.resolve(target).normalize());
            }
        }
        return out;
    }

    /** Decodes one MacX/W2ku/W2ru locator into a (usually relative) path; null for other kinds. */
    private static String locatorTarget(FileChannel c, Path file, long size, ParentLocator l) throws IOException {
        int code = l.platformCode();
        if (code != PLAT_MACX && code != PLAT_W2KU && code != PLAT_W2RU) {
            return null;
        }
        int len = l.dataLength();
        if (len <= 0 || len > l.spaceBytes() || l.dataOffset() <= 0 || l.dataOffset() + len > size) {
            return null;
        }
        byte[] raw = new byte[len];
        readFully(c, file, l.dataOffset(), raw, 0, len);
        if (code == PLAT_MACX) {
            String s = new String(raw, StandardCharsets.UTF_8);
            return s.startsWith("file://") ? s.substring("file://".length()) : null;
        }
        String s = new String(raw, StandardCharsets.UTF_16LE).replace('\\', '/');
        if (s.length() >= 2 && s.charAt(1) == ':') {
            s = s.substring(2);
        }
        return s;
    }

    /** What chain resolution needs to know about a file, read without loading its BAT. */
    record Probe(Path path, VhdFooter footer, VhdHeader header, List<Path> locatorPaths) {
    }

    /** Reads footer, and for differencing images header and locators, of a file. */
    static Probe probe(Path file) {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            FooterRead fr = readFooter(c, file);
            VhdFooter f = fr.footer;
            if (f.diskType() != DiskType.DIFFERENCING) {
                return new Probe(file, f, null, List.of());
            }
            long off = f.dataOffset();
            if (off < FOOTER_SIZE || off % SECTOR != 0) {
                throw new VhdException(VhdException.Reason.CORRUPT, file, "footer data offset " + off);
            }
            if (off + HEADER_SIZE > fr.fileSize) {
                throw new VhdException(VhdException.Reason.TRUNCATED, file, "dynamic header past end of file");
            }
            byte[] hb = new byte[HEADER_SIZE];
            readFully(c, file, off, hb, 0, HEADER_SIZE);
            VhdHeader h = VhdHeader.decode(hb, 0, file);
            return new Probe(file, f, h, locatorPaths(c, file, fr.fileSize, h));
        } catch (NoSuchFileException e) {
            throw new VhdException(VhdException.Reason.NOT_FOUND, file, "no such file", e);
        } catch (IOException e) {
            throw io(file, e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Block-level I/O used by VhdChain

    int bitmapSize() {
        return bitmapBytes;
    }

    long entry(int block) {
        return getUInt(bat, block * 4);
    }

    private void setEntry(int block, long value) {
        boolean wasUsed = entry(block) != UNUSED;
        if (wasUsed != (value != UNUSED)) {
            allocatedBlocks += wasUsed ? -1 : 1;
        }
        putInt(bat, block * 4, (int) value);
    }

    /** The cached sector bitmap of an allocated block. */
    byte[] bitmap(int block) {
        byte[] b = bitmapCache.get(block);
        if (b == null) {
            b = new byte[bitmapBytes];
            readAt(entry(block) * SECTOR, b, 0, bitmapBytes);
            bitmapCache.put(block, b);
        }
        return b;
    }

    /** Reads bytes of this file; a read past end of file is reported as TRUNCATED. */
    void readAt(long pos, byte[] buf, int off, int len) {
        try {
            readFully(ch, path, pos, buf, off, len);
        } catch (IOException e) {
            throw io(path, e);
        }
    }

    private void writeAt(long pos, byte[] buf, int off, int len) {
        try {
            writeFully(ch, path, pos, buf, off, len);
        } catch (IOException e) {
            throw io(path, e);
        }
        fileSize = Math.max(fileSize, pos + len);
        dirty = true;
    }

    private void force(boolean metadata) {
        try {
            ch.force(metadata);
        } catch (IOException e) {
            throw io(path, e);
        }
        if (metadata) {
            dirty = false;
        }
    }

    /**
     * Writes whole sectors {@code [firstSector, firstSector + sectors)} of chain block
     * {@code block} into this file. For sparse images allocates the block if needed: data and a
     * zeroed bitmap first, then (after an optional force) the BAT entry and the updated bitmap,
     * then the batmap bit once every sector of the block is present.
     */
    void writeSectors(int block, int firstSector, int sectors, byte[] buf, int off, WriteOrdering ordering) {
        checkWritable();
        int len = sectors * SECTOR;
        if (header == null) {
            writeAt(block * BLOCK_SIZE + (long) firstSector * SECTOR, buf, off, len);
            return;
        }
        long bm = blockBitmapOffset(block);
        byte[] bitmap;
        if (bm < 0) {
            bm = placeBlock();
            bitmap = new byte[bitmapBytes];
            writeAt(bm + bitmapBytes + (long) firstSector * SECTOR, buf, off, len);
            if (ordering == WriteOrdering.STRICT) {
                force(false);
            }
            setEntry(block, bm / SECTOR);
            writeBatEntry(block);
            bitmap = bitmap.clone();
            setBits(bitmap, firstSector, sectors);
            writeAt(bm, bitmap, 0, bitmapBytes);
            bitmapCache.put(block, bitmap);
        } else {
            writeAt(bm + bitmapBytes + (long) firstSector * SECTOR, buf, off, len);
            bitmap = bitmap(block);
            if (!bitsSet(bitmap, firstSector, sectors)) {
                if (ordering == WriteOrdering.STRICT) {
                    force(false);
                }
                setBits(bitmap, firstSector, sectors);
                writeAt(bm, bitmap, 0, bitmapBytes);
            }
        }
        if (batmap != null && !testBit(batmap.map, block) && allBitsSet(bitmap, (int) (blockSize / SECTOR))) {
            setBit(batmap.map, block);
            writeBatmap();
        }
    }

    /**
     * Write sectors' data now and their metadata at the next {@link #commitBatch} (or flush): a block not yet
     * allocated gets its place at the end of the file with a zeroed bitmap, but its BAT entry, sector bitmap and
     * batmap bit are written only after the whole batch's data has been forced. So the order is STRICT's (a crash
     * leaks space at worst, and never exposes a sector before its data is durable), with one force per batch instead
     * of one per block. For large sequential copies such as coalescing.
     */
    void writeSectorsBatched(int block, int firstSector, int sectors, byte[] buf, int off) {
        writeAt(batchedDataOffset(block, firstSector), buf, off, sectors * SECTOR);
        batched(block, firstSector, sectors);
    }

    /**
     * As {@link #writeSectorsBatched}, with the data copied from {@code source} at {@code sourceOffset} by the kernel
     * (no copy through the Java heap).
     */
    void copySectorsBatched(int block, int firstSector, int sectors, VhdImage source, long sourceOffset) {
        long to = batchedDataOffset(block, firstSector);
        long len = (long) sectors * SECTOR;
        try {
            ch.position(to);
            for (long done = 0; done < len; ) {
                long n = source.ch.transferTo(sourceOffset + done, len - done, ch);
                if (n <= 0) {
                    throw new VhdException(VhdException.Reason.TRUNCATED, source.path,
                            "data ends before offset " + (sourceOffset + len));
                }
                done += n;
            }
        } catch (IOException e) {
            throw io(path, e);
        }
        fileSize = Math.max(fileSize, to + len);
        dirty = true;
        batched(block, firstSector, sectors);
    }

    /** Where a batched write of the sector goes; a block not allocated yet is placed (once per batch). */
    private long batchedDataOffset(int block, int firstSector) {
        checkWritable();
        if (header == null) {
            return block * BLOCK_SIZE + (long) firstSector * SECTOR;
        }
        long bm = blockBitmapOffset(block);
        if (bm < 0) {
            Long placed = batchedBlocks.get(block);
            if (placed != null) {
                bm = placed;
            } else {
                bm = placeBlock();
                batchedBlocks.put(block, bm);
            }
        }
        return bm + bitmapBytes + (long) firstSector * SECTOR;
    }

    /** Remember a run written by a batched write, for {@link #commitBatch}. */
    private void batched(int block, int firstSector, int sectors) {
        if (header != null) {
            batchedRuns.add(new int[] {block, firstSector, sectors});
        }
    }

    /**
     * Force the data written by {@link #writeSectorsBatched}, then write what describes it, in STRICT's order: BAT
     * entries, sector bitmaps, batmap; each BAT sector and bitmap once.
     */
    void commitBatch() {
        checkWritable();
        List<int[]> runs = sealBatch();
        if (!runs.isEmpty()) {
            forceData();
            describeBatch(runs);
        }
    }

    /**
     * The runs batched so far, for {@link #describeBatch} once their data is durable; later batched writes start a
     * new batch. With {@link #forceData} on another thread, the next batch is copied while this one is forced.
     */
    List<int[]> sealBatch() {
        List<int[]> runs = new ArrayList<>(batchedRuns);
        batchedRuns.clear();
        return runs;
    }

    /** Force the file's data (not its metadata). The one call that may run on another thread than this image's. */
    void forceData() {
        try {
            ch.force(false);
        } catch (IOException e) {
            throw io(path, e);
        }
    }

    /**
     * Write what describes a sealed batch: BAT entries, sector bitmaps, batmap; each BAT sector and bitmap once. The
     * caller has forced the file since the batch's data was written (a force that began after the last of it).
     */
    void describeBatch(List<int[]> runs) {
        checkWritable();
        Set<Integer> batSectors = new LinkedHashSet<>();
        // The bitmaps being changed, held here: the bounded cache may drop entries while the batch is applied.
        Map<Integer, byte[]> bitmaps = new LinkedHashMap<>();
        Set<Integer> changed = new LinkedHashSet<>();
        for (int[] run : runs) {
            int block = run[0];
            Long placed = batchedBlocks.remove(block);
            if (placed != null) {
                setEntry(block, placed / SECTOR);
                batSectors.add(block * 4 / SECTOR);
                bitmaps.put(block, new byte[bitmapBytes]);
            }
            byte[] bitmap = bitmaps.computeIfAbsent(block, this::bitmap);
            if (!bitsSet(bitmap, run[1], run[2])) {
                setBits(bitmap, run[1], run[2]);
                changed.add(block);
            }
        }
        for (int sector : batSectors) {
            writeAt(header.tableOffset() + (long) sector * SECTOR, bat, sector * SECTOR, SECTOR);
        }
        boolean batmapChanged = false;
        for (int block : changed) {
            byte[] bitmap = bitmaps.get(block);
            writeAt(blockBitmapOffset(block), bitmap, 0, bitmapBytes);
            bitmapCache.put(block, bitmap);
            if (batmap != null && !testBit(batmap.map, block) && allBitsSet(bitmap, (int) (blockSize / SECTOR))) {
                setBit(batmap.map, block);
                batmapChanged = true;
            }
        }
        if (batmapChanged) {
            writeBatmap();
        }
    }

    private static void setBits(byte[] map, int first, int count) {
        for (int s = first; s < first + count; s++) {
            setBit(map, s);
        }
    }

    private static boolean bitsSet(byte[] map, int first, int count) {
        for (int s = first; s < first + count; s++) {
            if (!testBit(map, s)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Place a new block after the data: stale bytes in its place zeroed, its sector bitmap written as zeros. It has
     * no BAT entry yet. Returns the offset of its bitmap.
     */
    private long placeBlock() {
        long bm = allocationOffset(endOfData);
        long blockEnd = bm + bitmapBytes + blockSize;
        if (bm / SECTOR >= UNUSED) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, path, "file would exceed 2 TiB");
        }
        if (fileSize > bm + bitmapBytes) {
            // stale bytes (e.g. a block leaked by a crash) must not show through as data
            zeroRange(bm + bitmapBytes, Math.min(fileSize, blockEnd));
        }
        writeAt(bm, new byte[bitmapBytes], 0, bitmapBytes);
        endOfData = Math.max(endOfData, blockEnd);
        trailingFooterValid = false;
        return bm;
    }

    /** Where a new block goes: its data 4 KiB-aligned, its bitmap right below the data. */
    private long allocationOffset(long floor) {
        return roundUp(floor + bitmapBytes, DATA_ALIGNMENT) - bitmapBytes;
    }

    private void zeroRange(long from, long to) {
        byte[] zeros = new byte[(int) Math.min(COPY_CHUNK, Math.max(0, to - from))];
        for (long p = from; p < to; p += zeros.length) {
            writeAt(p, zeros, 0, (int) Math.min(zeros.length, to - p));
        }
    }

    /** Rewrites the BAT sector holding the block's entry. */
    private void writeBatEntry(int block) {
        int sectorStart = (block * 4) / SECTOR * SECTOR;
        writeAt(header.tableOffset() + sectorStart, bat, sectorStart, SECTOR);
    }

    /** Rewrites the batmap (map, then header with its checksum); one write if contiguous. */
    private void writeBatmap() {
        putInt(batmap.rawHeader, 24, batmapChecksum(batmap.map, footer.currentSize(), batmap.version));
        if (batmap.mapOffset == batmap.headerOffset + BATMAP_HEADER_SIZE) {
            byte[] both = new byte[BATMAP_HEADER_SIZE + batmap.map.length];
            System.arraycopy(batmap.rawHeader, 0, both, 0, BATMAP_HEADER_SIZE);
            System.arraycopy(batmap.map, 0, both, BATMAP_HEADER_SIZE, batmap.map.length);
            writeAt(batmap.headerOffset, both, 0, both.length);
        } else {
            writeAt(batmap.mapOffset, batmap.map, 0, batmap.map.length);
            writeAt(batmap.headerOffset, batmap.rawHeader, 0, BATMAP_HEADER_SIZE);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Footer maintenance, flush and close

    /** Writes the trailing footer at the end of data (truncating anything after it), then the copy at 0. */
    private void writeFooters() {
        byte[] fb = footer.encode();
        if (header == null) {
            writeAt(footer.currentSize(), fb, 0, FOOTER_SIZE);
        } else {
            writeAt(endOfData, fb, 0, FOOTER_SIZE);
            truncateTo(endOfData + FOOTER_SIZE);
            writeAt(0, fb, 0, FOOTER_SIZE);
        }
        trailingFooterValid = true;
        backupFooterStale = false;
    }

    private void truncateTo(long size) {
        if (fileSize > size) {
            try {
                ch.truncate(size);
            } catch (IOException e) {
                throw io(path, e);
            }
            fileSize = size;
        }
    }

    /**
     * Makes everything written so far durable: rewrites the trailing footer if blocks were
     * allocated (or it was found damaged), refreshes a stale copy at offset 0, then forces the
     * file if anything was written since the last flush. No-op for read-only images.
     */
    public void flush() {
        checkOpen();
        if (mode != OpenMode.READ_WRITE) {
            return;
        }
        commitBatch();
        if (header != null) {
            if (!trailingFooterValid) {
                byte[] fb = footer.encode();
                writeAt(endOfData, fb, 0, FOOTER_SIZE);
                truncateTo(endOfData + FOOTER_SIZE);
                trailingFooterValid = true;
            }
            if (backupFooterStale) {
                writeAt(0, footer.encode(), 0, FOOTER_SIZE);
                backupFooterStale = false;
            }
        }
        if (dirty) {
            force(true);
            dirty = false;
        }
    }

    /** Flushes (read-write images) and closes the file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (mode == OpenMode.READ_WRITE) {
                flush();
            }
        } finally {
            closed = true;
            try {
                ch.close();
            } catch (IOException e) {
                throw io(path, e);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, path, "image is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (mode != OpenMode.READ_WRITE) {
            throw new VhdException(VhdException.Reason.READ_ONLY, path, "image is open read-only");
        }
    }

    private void checkBlockIndex(int block) {
        if (block < 0 || block >= blockCount()) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, path, "block index " + block);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Metadata operations

    /**
     * Sets or clears the hidden flag (footer byte 85) and rewrites both footers with a new
     * checksum (trailing first, then the copy at 0, then force), like
     * {@code vhd-util set -f hidden}.
     */
    public static void setHidden(Path file, boolean hidden) {
        try (VhdImage img = open(file, OpenMode.READ_WRITE)) {
            img.footer = img.footer.withHidden(hidden);
            img.writeFooters();
            img.force(true);
        }
    }

    /**
     * Grows the virtual size. Shrinking is refused (INVALID_ARGUMENT).
     *
     * <p>If the BAT has room (its entries cover the new size, e.g. because the image was created
     * with {@link VhdCreateOptions#withReservedVirtualSize}), only the footers (and the batmap
     * checksum, which depends on the size) change. Otherwise the BAT and batmap are
     * <em>relocated</em>: blocks in the way are first copied to the end of the file one by one
     * (each copy forced before its BAT entry is switched), then a larger BAT and batmap are
     * written right after the existing metadata, forced, and committed by a single rewrite of
     * the dynamic header; finally both footers get the new size. A crash at any point leaves a
     * valid image (at the old or the new size, possibly with leaked space). After relocation the
     * table no longer sits at offset 1536; blktap, QEMU and libvhdi read the table offset from
     * the header. Fixed images are extended with a sparse hole.
     */
    public static void resize(Path file, long newVirtualSize) {
        try (VhdImage img = open(file, OpenMode.READ_WRITE)) {
            img.grow(newVirtualSize);
        }
    }

    private void grow(long newSize) {
        checkWritable();
        checkVirtualSize(path, newSize);
        long oldSize = footer.currentSize();
        if (newSize == oldSize) {
            return;
        }
        if (newSize < oldSize) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, path,
                    "shrinking from " + oldSize + " to " + newSize + " is not supported");
        }
        if (header == null) {
            footer = footer.withCurrentSize(newSize);
            writeAt(newSize, footer.encode(), 0, FOOTER_SIZE);
            force(true);
            writeAt(oldSize, new byte[FOOTER_SIZE], 0, FOOTER_SIZE);
            force(true);
            return;
        }
        long needed = ceilDiv(newSize, blockSize);
        if (needed > header.maxTableEntries()) {
            relocateTables(needed);
        }
        for (long i = blockCount; i < needed; i++) {
            if (entry((int) i) != UNUSED || (batmap != null && testBit(batmap.map, (int) i))) {
                throw new VhdException(VhdException.Reason.CORRUPT, path,
                        "reserved BAT entry " + i + " is not empty");
            }
        }
        footer = footer.withCurrentSize(newSize);
        blockCount = needed;
        writeFooters();
        if (batmap != null) {
            writeBatmap();
        }
        force(true);
    }

    private void relocateTables(long newEntries) {
        long newTable = roundUp(endOfHeaders, SECTOR);
        long newBatLen = batBytes(newEntries);
        long newBatmapHeader = newTable + newBatLen;
        long newMapOffset = newBatmapHeader + BATMAP_HEADER_SIZE;
        long newMapSectors = batmapSectors(newEntries);
        long newMetaEnd = batmap == null ? newBatmapHeader : newMapOffset + newMapSectors * SECTOR;

        // 1. move every block that lies (partly) below the new end of metadata to the end of data
        List<long[]> inTheWay = new ArrayList<>();
        for (int i = 0; i < blockCount; i++) {
            long e = entry(i);
            if (e != UNUSED && e * SECTOR < newMetaEnd) {
                inTheWay.add(new long[] {e * SECTOR, i});
            }
        }
        inTheWay.sort((a, b) -> Long.compare(a[0], b[0]));
        for (long[] blk : inTheWay) {
            moveBlock((int) blk[1], Math.max(endOfData, newMetaEnd));
        }

        // 2. write the new tables into the now free space after the current metadata
        byte[] newBat = new byte[Math.toIntExact(newBatLen)];
        long oldEntries = header.maxTableEntries();
        System.arraycopy(bat, 0, newBat, 0, (int) (oldEntries * 4));
        Arrays.fill(newBat, (int) (oldEntries * 4), (int) (newEntries * 4), (byte) 0xFF);
        writeAt(newTable, newBat, 0, newBat.length);
        Batmap nb = null;
        if (batmap != null) {
            nb = new Batmap();
            nb.headerOffset = newBatmapHeader;
            nb.mapOffset = newMapOffset;
            nb.mapSectors = newMapSectors;
            nb.version = batmap.version;
            nb.map = Arrays.copyOf(batmap.map, (int) (newMapSectors * SECTOR));
            nb.rawHeader = batmap.rawHeader.clone();
            putLong(nb.rawHeader, 8, newMapOffset);
            putInt(nb.rawHeader, 16, (int) newMapSectors);
            putInt(nb.rawHeader, 24, batmapChecksum(nb.map, footer.currentSize(), nb.version));
            byte[] both = new byte[BATMAP_HEADER_SIZE + nb.map.length];
            System.arraycopy(nb.rawHeader, 0, both, 0, BATMAP_HEADER_SIZE);
            System.arraycopy(nb.map, 0, both, BATMAP_HEADER_SIZE, nb.map.length);
            writeAt(newBatmapHeader, both, 0, both.length);
        }
        force(false);

        // 3. commit: one header write switches readers to the new tables
        VhdHeader nh = header.withTable(newTable, newEntries);
        writeAt(footer.dataOffset(), nh.encode(), 0, HEADER_SIZE);
        force(false);
        header = nh;
        bat = newBat;
        batmap = nb;
        endOfHeaders = Math.max(endOfHeaders, newMetaEnd);
        endOfData = computeEndOfData();
        trailingFooterValid = false;
    }

    private void moveBlock(int block, long floor) {
        long from = entry(block) * SECTOR;
        long to = allocationOffset(floor);
        if (to / SECTOR >= UNUSED) {
            throw new VhdException(VhdException.Reason.UNSUPPORTED, path, "file would exceed 2 TiB");
        }
        long len = bitmapBytes + blockSize;
        byte[] buf = new byte[(int) Math.min(COPY_CHUNK, len)];
        for (long done = 0; done < len; done += buf.length) {
            int n = (int) Math.min(buf.length, len - done);
            long avail = Math.max(0, Math.min(n, fileSize - (from + done)));
            Arrays.fill(buf, 0, n, (byte) 0);
            if (avail > 0) {
                readAt(from + done, buf, 0, (int) avail);
            }
            writeAt(to + done, buf, 0, n);
        }
        force(false);
        setEntry(block, to / SECTOR);
        writeBatEntry(block);
        force(false);
        endOfData = Math.max(endOfData, to + len);
        trailingFooterValid = false;
    }

    /**
     * Re-parents a differencing image onto {@code newParent} (same directory), like
     * {@code vhd-util modify -p}: parent UUID = the new parent's footer UUID, parent timestamp =
     * its mtime, parent name = its file name; the MacX/W2ku/W2ru locators are rewritten in their
     * existing slots (INVALID_ARGUMENT if the name does not fit), then the header, then force.
     */
    public static void setParent(Path child, Path newParent) {
        String name = checkSiblings(child, newParent);
        VhdFooter pf;
        Instant mtime;
        try (FileChannel pc = FileChannel.open(newParent, StandardOpenOption.READ)) {
            pf = readFooter(pc, newParent).footer;
            mtime = Files.readAttributes(newParent, BasicFileAttributes.class).lastModifiedTime().toInstant();
        } catch (NoSuchFileException e) {
            throw new VhdException(VhdException.Reason.PARENT_MISSING, newParent, "parent does not exist", e);
        } catch (IOException e) {
            throw io(newParent, e);
        }
        setParent(child, pf.uuid(), name, mtime);
    }

    /**
     * Low-level re-parenting with explicit values (for parents that are not reachable yet, e.g.
     * before a rename). The name is a file name in the child's directory.
     */
    public static void setParent(Path child, UUID parentUuid, String parentFileName, Instant parentTimestamp) {
        Objects.requireNonNull(parentUuid, "parentUuid");
        Objects.requireNonNull(parentFileName, "parentFileName");
        Objects.requireNonNull(parentTimestamp, "parentTimestamp");
        checkUuid(child, parentUuid);
        if (parentFileName.indexOf('/') >= 0) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child,
                    "parent must be a file name in the child's directory: " + parentFileName);
        }
        LocatorData data = LocatorData.forName(child, parentFileName);
        try (VhdImage img = open(child, OpenMode.READ_WRITE)) {
            if (img.diskType() != DiskType.DIFFERENCING) {
                throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child, "not a differencing image");
            }
            if (img.uuid().equals(parentUuid)) {
                throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child, "an image cannot be its own parent");
            }
            List<ParentLocator> locs = new ArrayList<>(img.header.locators());
            for (int i = 0; i < locs.size(); i++) {
                ParentLocator l = locs.get(i);
                byte[] payload = data.forCode(l.platformCode());
                if (payload == null) {
                    continue;
                }
                long space = l.spaceBytes();
                if (payload.length > space) {
                    throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, child,
                            "parent name does not fit locator slot " + i + " (" + space + " bytes)");
                }
                byte[] slot = new byte[(int) space];
                System.arraycopy(payload, 0, slot, 0, payload.length);
                img.writeAt(l.dataOffset(), slot, 0, slot.length);
                locs.set(i, new ParentLocator(l.platformCode(), l.dataSpace(), payload.length, l.dataOffset()));
            }
            VhdHeader nh = img.header.withParent(parentUuid, toVhdTime(parentTimestamp), parentFileName, locs);
            img.writeAt(img.footer.dataOffset(), nh.encode(), 0, HEADER_SIZE);
            img.header = nh;
            img.force(true);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Low-level helpers

    static void readFully(FileChannel c, Path file, long pos, byte[] buf, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
        long p = pos;
        while (bb.hasRemaining()) {
            int n = c.read(bb, p);
            if (n < 0) {
                throw new VhdException(VhdException.Reason.TRUNCATED, file,
                        "unexpected end of file reading " + len + " bytes at " + pos);
            }
            p += n;
        }
    }

    static void writeFully(FileChannel c, Path file, long pos, byte[] buf, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
        long p = pos;
        while (bb.hasRemaining()) {
            p += c.write(bb, p);
        }
    }

    static VhdException io(Path file, IOException e) {
        return new VhdException(VhdException.Reason.IO_ERROR, file, String.valueOf(e.getMessage()), e);
    }

    @Override
    public String toString() {
        return "VhdImage[" + path + ", " + footer.diskType() + ", " + footer.uuid() + ", size "
                + footer.currentSize() + "]";
    }
}
