package org.storagegateway.vhd;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;

/**
 * Merges a differencing child's own data into its parent: every sector the child holds (bitmap bit set) is written
 * into the parent at the same offset; nothing else is read or changed.
 *
 * <p>Safe for the chain at every step, provided the parent has no other child: readers of the child see the same
 * bytes before, during and after the merge (the child shadows every sector written into the parent), and repeating a
 * merge that was interrupted writes the same bytes again. The caller re-links the child's children, or replaces the
 * child by the parent, once the merge has completed.
 *
 * <p>The copy runs in the kernel ({@code transferTo}), in batches: a batch's data is forced before anything in the
 * parent describes it (BAT entries, sector bitmaps, batmap), so a crash can leak space but never expose a sector that
 * is not durable. A batch is forced on a thread of the merge's own while the next batch is copied, and its metadata is
 * written once that force has returned: the disk writes one batch while the page cache takes the next.
 */
public final class VhdCoalesce {
    private static final int SECTOR = 512;
    /** Data copied between two forces of the parent: a batch's metadata is written after its force. */
    private static final long BATCH_BYTES = 64L << 20;

    private VhdCoalesce() {
    }

    /** Decides, between runs, whether to go on; a throttle sleeps in it, a cancel returns false. */
    @FunctionalInterface
    public interface Pace {
        /**
         * Called before each run is copied.
         *
         * @param bytes the size of the run about to be copied
         * @return whether to copy it; false stops the merge, leaving the chain valid
         */
        boolean proceed(long bytes);
    }

    /**
     * Copy the child's own sectors into its parent.
     *
     * @param child a differencing image whose parent is {@code parent}
     * @param parent the child's parent, opened read-write here
     * @param pace consulted before every run of sectors
     * @param copied told the bytes copied after each run
     * @return whether the merge completed (false if {@code pace} stopped it)
     * @throws VhdException PARENT_UUID_MISMATCH if {@code parent} is not the child's parent, UNSUPPORTED for mixed
     *     block sizes, or any I/O or format error
     */
    public static boolean mergeIntoParent(Path child, Path parent, Pace pace, LongConsumer copied) {
        Objects.requireNonNull(pace, "pace");
        Objects.requireNonNull(copied, "copied");
        try (VhdImage from = VhdImage.open(child, OpenMode.READ_ONLY);
                VhdImage into = VhdImage.open(parent, OpenMode.READ_WRITE)) {
            if (from.diskType() != DiskType.DIFFERENCING
                    || !from.parentUuid().equals(Optional.of(into.uuid()))) {
                throw new VhdException(VhdException.Reason.PARENT_UUID_MISMATCH, child,
                        "is not a differencing child of " + parent);
            }
            if (from.blockSize() != into.blockSize()) {
                throw new VhdException(VhdException.Reason.UNSUPPORTED, child,
                        "block size " + from.blockSize() + " differs from the parent's " + into.blockSize());
            }
            int sectorsPerBlock = (int) (from.blockSize() / SECTOR);
            ExecutorService forcer = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "vhd-coalesce-force " + parent.getFileName());
                thread.setDaemon(true);
                return thread;
            });
            Forcing forcing = null;
            try {
                long batched = 0;
                for (int block : from.allocatedBlocks()) {
                    byte[] bitmap = from.bitmap(block);
                    long dataBase = from.entry(block) * SECTOR + from.bitmapSize();
                    int sector = 0;
                    while (sector < sectorsPerBlock) {
                        if (!VhdFormat.testBit(bitmap, sector)) {
                            sector++;
                            continue;
                        }
                        int end = sector;
                        while (end < sectorsPerBlock && VhdFormat.testBit(bitmap, end)) {
                            end++;
                        }
                        int count = end - sector;
                        if (!pace.proceed((long) count * SECTOR)) {
                            describeWhenForced(forcing, into);
                            into.flush();
                            return false;
                        }
                        into.copySectorsBatched(block, sector, count, from, dataBase + (long) sector * SECTOR);
                        copied.accept((long) count * SECTOR);
                        batched += (long) count * SECTOR;
                        if (batched >= BATCH_BYTES) {
                            describeWhenForced(forcing, into);
                            List<int[]> runs = into.sealBatch();
                            forcing = new Forcing(runs, CompletableFuture.runAsync(into::forceData, forcer));
                            batched = 0;
                        }
                        sector = end;
                    }
                }
                describeWhenForced(forcing, into);
                into.flush();
                return true;
            } finally {
                if (forcing != null) {
                    // A force under way must not outlive the parent's channel (after a failure its batch stays
                    // undescribed: leaked space, nothing exposed).
                    forcing.force().exceptionally(e -> null).join();
                }
                forcer.shutdown();
            }
        }
    }

    /** A sealed batch and the force of its data, under way on the merge's force thread. */
    private record Forcing(List<int[]> runs, CompletableFuture<Void> force) {
    }

    /** Wait for the batch's force, then write what describes the batch. */
    private static void describeWhenForced(Forcing forcing, VhdImage into) {
        if (forcing == null) {
            return;
        }
        try {
            forcing.force().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
        into.describeBatch(forcing.runs());
    }
}
