package org.storagegateway.driver.file;

import static org.storagegateway.driver.file.SrFolder.deleteIfExists;
import static org.storagegateway.driver.file.SrFolder.failure;
import static org.storagegateway.driver.file.SrFolder.uuidOf;
import static org.storagegateway.driver.file.SrFolder.vhd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.storagegateway.spi.CrashPoints;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.vhd.VhdCoalesce;
import org.storagegateway.vhd.VhdImage;

/**
 * The garbage collection of one file SR: deletes hidden VHDs nothing depends on, and coalesces a hidden VHD that has
 * exactly one child.
 *
 * <p>A coalesce merges the child into its parent ({@link VhdCoalesce}); then an internal child's children are
 * re-linked to the parent and the child is deleted, or a leaf child is replaced by the parent under the leaf's name,
 * so the VDI keeps its UUID. A journal file {@code .coalesce-<parent>-<child>} exists from before the first change
 * until after the last, and the next collection finishes what it names (crash points {@code file.gc.journaled},
 * {@code merged}, {@code replaced}, {@code relinked}). Every step keeps every chain readable with the same bytes.
 * Coalescing is paced by the limits' byte rate and stops at the next copied run when the task is cancelled, leaving
 * its journal for the next collection.
 */
final class FileSrGarbageCollector {
    private static final String COALESCE_JOURNAL_PREFIX = ".coalesce-";

    private final SrFolder folder;
    private final DriverContext context;
    private final SrLocks locks;
    private final Optional<NbdExports> nbdExports;

    FileSrGarbageCollector(SrFolder folder, DriverContext context, SrLocks locks, Optional<NbdExports> nbdExports) {
        this.folder = folder;
        this.context = context;
        this.locks = locks;
        this.nbdExports = nbdExports;
    }

    /**
     * Collect garbage with the SR to itself: finish interrupted coalesces (their journals), delete orphaned base
     * copies, then coalesce up to {@code limits.maxCoalesces()} links where a hidden VHD has exactly one child.
     */
    GarbageCollectionReport collect(GarbageCollectionLimits limits) {
        return locks.onSr(() -> {
            Throttle throttle = new Throttle(limits.maxBytesPerSecond(), context);
            long[] copied = {0};
            int coalesced = 0;
            for (Path journal : coalesceJournals()) {
                if (!finishCoalesce(journal, throttle, copied)) {
                    return new GarbageCollectionReport(0, coalesced, copied[0], true);
                }
                coalesced++;
            }
            int deleted = sweepGarbage();
            while (coalesced < limits.maxCoalesces()) {
                Optional<Path[]> pair = coalesceCandidate();
                if (pair.isEmpty()) {
                    return new GarbageCollectionReport(deleted, coalesced, copied[0], false);
                }
                Path journal = folder.directory().resolve(COALESCE_JOURNAL_PREFIX + uuidOf(pair.get()[0]) + "-"
                        + uuidOf(pair.get()[1]));
                writeJournal(journal);
                CrashPoints.reach("file.gc.journaled");
                if (!finishCoalesce(journal, throttle, copied)) {
                    return new GarbageCollectionReport(deleted, coalesced, copied[0], true);
                }
                coalesced++;
            }
            return new GarbageCollectionReport(deleted, coalesced, copied[0], coalesceCandidate().isPresent());
        });
    }

    /** Delete hidden ancestors that no longer have children, starting at {@code parent}. */
    void collectOrphans(Optional<Path> parent) {
        Optional<Path> next = parent;
        while (next.isPresent() && Files.exists(next.get())) {
            Path candidate = next.get();
            if (!folder.describe(candidate).hidden() || !folder.childrenOf(candidate).isEmpty()) {
                return;
            }
            next = folder.parentOf(candidate);
            deleteIfExists(candidate);
        }
    }

    /**
     * Delete every hidden VHD that no VHD names as parent, repeatedly, reading each file's metadata once. A hidden
     * childless VHD is always garbage: base copies are hidden only once their children exist.
     */
    int sweepGarbage() {
        Map<Path, Optional<Path>> parents = new HashMap<>();
        Map<Path, Boolean> hidden = new HashMap<>();
        for (Path file : folder.vhdFiles()) {
            try {
                parents.put(file, folder.parentOf(file));
                hidden.put(file, folder.describe(file).hidden());
            } catch (StorageException e) {
                // A damaged file is nobody's garbage to collect; it is left for an admin.
                context.logger().log(System.Logger.Level.WARNING, "Garbage sweep skips {0}: {1}", file,
                        e.getMessage());
            }
        }
        Map<Path, Integer> children = new HashMap<>();
        parents.values().forEach(p -> p.ifPresent(parent -> children.merge(parent, 1, Integer::sum)));
        List<Path> queue = new ArrayList<>(parents.keySet());
        int deleted = 0;
        while (!queue.isEmpty()) {
            Path file = queue.remove(queue.size() - 1);
            if (Boolean.TRUE.equals(hidden.get(file)) && children.getOrDefault(file, 0) == 0 && Files.exists(file)) {
                deleteIfExists(file);
                deleted++;
                context.logger().log(System.Logger.Level.INFO, "Collected orphaned base copy {0}", file);
                parents.get(file).ifPresent(parent -> {
                    children.merge(parent, -1, Integer::sum);
                    queue.add(parent);
                });
            }
        }
        return deleted;
    }

