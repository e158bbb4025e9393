package org.storagegateway.vhd.nbd;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;
import org.storagegateway.vhd.VhdException;
import org.storagegateway.vhd.VhdImage;

/**
 * A VHD chain served as an NBD export: reads go leaf to root per block and then per sector bitmap, writes go into the
 * leaf with per-sector copy-on-write ({@link VhdChain}).
 *
 * <p>The chain is opened from the leaf's path. {@link #whileQuiesced} lets a caller change the files underneath
 * (a snapshot turns the leaf into a hidden parent and puts a new leaf under the same name): it waits for the requests
 * under way, flushes and closes the chain, runs the change, and reopens the chain from the same path before any
 * further request runs. Every request therefore sees the chain entirely before or entirely after the change.
 */
public final class VhdChainExport implements NbdExport, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VhdChainExport.class.getName());
    private static final int SECTOR = 512;
    private static final byte[] ZEROS = new byte[1 << 20];

    private final String name;
    private final Path leaf;
    private final OpenMode mode;
    /** Requests hold the read lock; a quiesce or close holds the write lock. Fair: a quiesce is not starved. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    private VhdChain chain;
    private boolean closed;

    private VhdChainExport(String name, Path leaf, OpenMode mode, VhdChain chain) {
        this.name = name;
        this.leaf = leaf;
        this.mode = mode;
        this.chain = chain;
    }

    /**
     * Open the chain of {@code leaf}, the leaf writable unless {@code readOnly}.
     *
     * @throws VhdException if the chain cannot be opened
     */
    public static VhdChainExport open(String name, Path leaf, boolean readOnly) {
        OpenMode mode = readOnly ? OpenMode.READ_ONLY : OpenMode.READ_WRITE;
        return new VhdChainExport(name, leaf, mode, VhdChain.open(leaf, mode));
    }

    @Override
    public String name() {
        return name;
    }

    /** The leaf's path, from which the chain is (re)opened. */
    public Path leaf() {
        return leaf;
    }

    @Override
    public boolean readOnly() {
        return mode == OpenMode.READ_ONLY;
    }

    @Override
    public long size() {
        return guarded("size", VhdChain::virtualSize);
    }

    /** The files of the chain, leaf first; empty while the chain is not open. */
    public List<Path> files() {
        gate.readLock().lock();
        try {
            return chain == null ? List.of() : chain.images().stream().map(VhdImage::path).toList();
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void read(long offset, byte[] buffer, int length) {
        guarded("read", current -> {
            current.read(offset, buffer, 0, length);
            return null;
        });
    }

    @Override
    public void write(long offset, byte[] buffer, int length, boolean durable) {
        guarded("write", current -> {
            current.write(offset, buffer, 0, length);
            if (durable) {
                current.flush();
            }
            return null;
        });
    }

    @Override
    public void writeZeroes(long offset, long length, boolean durable) {
        guarded("write", current -> {
            long blockSize = current.leaf().blockSize();
            long end = offset + length;
            for (long pos = offset; pos < end; ) {
                long blockEnd = Math.min(end, (pos / blockSize + 1) * blockSize);
                // A block no image holds already reads as zeros: nothing to write.
                if (blockHeldAnywhere(current, (int) (pos / blockSize))) {
                    for (long p = pos; p < blockEnd; p += ZEROS.length) {
                        current.write(p, ZEROS, 0, (int) Math.min(ZEROS.length, blockEnd - p));
                    }
                }
                pos = blockEnd;
            }
            if (durable) {
                current.flush();
            }
            return null;
        });
    }

    @Override
    public void flush() {
        guarded("flush", current -> {
            current.flush();
            return null;
        });
    }

    /** Extents at sector granularity: a sector is allocated if any image of the chain holds it. */
    @Override
    public void allocation(long offset, long length, ExtentSink sink) {
        guarded("block status", current -> {
            synchronized (current) {
                // VhdChain's own lock: the images are not thread-safe and the chain's methods hold it too.
                new AllocationWalk(current, sink).walk(offset, offset + length);
            }
            return null;
        });
    }

    /** Run one request on the current chain under the read lock, its VHD errors turned into NBD errors. */
    private <T> T guarded(String what, Function<VhdChain, T> request) {
        gate.readLock().lock();
        try {
            return request.apply(current());
        } catch (VhdException e) {
            throw failure(what, e);
        } finally {
            gate.readLock().unlock();
        }
    }

    /**
     * Wait for the requests under way, flush and close the chain, run {@code change}, and reopen the chain from the
     * leaf's path, whatever {@code change} did; requests that arrive meanwhile wait. If the chain cannot be reopened,
     * requests fail with EIO until a later quiesce reopens it.
     *
     * @throws VhdException if flushing fails; the change is then not run and the chain stays open
     */
    public <T> T whileQuiesced(Supplier<T> change) {
        gate.writeLock().lock();
        try {
            if (chain != null) {
                chain.flush();
                chain.close();
                chain = null;
            }
            try {
                return change.get();
            } finally {
                if (!closed) {
                    try {
                        chain = VhdChain.open(leaf, mode);
                    } catch (VhdException e) {
                        LOG.log(Level.ERROR, "Export {0} cannot reopen {1}; its requests fail until it is reopened: {2}",
                                name, leaf, e.getMessage());
                    }
                }
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Wait for the requests under way, then flush and close the chain; later requests fail with ESHUTDOWN. */
    @Override
    public void close() {
        gate.writeLock().lock();
        try {
            closed = true;
            if (chain != null) {
                VhdChain last = chain;
                chain = null;
                last.close();
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    private VhdChain current() {
        VhdChain current = chain;
        if (current == null) {
            throw closed ? new NbdException(NbdProtocol.ESHUTDOWN, "export " + name + " is closed")
                    : new NbdException(NbdProtocol.EIO, "export " + name + " could not reopen " + leaf);
        }
        return current;
    }

    private static boolean blockHeldAnywhere(VhdChain chain, int block) {
        synchronized (chain) {
            for (VhdImage image : chain.images()) {
                if (block < image.blockCount() && image.isBlockAllocated(block)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static NbdException failure(String what, VhdException e) {
        int error = switch (e.reason()) {
            case INVALID_ARGUMENT -> NbdProtocol.EINVAL;
            case READ_ONLY -> NbdProtocol.EPERM;
            case UNSUPPORTED -> NbdProtocol.ENOSPC;
            default -> NbdProtocol.EIO;
        };
        if (error == NbdProtocol.EIO) {
            LOG.log(Level.WARNING, "NBD {0} failed: {1}", what, e.getMessage());
        }
        return new NbdException(error, what + " failed: " + e.getMessage(), e);
    }

    /** Walks blocks and sector bitmaps, emitting runs of equal allocation to the sink. */
    private static final class AllocationWalk {
        private final VhdChain chain;
        private final ExtentSink sink;
        private final long blockSize;
        private long runLength;
        private boolean runAllocated;
        private boolean stopped;

        AllocationWalk(VhdChain chain, ExtentSink sink) {
            this.chain = chain;
            this.sink = sink;
            this.blockSize = chain.leaf().blockSize();
        }

        void walk(long from, long to) {
            for (long pos = from; pos < to && !stopped; ) {
                int block = (int) (pos / blockSize);
                long blockStart = block * blockSize;
                long end = Math.min(to, blockStart + blockSize);
                walkBlock(block, blockStart, pos, end);
                pos = end;
            }
            if (!stopped && runLength > 0) {
                sink.extent(runLength, runAllocated);
            }
        }

        private void walkBlock(int block, long blockStart, long from, long to) {
            List<byte[]> bitmaps = new ArrayList<>(chain.depth());
            List<Long> limits = new ArrayList<>(chain.depth());
            for (VhdImage image : chain.images()) {
                if (image.header().isEmpty()) {
                    if (blockStart < image.virtualSize()) {
                        // A fixed image holds every sector it has; beyond its size, sectors read as zeros.
                        emit(Math.min(to, image.virtualSize()) - from, true);
                        if (to > image.virtualSize()) {
                            emit(to - Math.max(from, image.virtualSize()), false);
                        }
                        return;
                    }
                    continue;
                }
                if (block >= image.blockCount() || !image.isBlockAllocated(block)) {
                    continue;
                }
                if (image.isBlockFull(block) && image.virtualSize() >= to) {
                    emit(to - from, true);
                    return;
                }
                bitmaps.add(image.sectorBitmap(block));
                limits.add(image.virtualSize());
            }
            if (bitmaps.isEmpty()) {
                emit(to - from, false);
                return;
            }
            for (long pos = from; pos < to; ) {
                long sectorEnd = Math.min(to, (pos / SECTOR + 1) * SECTOR);
                int sector = (int) ((pos - blockStart) / SECTOR);
                boolean held = false;
                for (int i = 0; i < bitmaps.size() && !held; i++) {
                    held = pos < limits.get(i) && (bitmaps.get(i)[sector >>> 3] & (0x80 >>> (sector & 7))) != 0;
                }
                emit(sectorEnd - pos, held);
                pos = sectorEnd;
            }
        }

        private void emit(long length, boolean allocated) {
            if (stopped || length <= 0) {
                return;
            }
            if (runLength > 0 && allocated != runAllocated) {
                if (!sink.extent(runLength, runAllocated)) {
                    stopped = true;
                    return;
                }
                runLength = 0;
            }
            runAllocated = allocated;
            runLength += length;
        }
    }
}
