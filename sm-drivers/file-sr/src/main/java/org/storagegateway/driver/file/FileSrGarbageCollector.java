package org.storagegateway.driver.file;

import static org.storagegateway.driver.file.SrFolder.deleteIfExists;
import static org.storagegateway.driver.file.SrFolder.failure;
import static org.storagegateway.driver.file.SrFolder.uuidOf;
import static org.storagegateway.driver.file.SrFolder.vhd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

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
     * Finish interrupted coalesces (their journals), delete orphaned base copies, then coalesce up to
     * {@code limits.maxCoalesces()} links where a hidden VHD has exactly one child.
     *
     * <p>Locks: one collection of the SR at a time. Reading the chains, sweeping and journaling a coalesce take the SR
     * to itself, briefly; a coalesce then keeps the SR shared and locks the VDIs of the subtree it changes (the parent,
     * the child and everything below them), so chain operations on other VDIs, clones among them, go on while it
     * copies. Exports are paused as {@link #finishCoalesce(Path, Throttle, long[])} says.
     */
    GarbageCollectionReport collect(GarbageCollectionLimits limits) {
        return locks.onCollection(() -> {
            Throttle throttle = new Throttle(limits.maxBytesPerSecond(), context);
            long[] copied = {0};
            int coalesced = 0;
            for (Path journal : locks.onSr(this::coalesceJournals)) {
                if (!locks.onSrThenVdis(() -> journal, this::subtreeOf, j -> finishCoalesce(j, throttle, copied))) {
                    return new GarbageCollectionReport(0, coalesced, copied[0], true);
                }
                coalesced++;
            }
            int deleted = locks.onSr(this::sweepGarbage);
            while (coalesced < limits.maxCoalesces()) {
                Optional<Boolean> finished = locks.onSrThenVdis(this::journalNextCoalesce,
                        journal -> journal.map(this::subtreeOf).orElse(Set.of()),
                        journal -> journal.map(j -> finishCoalesce(j, throttle, copied)));
                if (finished.isEmpty()) {
                    return new GarbageCollectionReport(deleted, coalesced, copied[0], false);
                }
                if (!finished.get()) {
                    return new GarbageCollectionReport(deleted, coalesced, copied[0], true);
                }
                coalesced++;
            }
            boolean moreWork = locks.onSr(() -> coalesceCandidate().isPresent());
            return new GarbageCollectionReport(deleted, coalesced, copied[0], moreWork);
        });
    }

    /** Journal the next coalesce there is, if any (the SR held). */
    private Optional<Path> journalNextCoalesce() {
        Optional<Path[]> pair = coalesceCandidate();
        if (pair.isEmpty()) {
            return Optional.empty();
        }
        Path journal = folder.directory().resolve(COALESCE_JOURNAL_PREFIX + uuidOf(pair.get()[0]) + "-"
                + uuidOf(pair.get()[1]));
        writeJournal(journal);
        CrashPoints.reach("file.gc.journaled");
        return Optional.of(journal);
    }

    /** The UUIDs of the journal's parent and child and of every VDI below either (the SR held). */
    private Set<String> subtreeOf(Path journal) {
        Path[] link = linkOf(journal);
        Map<Path, List<Path>> children = readChains().children();
        Set<String> subtree = new HashSet<>();
        Deque<Path> next = new ArrayDeque<>(List.of(link));
        while (!next.isEmpty()) {
            Path file = next.pop();
            if (subtree.add(uuidOf(file))) {
                next.addAll(children.getOrDefault(file, List.of()));
            }
        }
        return subtree;
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

    /** Each VHD's children and whether it is hidden, read once; damaged files are left out. */
    private record Chains(Map<Path, List<Path>> children, Map<Path, Boolean> hidden) {
    }

    private Chains readChains() {
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
        return new Chains(children, hidden);
    }

    /** Return a hidden VHD with exactly one child, and that child; deepest chains are not preferred, any will do. */
    private Optional<Path[]> coalesceCandidate() {
        Chains chains = readChains();
        Map<Path, List<Path>> children = chains.children();
        Map<Path, Boolean> hidden = chains.hidden();
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
     *
     * <p>Exports: a leaf child is the file its export writes, so exports using the parent or the child wait for the
     * whole coalesce (a write during the merge would not be copied). An internal child is written by no export, and
     * every export reading through it reads the child before the parent, which sees no change (the child shadows every
     * sector the merge writes); only exports reading the parent without the child in front (the parent attached
     * read-only) wait for the merge, and all of them for the re-linking, which rewrites the grandchildren's headers.
     */
    private boolean finishCoalesce(Path journal, Throttle throttle, long[] copied) {
        Path[] link = linkOf(journal);
        Path parent = link[0];
        Path child = link[1];
        if (Files.exists(parent) && Files.exists(child) && folder.parentOf(child).filter(parent::equals).isPresent()) {
            if (!folder.describe(child).hidden()) {
                boolean merged = quiesced(files -> files.contains(parent) || files.contains(child), () -> {
                    if (!merge(child, parent, throttle, copied)) {
                        return false;
                    }
                    // The parent, now holding the leaf's data, takes over the leaf's name and so its identity.
                    vhd(() -> VhdImage.setHidden(parent, false));
                    folder.move(parent, child);
                    CrashPoints.reach("file.gc.replaced");
                    return true;
                });
                if (!merged) {
                    return false;
                }
            } else {
                if (!quiesced(files -> files.contains(parent) && !files.contains(child),
                        () -> merge(child, parent, throttle, copied))) {
                    return false;
                }
                quiesced(files -> files.contains(parent) || files.contains(child), () -> {
                    relinkChildren(child, parent);
                    CrashPoints.reach("file.gc.relinked");
                    deleteIfExists(child);
                    return true;
                });
            }
        } else if (Files.exists(parent) && Files.exists(child) && folder.describe(child).hidden()) {
            // An internal child whose grandchildren were partly re-linked before a crash: finish re-linking.
            quiesced(files -> files.contains(parent) || files.contains(child), () -> {
                relinkChildren(child, parent);
                if (folder.childrenOf(child).isEmpty() && folder.describe(child).hidden()) {
                    deleteIfExists(child);
                }
                return true;
            });
        }
        deleteIfExists(journal);
        return true;
    }

    /** Merge the child's own sectors into the parent; false if the throttle stopped it. */
    private boolean merge(Path child, Path parent, Throttle throttle, long[] copied) {
        boolean merged = vhd(() -> VhdCoalesce.mergeIntoParent(child, parent, throttle, n -> copied[0] += n));
        if (merged) {
            CrashPoints.reach("file.gc.merged");
        }
        return merged;
    }

    private void relinkChildren(Path child, Path parent) {
        for (Path grandchild : folder.childrenOf(child)) {
            vhd(() -> VhdImage.setParent(grandchild, parent));
        }
    }

    /** Run {@code change} with the exports whose chains (files, leaf first) match quiesced. */
    private boolean quiesced(Predicate<List<Path>> chains, Supplier<Boolean> change) {
        return nbdExports.map(exports -> vhd(() -> exports.whileQuiescedWhere(chains, change)))
                .orElseGet(change);
    }

    /** The parent and child files a journal names. */
    private Path[] linkOf(Path journal) {
        String[] names = journal.getFileName().toString().substring(COALESCE_JOURNAL_PREFIX.length())
                .split("-(?=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)");
        return new Path[] {folder.vhd(names[0]), folder.vhd(names[1])};
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