    /** Return a hidden VHD with exactly one child, and that child; deepest chains are not preferred, any will do. */
    private Optional<Path[]> coalesceCandidate() {
        Map<Path, List<Path>> children = new HashMap<>();
        Map<Path, Boolean> hidden = new HashMap<>();
        for (Path file : folder.vhdFiles()) {
            try {
                hidden.put(file, folder.describe(file).hidden());
                folder.parentOf(file)
                        .ifPresent(parent -> children.computeIfAbsent(parent, p -> new ArrayList<>()).add(file));
            } catch (StorageException e) {
                context.logger().log(System.Logger.Level.WARNING, "Garbage collection skips {0}: {1}", file,
                        e.getMessage());
            }
        }
        for (Map.Entry<Path, List<Path>> entry : children.entrySet()) {
            if (!Boolean.TRUE.equals(hidden.get(entry.getKey())) || entry.getValue().size() != 1) {
                continue;
            }
            Path child = entry.getValue().get(0);
            // An internal child, or a leaf; a visible VDI with children is mid-operation and left alone.
            if (Boolean.TRUE.equals(hidden.get(child)) || !children.containsKey(child)) {
                return Optional.of(new Path[] {entry.getKey(), child});
            }
        }
        return Optional.empty();
    }

    /**
     * Carry out (or finish) the coalesce a journal names; every step is skipped when found done. Returns false if the
     * throttle stopped it for a cancel, leaving the journal for the next collection.
     */
    private boolean finishCoalesce(Path journal, Throttle throttle, long[] copied) {
        String[] names = journal.getFileName().toString().substring(COALESCE_JOURNAL_PREFIX.length())
                .split("-(?=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)");
        Path parent = folder.vhd(names[0]);
        Path child = folder.vhd(names[1]);
        return nbdExports.map(exports -> exports.whileQuiescedUsing(List.of(parent, child),
                () -> finishCoalesce(journal, parent, child, throttle, copied))).orElseGet(
                () -> finishCoalesce(journal, parent, child, throttle, copied));
    }

    private boolean finishCoalesce(Path journal, Path parent, Path child, Throttle throttle, long[] copied) {
        if (Files.exists(parent) && Files.exists(child) && folder.parentOf(child).filter(parent::equals).isPresent()) {
            boolean leaf = !folder.describe(child).hidden();
            boolean merged = vhd(() -> VhdCoalesce.mergeIntoParent(child, parent, throttle, n -> copied[0] += n));
            if (!merged) {
                return false;
            }
            CrashPoints.reach("file.gc.merged");
            if (leaf) {
                // The parent, now holding the leaf's data, takes over the leaf's name and so its identity.
                vhd(() -> VhdImage.setHidden(parent, false));
                folder.move(parent, child);
                CrashPoints.reach("file.gc.replaced");
            } else {
                for (Path grandchild : folder.childrenOf(child)) {
                    vhd(() -> VhdImage.setParent(grandchild, parent));
                }
                CrashPoints.reach("file.gc.relinked");
                deleteIfExists(child);
            }
        } else if (Files.exists(parent) && Files.exists(child) && folder.describe(child).hidden()) {
            // An internal child whose grandchildren were partly re-linked before a crash: finish re-linking.
            for (Path grandchild : folder.childrenOf(child)) {
                vhd(() -> VhdImage.setParent(grandchild, parent));
            }
            if (folder.childrenOf(child).isEmpty() && folder.describe(child).hidden()) {
                deleteIfExists(child);
            }
        }
        deleteIfExists(journal);
        return true;
    }

    private List<Path> coalesceJournals() {
        List<Path> journals = new ArrayList<>();
        try (DirectoryStream<Path> entries =
                Files.newDirectoryStream(folder.directory(), COALESCE_JOURNAL_PREFIX + "*")) {
            entries.forEach(journals::add);
        } catch (IOException e) {
            throw failure("Cannot list " + folder.directory(), e);
        }
        journals.sort(null);
        return journals;
    }

    /** Create the journal, durably (its name is the journal). */
    private void writeJournal(Path journal) {
        try {
            Files.write(journal, new byte[0]);
        } catch (IOException e) {
            throw failure("Cannot write the journal " + journal, e);
        }
        folder.forceDirectory();
    }

    /** Paces coalescing to a byte rate and stops it when the task is cancelled. */
    private static final class Throttle implements VhdCoalesce.Pace {
        private final long bytesPerSecond;
        private final DriverContext context;
        private final long started = System.nanoTime();
        private long bytes;

        Throttle(long bytesPerSecond, DriverContext context) {
            this.bytesPerSecond = bytesPerSecond;
            this.context = context;
        }

        @Override
        public boolean proceed(long next) {
            if (context.task().isCancelRequested()) {
                return false;
            }
            bytes += next;
            long due = started + bytes * 1_000_000_000L / bytesPerSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }
}
