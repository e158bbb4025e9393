package org.storagegateway.vhd;

import static org.storagegateway.vhd.VhdFormat.SECTOR;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * A leaf image and its resolved ancestors, read and written as one virtual disk.
 *
 * <p>Parents are found like libvhdi and tapdisk do: the header's parent name (basename) in the
 * child's directory, falling back to the MacX/W2ku/W2ru locators resolved against that
 * directory. Each parent's footer UUID must equal the child's recorded parent UUID. A path
 * seen twice is a loop; more than {@link #MAX_CHAIN_DEPTH} images is refused.
 *
 * <p>Reads walk leaf to root per block (BAT, then the batmap "full" bit, then the sector
 * bitmap), only for the sectors still missing; what no image holds reads as zero. Writes go
 * to the leaf with per-sector copy-on-write: a sector the leaf does not hold yet is written
 * whole; a partial sector is first completed with its current contents read through the chain.
 * Parent blocks are never copied. Parents are opened read-only.
 *
 * <p>All public methods are synchronized; a chain may be shared between threads.
 */
public final class VhdChain implements AutoCloseable {

    /** Longest chain (images, leaf included) that is accepted, as XenServer's SM enforces. */
    public static final int MAX_CHAIN_DEPTH = 30;

    private final List<VhdImage> images;
    private final WriteOrdering ordering;
    private final long blockSize;
    private final int sectorsPerBlock;
    private boolean closed;

    private VhdChain(List<VhdImage> images, WriteOrdering ordering) {
        this.images = images;
        this.ordering = ordering;
        this.blockSize = images.get(0).blockSize();
        this.sectorsPerBlock = (int) (blockSize / SECTOR);
    }

    /** Opens a chain with {@link WriteOrdering#RELAXED} writes. */
    public static VhdChain open(Path leaf, OpenMode mode) {
        return open(leaf, mode, WriteOrdering.RELAXED);
    }

    /**
     * Opens {@code leaf} in {@code mode} and all its ancestors read-only.
     *
     * @throws VhdException PARENT_MISSING, PARENT_UUID_MISMATCH, CHAIN_LOOP, CHAIN_TOO_DEEP,
     *                      UNSUPPORTED (raw parent, mixed block sizes) or any open error
     */
    public static VhdChain open(Path leaf, OpenMode mode, WriteOrdering ordering) {
        Objects.requireNonNull(leaf, "leaf");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(ordering, "ordering");
        List<VhdImage> opened = new ArrayList<>();
        try {
            resolve(leaf, p -> {
                VhdImage img = VhdImage.open(p, opened.isEmpty() ? mode : OpenMode.READ_ONLY);
                opened.add(img);
                return img;
            }, img -> new Link(img.path(), img.footer(), img.header().orElse(null), img::parentLocatorPaths));
            long bs = opened.get(0).blockSize();
            for (VhdImage img : opened) {
                if (img.header().isPresent() && img.blockSize() != bs) {
                    throw new VhdException(VhdException.Reason.UNSUPPORTED, img.path(),
                            "block size " + img.blockSize() + " differs from the leaf's " + bs);
                }
            }
            return new VhdChain(List.copyOf(opened), ordering);
        } catch (RuntimeException e) {
            for (VhdImage img : opened) {
                try {
                    img.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Number of images in the chain of {@code leaf}, leaf included (what {@code vhd-util query
     * -d} prints), reading only footers, headers and locators.
     *
     * @throws VhdException CHAIN_TOO_DEEP beyond {@link #MAX_CHAIN_DEPTH}, CHAIN_LOOP,
     *                      PARENT_MISSING, PARENT_UUID_MISMATCH
     */
    public static int depth(Path leaf) {
        return resolvePaths(leaf).size();
    }

    /** The files of the chain of {@code leaf}, leaf first, root last (metadata-only walk). */
    public static List<Path> resolvePaths(Path leaf) {
        Objects.requireNonNull(leaf, "leaf");
        List<Path> out = new ArrayList<>();
        resolve(leaf, p -> {
            VhdImage.Probe probe = VhdImage.probe(p);
            out.add(p);
            return probe;
        }, pr -> new Link(pr.path(), pr.footer(), pr.header(), pr::locatorPaths));
        return Collections.unmodifiableList(out);
    }

    /** What the resolver needs from a node. */
    private record Link(Path path, VhdFooter footer, VhdHeader header,
            java.util.function.Supplier<List<Path>> locatorPaths) {
    }

    private static <T> void resolve(Path leaf, Function<Path, T> opener, Function<T, Link> describe) {
        Set<Path> seen = new HashSet<>();
        T cur = opener.apply(leaf);
        seen.add(realPath(leaf));
        int count = 1;
        while (true) {
            Link link = describe.apply(cur);
            if (link.footer().diskType() != DiskType.DIFFERENCING) {
                return;
            }
            UUID expected = link.header().parentUuid();
            if (VhdFormat.isNull(expected)) {
                throw new VhdException(VhdException.Reason.UNSUPPORTED, link.path(),
                        "raw (non-VHD) parents are not supported");
            }
            if (count >= MAX_CHAIN_DEPTH) {
                throw new VhdException(VhdException.Reason.CHAIN_TOO_DEEP, leaf,
                        "chain has more than " + MAX_CHAIN_DEPTH + " images");
            }
            Path parent = locateParent(link);
            Path real = realPath(parent);
            if (!seen.add(real)) {
                throw new VhdException(VhdException.Reason.CHAIN_LOOP, link.path(),
                        "parent " + parent + " is already part of the chain");
            }
            T next = opener.apply(parent);
            count++;
            UUID actual = describe.apply(next).footer().uuid();
            if (!actual.equals(expected)) {
                throw new VhdException(VhdException.Reason.PARENT_UUID_MISMATCH, link.path(),
                        "parent " + parent + " has UUID " + actual + ", expected " + expected);
            }
            cur = next;
        }
    }

    private static Path locateParent(Link link) {
        Path dir = link.path().toAbsolutePath().getParent();
        String name = link.header().parentUnicodeName();
        int cut = Math.max(name.lastIndexOf('\\'), name.lastIndexOf('/'));
        String base = name.substring(cut + 1);
        if (!base.isEmpty() && !base.equals(".") && !base.equals("..")) {
            Path candidate = dir.resolve(base);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        for (Path p : link.locatorPaths().get()) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new VhdException(VhdException.Reason.PARENT_MISSING, link.path(),
                "parent '" + name + "' not found next to the child nor via its locators");
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw VhdImage.io(p, e);
        }
    }

    // ------------------------------------------------------------------------------------------

    /** The leaf (the only image that is written). */
    public VhdImage leaf() {
        return images.get(0);
    }

    /** All images, leaf first, root last. */
    public List<VhdImage> images() {
        return images;
    }

    /** Number of images, leaf included. */
    public int depth() {
        return images.size();
    }

    /** Virtual size of the leaf, the size of this virtual disk. */
    public long virtualSize() {
        return leaf().virtualSize();
    }

    /**
     * Reads {@code len} bytes at virtual offset {@code offset} into {@code buf[off..]}.
     *
     * @throws VhdException INVALID_ARGUMENT if the range is outside the disk, TRUNCATED or
     *                      IO_ERROR if a file cannot deliver a sector its metadata promises
     */
    public synchronized void read(long offset, byte[] buf, int off, int len) {
        checkOpen();
        checkRange(offset, buf, off, len);
        long pos = offset;
        int o = off;
        int remaining = len;
        while (remaining > 0) {
            int block = (int) (pos / blockSize);
            int inBlock = (int) (pos % blockSize);
            int n = (int) Math.min(remaining, blockSize - inBlock);
            readInBlock(block, inBlock, n, buf, o);
            pos += n;
            o += n;
            remaining -= n;
        }
    }

    /** Reads bytes {@code [inBlock, inBlock + n)} of one block, leaf to root, sector by sector. */
    private void readInBlock(int block, int inBlock, int n, byte[] buf, int off) {
        int first = inBlock / SECTOR;
        int end = (inBlock + n + SECTOR - 1) / SECTOR;
        int count = end - first;
        BitSet missing = new BitSet(count);
        missing.set(0, count);
        long blockStart = (long) block * blockSize;
        for (VhdImage img : images) {
            if (missing.isEmpty()) {
                break;
            }
            long imgSectors = (img.virtualSize() + SECTOR - 1) / SECTOR;
            long limit = Math.min(count, imgSectors - (blockStart / SECTOR) - first);
            if (limit <= 0) {
                continue;
            }
            long dataBase;
            byte[] bitmap = null;
            if (img.header().isEmpty()) {
                dataBase = blockStart;
            } else {
                long bm = img.blockBitmapOffset(block);
                if (bm < 0) {
                    continue;
                }
                dataBase = bm + img.bitmapSize();
                if (!img.isBlockFull(block)) {
                    bitmap = img.bitmap(block);
                }
            }
            int i = missing.nextSetBit(0);
            while (i >= 0 && i < limit) {
                if (bitmap != null && !VhdFormat.testBit(bitmap, first + i)) {
                    i = missing.nextSetBit(i + 1);
                    continue;
                }
                int j = i + 1;
                while (j < limit && missing.get(j) && (bitmap == null || VhdFormat.testBit(bitmap, first + j))) {
                    j++;
                }
                long s = Math.max(inBlock, (long) (first + i) * SECTOR);
                long e = Math.min(inBlock + n, (long) (first + j) * SECTOR);
                img.readAt(dataBase + s, buf, off + (int) (s - inBlock), (int) (e - s));
                missing.clear(i, j);
                i = missing.nextSetBit(j);
            }
        }
        for (int i = missing.nextSetBit(0); i >= 0; i = missing.nextSetBit(i + 1)) {
            int j = missing.nextClearBit(i);
            long s = Math.max(inBlock, (long) (first + i) * SECTOR);
            long e = Math.min(inBlock + n, (long) (first + j) * SECTOR);
            Arrays.fill(buf, off + (int) (s - inBlock), off + (int) (e - inBlock), (byte) 0);
            i = j;
        }
    }

    /**
     * Writes {@code len} bytes from {@code buf[off..]} at virtual offset {@code offset} into the
     * leaf. Partial sectors are completed with the current contents read through the chain.
     *
     * @throws VhdException READ_ONLY if the leaf was opened read-only, INVALID_ARGUMENT if the
     *                      range is outside the disk
     */
    public synchronized void write(long offset, byte[] buf, int off, int len) {
        checkOpen();
        if (leaf().mode() != OpenMode.READ_WRITE) {
            throw new VhdException(VhdException.Reason.READ_ONLY, leaf().path(), "chain opened read-only");
        }
        checkRange(offset, buf, off, len);
        long pos = offset;
        int o = off;
        int remaining = len;
        while (remaining > 0) {
            int block = (int) (pos / blockSize);
            int inBlock = (int) (pos % blockSize);
            int n = (int) Math.min(remaining, blockSize - inBlock);
            writeInBlock(block, inBlock, n, buf, o);
            pos += n;
            o += n;
            remaining -= n;
        }
    }

    private void writeInBlock(int block, int inBlock, int n, byte[] buf, int off) {
        int first = inBlock / SECTOR;
        int end = (inBlock + n + SECTOR - 1) / SECTOR;
        int count = end - first;
        boolean headPartial = inBlock % SECTOR != 0;
        boolean tailPartial = (inBlock + n) % SECTOR != 0;
        if (!headPartial && !tailPartial) {
            leaf().writeSectors(block, first, count, buf, off, ordering);
            return;
        }
        byte[] sectors = new byte[count * SECTOR];
        if (headPartial) {
            readInBlock(block, first * SECTOR, SECTOR, sectors, 0);
        }
        if (tailPartial && (count > 1 || !headPartial)) {
            readInBlock(block, (end - 1) * SECTOR, SECTOR, sectors, (count - 1) * SECTOR);
        }
        System.arraycopy(buf, off, sectors, inBlock - first * SECTOR, n);
        leaf().writeSectors(block, first, count, sectors, 0, ordering);
    }

    /** Rewrites the leaf's trailing footer if needed and forces it to stable storage. */
    public synchronized void flush() {
        checkOpen();
        leaf().flush();
    }

    /** Flushes the leaf (if writable) and closes every image. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (VhdImage img : images) {
            try {
                img.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, leaf().path(), "chain is closed");
        }
    }

    private void checkRange(long offset, byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (offset < 0 || offset > virtualSize() - len) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, leaf().path(),
                    "range [" + offset + ", +" + len + ") outside the disk of " + virtualSize() + " bytes");
        }
    }

    @Override
    public String toString() {
        return "VhdChain" + images.stream().map(VhdImage::path).toList();
    }
}
