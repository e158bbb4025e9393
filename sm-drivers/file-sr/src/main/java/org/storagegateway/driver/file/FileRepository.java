package org.storagegateway.driver.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.storagegateway.spi.CrashPoints;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.spi.model.IntroduceVdiRequest;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;
import org.storagegateway.vhd.VhdCoalesce;
import org.storagegateway.vhd.VhdException;
import org.storagegateway.vhd.VhdImage;

/**
 * One file SR, opened for one host call.
 *
 * <p>Clone and snapshot follow XenServer's file SR ("double snapshot"): the source's file gets a second name, the new
 * base copy; a new empty child takes over the source's name; a second child becomes the clone or snapshot; the base
 * copy is hidden. Every step keeps all data reachable under some name, and each step is skipped when a retry of the
 * same request finds it done. A source that is an empty child is not stacked upon: the copy becomes a sibling of it.
 */
final class FileRepository implements StorageRepository {
    static final String VHD_SUFFIX = ".vhd";
    static final long BLOCK = 2L * 1024 * 1024;
    static final long MAX_VIRTUAL_SIZE = 2040L * 1024 * 1024 * 1024;
    private static final Pattern UUID_PATTERN =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final String STAGING_SUFFIX = ".new";
    private static final String COALESCE_JOURNAL_PREFIX = ".coalesce-";
    /** sm-config keys: the parent VDI's UUID and the number of blocks the VHD holds itself. */
    private static final String PARENT_KEY = "vhd-parent";
    private static final String BLOCKS_KEY = "vhd-blocks";

    private final Path directory;
    private final DriverContext context;
    private final SrLocks locks;
    private final long headroom;
    private final Optional<ExecutorService> metadataReaders;
    private final Optional<NbdExports> nbdExports;

    FileRepository(Path directory, DriverContext context, SrLocks locks, long headroom,
            Optional<ExecutorService> metadataReaders, Optional<NbdExports> nbdExports) {
        this.directory = directory;
        this.context = context;
        this.locks = locks;
        this.headroom = headroom;
        this.metadataReaders = metadataReaders;
        this.nbdExports = nbdExports;
    }

    static boolean isUuid(String text) {
        return UUID_PATTERN.matcher(text).matches();
    }

    @Override
    public SrStats create() {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw failure("Cannot create the SR folder " + directory, e);
        }
        return stats();
    }

    @Override
    public void attach() {
        if (!Files.isDirectory(directory) || !Files.isWritable(directory)) {
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE,
                    "The SR folder " + directory + " is missing or not writable");
        }
    }

    @Override
    public void detach() {
        // Nothing is held open between calls.
    }

    /** Describe every VDI, with the SR to itself: no chain operation is seen half done. */
    @Override
    public List<VdiInfo> scan() {
        return locks.onSr(this::scanFiles);
    }

    private List<VdiInfo> scanFiles() {
        List<Path> files = vhdFiles();
        if (metadataReaders.isEmpty() || files.size() < 64) {
            return describeAll(files);
        }
        // Metadata reads of a large SR in parallel, in slices that keep the files' order.
        int slices = FileSrDriverFactory.METADATA_READERS * 4;
        int sliceSize = (files.size() + slices - 1) / slices;
        List<Callable<List<VdiInfo>>> work = new ArrayList<>();
        for (int from = 0; from < files.size(); from += sliceSize) {
            List<Path> slice = files.subList(from, Math.min(files.size(), from + sliceSize));
            work.add(() -> describeAll(slice));
        }
        try {
            List<VdiInfo> found = new ArrayList<>(files.size());
            for (Future<List<VdiInfo>> part : metadataReaders.get().invokeAll(work)) {
                found.addAll(part.get());
            }
            return found;
        } catch (RejectedExecutionException e) {
            // The component is being deactivated: finish on this thread.
            return describeAll(files);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(StandardErrorCode.CANCELLED, "The scan of " + directory + " was interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageException failure) {
                throw failure;
            }
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "Scanning " + directory + " failed: "
                    + e.getCause());
        }
    }

    /** Describe each file; one damaged file must not hide the others: it is reported and left for an admin. */
    private List<VdiInfo> describeAll(List<Path> files) {
        List<VdiInfo> found = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                found.add(describe(file));
            } catch (StorageException e) {
                context.logger().log(System.Logger.Level.WARNING, "Skipping unreadable VHD {0}: {1}", file,
                        e.getMessage());
            }
        }
        return found;
    }

    @Override
    public SrStats stats() {
        return locks.onSr(this::statsOfFiles);
    }

    private SrStats statsOfFiles() {
        try {
            FileStore fileStore = Files.getFileStore(directory);
            long used = 0;
            for (Path file : vhdFiles()) {
                // Every VDI file counts, readable or not: a damaged file still occupies the space.
                used += Files.size(file);
            }
            long virtual = 0;
            for (VdiInfo vdi : scan()) {
                if (!vdi.hidden()) {
                    virtual += vdi.virtualSize();
                }
            }
            return new SrStats(fileStore.getTotalSpace(), used, virtual);
        } catch (IOException e) {
            throw failure("Cannot read the file system of " + directory, e);
        }
    }

    @Override
    public VdiInfo createVdi(CreateVdiRequest request) {
        long size = roundUp(request.virtualSize());
        Path file = vhd(request.vdiUuid());
        return locks.onVdi(request.vdiUuid(), () -> {
            if (Files.exists(file)) {
                return describe(file);
            }
            requireHeadroom(metadataBytes(size), "Creating VDI " + request.vdiUuid());
            Path staging = staging(file);
            deleteIfExists(staging);
            vhd(() -> VhdImage.createDynamic(staging, size, UUID.fromString(request.vdiUuid())));
            CrashPoints.reach("file.create.staged");
            move(staging, file);
            CrashPoints.reach("file.create.renamed");
            return describe(file);
        });
    }

    @Override
    public void deleteVdi(String vdiUuid) {
        Path file = vhd(vdiUuid);
        locks.onVdi(vdiUuid, () -> {
            requireDetached(vdiUuid);
            if (!Files.exists(file)) {
                // Gone already: finish what an interrupted create or delete may have left behind.
                deleteIfExists(staging(file));
                sweepGarbage();
                return null;
            }
            if (!childrenOf(file).isEmpty()) {
                // Still a parent: hide it; it goes once its last child has gone.
                vhd(() -> VhdImage.setHidden(file, true));
                CrashPoints.reach("file.delete.hidden");
                return null;
            }
            Optional<Path> parent = parentOf(file);
            deleteIfExists(file);
            // The removal is durable before the task records it.
            forceDirectory();
            CrashPoints.reach("file.delete.unlinked");
            collectOrphans(parent);
            return null;
        });
    }

    @Override
    public VdiInfo resizeVdi(String vdiUuid, long newVirtualSizeBytes) {
        Path file = existing(vdiUuid);
        long size = roundUp(newVirtualSizeBytes);
        return locks.onVdi(vdiUuid, () -> {
            VdiInfo current = describe(file);
            if (size < current.virtualSize()) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "VDI " + vdiUuid
                        + " cannot shrink from " + current.virtualSize() + " to " + size + " bytes");
            }
            if (current.hidden()) {
                throw new StorageException(StandardErrorCode.OPERATION_NOT_ALLOWED,
                        "VDI " + vdiUuid + " is a hidden base copy");
            }
            if (size > current.virtualSize()) {
                // Attached, the export reopens the grown chain: new NBD connections see the new size.
                quiesced(vdiUuid, () -> {
                    VhdImage.resize(file, size);
                    CrashPoints.reach("file.resize.grown");
                });
            }
            return describe(file);
        });
    }

    @Override
    public CloneResult cloneVdi(CloneRequest request) {
        return copy(request);
    }

    @Override
    public CloneResult snapshotVdi(CloneRequest request) {
        return copy(request);
    }

    @Override
    public VdiInfo introduceVdi(IntroduceVdiRequest request) {
        return describe(existing(request.vdiUuid()));
    }

    private CloneResult copy(CloneRequest request) {
        if (request.newUuid().equals(request.sourceUuid()) || request.baseCopyUuid().equals(request.sourceUuid())
                || request.newUuid().equals(request.baseCopyUuid())) {
            // The same name twice would make the steps below replace the source's data with a child of itself.
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "Source " + request.sourceUuid()
                    + ", new VDI " + request.newUuid() + " and base copy " + request.baseCopyUuid()
                    + " must be three different UUIDs");
        }
        Path source = existing(request.sourceUuid());
        Path created = vhd(request.newUuid());
        Path base = vhd(request.baseCopyUuid());
        return locks.onVdi(request.sourceUuid(), () -> quiesced(request.sourceUuid(), () -> {
            if (Files.exists(created)) {
                // A retry after a crash between creating the copy and hiding the base copy finishes the last step.
                if (Files.exists(base) && parentOf(created).filter(base::equals).isPresent()
                        && !describe(base).hidden()) {
                    vhd(() -> VhdImage.setHidden(base, true));
                }
                return describeResult(created, source, base);
            }
            VdiInfo sourceBefore = describe(source);
            if (sourceBefore.hidden()) {
                throw new StorageException(StandardErrorCode.OPERATION_NOT_ALLOWED,
                        "VDI " + request.sourceUuid() + " is a hidden base copy");
            }
            if (Files.exists(base) && !sameFile(source, base) && parentOf(source).filter(base::equals).isEmpty()) {
                // Not a step of this request found done: the name belongs to another VDI, which must not be hidden.
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "Base copy UUID " + request.baseCopyUuid() + " already names another VDI");
            }
            if (!Files.exists(base)) {
                // Cancel is honoured only here, before the first change: once started, a copy runs to its end.
                context.task().checkCancelled();
                Optional<Path> reusableParent = emptyChildParent(sourceBefore);
                if (reusableParent.isPresent()) {
                    // Nothing was written since the last copy: share the parent instead of stacking an empty one.
                    long size = createChild(created, reusableParent.get());
                    CrashPoints.reach("file.copy.child-created");
                    return new CloneResult(emptyChild(request.newUuid(), sourceBefore.virtualSize(), size,
                            uuidOf(reusableParent.get())), sourceBefore, Optional.empty());
                }
                requireDepthAllowsCopy(source);
                requireHeadroom(2 * metadataBytes(sourceBefore.virtualSize()), "Copying VDI " + request.sourceUuid());
                try {
                    Files.createLink(base, source);
                } catch (IOException e) {
                    throw failure("Cannot link " + source + " as base copy " + base, e);
                }
                CrashPoints.reach("file.copy.linked");
            } else if (!sameFile(source, base)) {
                // A retry found the source's new leaf in place: only the copy and the hiding are left.
                createChild(created, base);
                CrashPoints.reach("file.copy.child-created");
                vhd(() -> VhdImage.setHidden(base, true));
                CrashPoints.reach("file.copy.base-hidden");
                return describeResult(created, source, base);
            }
            // Both children of the base copy are written and forced, then renamed, and one directory force makes
            // the link and both names durable before the base copy is hidden (it shares the source's inode until
            // the source's name moves to its new leaf, so hiding earlier would hide the source).
            Path leafStaging = staging(source);
            Path createdStaging = staging(created);
            deleteIfExists(leafStaging);
            deleteIfExists(createdStaging);
            vhd(() -> VhdImage.createDifferencing(leafStaging, base, UUID.randomUUID()));
            vhd(() -> VhdImage.createDifferencing(createdStaging, base, UUID.randomUUID()));
            CrashPoints.reach("file.copy.leaf-staged");
            rename(leafStaging, source);
            CrashPoints.reach("file.copy.leaf-replaced");
            long createdSize = size(createdStaging);
            rename(createdStaging, created);
            forceDirectory();
            CrashPoints.reach("file.copy.child-created");
            vhd(() -> VhdImage.setHidden(base, true));
            CrashPoints.reach("file.copy.base-hidden");
            // What the files now say, known without opening them again: two empty children of the old source.
            VdiInfo sourceNow = emptyChild(request.sourceUuid(), sourceBefore.virtualSize(), size(source),
                    request.baseCopyUuid());
            VdiInfo baseCopy = new VdiInfo(request.baseCopyUuid(), sourceBefore.virtualSize(),
                    sourceBefore.physicalUtilisation(), true, true, sourceBefore.parentUuid(), sourceBefore.smConfig());
            return new CloneResult(emptyChild(request.newUuid(), sourceBefore.virtualSize(), createdSize,
                    request.baseCopyUuid()), sourceNow, Optional.of(baseCopy));
        }));
    }

    // ---- datapath: attached VDIs are served over NBD (NbdExports)

    @Override
    public Datapath attachVdi(String vdiUuid, boolean readOnly) {
        Path file = existing(vdiUuid);
        NbdExports exports = nbdExports.orElseThrow(() -> StorageException.unsupported("attachVdi"));
        return locks.onVdi(vdiUuid, () -> {
            if (!readOnly && describe(file).hidden()) {
                throw new StorageException(StandardErrorCode.OPERATION_NOT_ALLOWED,
                        "VDI " + vdiUuid + " is a hidden base copy: attach it read-only");
            }
            return vhd(() -> exports.attach(vdiUuid, file, readOnly));
        });
    }

    @Override
    public void detachVdi(String vdiUuid) {
        nbdExports.ifPresent(exports -> exports.detach(vdiUuid));
    }

    private void requireDetached(String vdiUuid) {
        if (nbdExports.map(exports -> exports.attached(vdiUuid)).orElse(false)) {
            throw new StorageException(StandardErrorCode.VDI_IN_USE, "VDI " + vdiUuid + " is attached; detach it first");
        }
    }

    /** Run {@code change} of the chain of {@code vdiUuid} with its NBD export, if attached, quiesced. */
    private <T> T quiesced(String vdiUuid, Supplier<T> change) {
        return nbdExports.isEmpty() ? change.get() : vhd(() -> nbdExports.get().whileQuiesced(vdiUuid, change));
    }

    private void quiesced(String vdiUuid, Runnable change) {
        quiesced(vdiUuid, () -> {
            vhd(change);
            return null;
        });
    }

    /** Describe the outcome of a copy from the files, for a retry that cannot know which steps it did itself. */
    private CloneResult describeResult(Path created, Path source, Path base) {
        Optional<VdiInfo> baseCopy = Files.exists(base) ? Optional.of(describe(base)) : Optional.empty();
        return new CloneResult(describe(created), describe(source), baseCopy);
    }

    /**
     * Refuse an operation that would leave less free space than the SR's headroom, before anything is changed: a full
     * file system would stop the writes of every VDI on it.
     */
    private void requireHeadroom(long bytesNeeded, String what) {
        long usable;
        try {
            usable = Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            throw failure("Cannot read the free space of " + directory, e);
        }
        if (usable - bytesNeeded < headroom) {
            throw new StorageException(StandardErrorCode.INSUFFICIENT_SPACE, what + " would leave "
                    + Math.max(0, usable - bytesNeeded) + " bytes free on the SR's file system, below its headroom of "
                    + headroom + " bytes (device-config " + FileSrDriverFactory.HEADROOM_KEY + ")");
        }
    }

    /** The size of an empty VHD of {@code virtualSize}: footers, header, BAT, batmap and locators, with slack. */
    private static long metadataBytes(long virtualSize) {
        long blocks = (virtualSize + BLOCK - 1) / BLOCK;
        return 8192 + blocks * 4 + blocks / 8;
    }

    /** Refuse a copy that would make the source's chain deeper than the supported maximum. */
    private void requireDepthAllowsCopy(Path source) {
        int depth = vhd(() -> VhdChain.depth(source));
        if (depth + 1 > VhdChain.MAX_CHAIN_DEPTH) {
            throw new StorageException(StandardErrorCode.CHAIN_TOO_DEEP, "The chain of VDI " + uuidOf(source)
                    + " is " + depth + " deep; a copy would exceed the maximum of " + VhdChain.MAX_CHAIN_DEPTH
                    + ". Delete snapshots or copy the VDI to start a new chain.");
        }
    }

    /**
     * Return the parent of a VDI if it is a differencing disk with no data of its own and the same size as the parent
     * (a child grown since it was made differs from its parent by its size).
     */
    private Optional<Path> emptyChildParent(VdiInfo vdi) {
        if (vdi.parentUuid().isEmpty() || !"0".equals(vdi.smConfig().get(BLOCKS_KEY))) {
            return Optional.empty();
        }
        // (A missing parent is left for createChild to report.)
        Path parent = directory.resolve(vdi.parentUuid().get() + VHD_SUFFIX);
        return Optional.of(parent).filter(p -> !Files.isRegularFile(p)
                || vhd(() -> VhdImage.readFooter(p)).currentSize() == vdi.virtualSize());
    }

    /** Create an empty child under its name, durably (file, then name); return its size in bytes. */
    private long createChild(Path child, Path parent) {
        Path staging = staging(child);
        deleteIfExists(staging);
        vhd(() -> VhdImage.createDifferencing(staging, parent, UUID.randomUUID()));
        long size = size(staging);
        move(staging, child);
        return size;
    }

    /** How the SPI reports a VHD just created as an empty differencing child. */
    private static VdiInfo emptyChild(String uuid, long virtualSize, long fileSize, String parentUuid) {
        return new VdiInfo(uuid, virtualSize, fileSize, false, false, Optional.of(parentUuid),
                Map.of(PARENT_KEY, parentUuid, BLOCKS_KEY, "0"));
    }

    /** Delete hidden ancestors that no longer have children, starting at {@code parent}. */
    private void collectOrphans(Optional<Path> parent) {
        Optional<Path> next = parent;
        while (next.isPresent() && Files.exists(next.get())) {
            Path candidate = next.get();
            if (!describe(candidate).hidden() || !childrenOf(candidate).isEmpty()) {
                return;
            }
            next = parentOf(candidate);
            deleteIfExists(candidate);
        }
    }

    /**
     * Delete every hidden VHD that no VHD names as parent, repeatedly, reading each file's metadata once. A hidden
     * childless VHD is always garbage: base copies are hidden only once their children exist.
     */
    private int sweepGarbage() {
        Map<Path, Optional<Path>> parents = new HashMap<>();
        Map<Path, Boolean> hidden = new HashMap<>();
        for (Path file : vhdFiles()) {
            try {
                parents.put(file, parentOf(file));
                hidden.put(file, describe(file).hidden());
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

    // ---- garbage collection: orphans and coalescing

    /**
     * Collect garbage with the SR to itself: finish interrupted coalesces (their journals), delete orphaned base copies,
     * then coalesce up to {@code limits.maxCoalesces()} links where a hidden VHD has exactly one child.
     *
     * <p>A coalesce merges the child into its parent ({@link VhdCoalesce}); then an internal child's children are
     * re-linked to the parent and the child is deleted, or a leaf child is replaced by the parent under the leaf's
     * name, so the VDI keeps its UUID. A journal file {@code .coalesce-<parent>-<child>} exists from before the first
     * change until after the last, and the next collection finishes what it names.
     */
    @Override
    public GarbageCollectionReport collectGarbage(GarbageCollectionLimits limits) {
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
                Path journal = directory.resolve(COALESCE_JOURNAL_PREFIX + uuidOf(pair.get()[0]) + "-"
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

    /** Return a hidden VHD with exactly one child, and that child; deepest chains are not preferred, any will do. */
    private Optional<Path[]> coalesceCandidate() {
        Map<Path, List<Path>> children = new HashMap<>();
        Map<Path, Boolean> hidden = new HashMap<>();
        for (Path file : vhdFiles()) {
            try {
                hidden.put(file, describe(file).hidden());
                parentOf(file).ifPresent(parent -> children.computeIfAbsent(parent, p -> new ArrayList<>()).add(file));
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
        String[] names = journal.getFileName().toString().substring(COALESCE_JOURNAL_PREFIX.length()).split("-(?=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)");
        Path parent = vhd(names[0]);
        Path child = vhd(names[1]);
        return nbdExports.map(exports -> exports.whileQuiescedUsing(List.of(parent, child),
                () -> finishCoalesce(journal, parent, child, throttle, copied))).orElseGet(
                () -> finishCoalesce(journal, parent, child, throttle, copied));
    }

    private boolean finishCoalesce(Path journal, Path parent, Path child, Throttle throttle, long[] copied) {
        if (Files.exists(parent) && Files.exists(child) && parentOf(child).filter(parent::equals).isPresent()) {
            boolean leaf = !describe(child).hidden();
            boolean merged = vhd(() -> VhdCoalesce.mergeIntoParent(child, parent, throttle, n -> copied[0] += n));
            if (!merged) {
                return false;
            }
            CrashPoints.reach("file.gc.merged");
            if (leaf) {
                // The parent, now holding the leaf's data, takes over the leaf's name and so its identity.
                vhd(() -> VhdImage.setHidden(parent, false));
                move(parent, child);
                CrashPoints.reach("file.gc.replaced");
            } else {
                for (Path grandchild : childrenOf(child)) {
                    vhd(() -> VhdImage.setParent(grandchild, parent));
                }
                CrashPoints.reach("file.gc.relinked");
                deleteIfExists(child);
            }
        } else if (Files.exists(parent) && Files.exists(child) && describe(child).hidden()) {
            // An internal child whose grandchildren were partly re-linked before a crash: finish re-linking.
            for (Path grandchild : childrenOf(child)) {
                vhd(() -> VhdImage.setParent(grandchild, parent));
            }
            if (childrenOf(child).isEmpty() && describe(child).hidden()) {
                deleteIfExists(child);
            }
        }
        deleteIfExists(journal);
        return true;
    }

    private List<Path> coalesceJournals() {
        List<Path> journals = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, COALESCE_JOURNAL_PREFIX + "*")) {
            entries.forEach(journals::add);
        } catch (IOException e) {
            throw failure("Cannot list " + directory, e);
        }
        journals.sort(null);
        return journals;
    }

    private static void writeJournal(Path journal) {
        try {
            Files.write(journal, new byte[0]);
            try (FileChannel folder = FileChannel.open(journal.getParent(), StandardOpenOption.READ)) {
                folder.force(true);
            }
        } catch (IOException e) {
            throw failure("Cannot write the journal " + journal, e);
        }
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

    private List<Path> childrenOf(Path parent) {
        String name = parent.getFileName().toString();
        List<Path> children = new ArrayList<>();
        for (Path file : vhdFiles()) {
            Optional<Path> parentOfFile;
            try {
                parentOfFile = parentOf(file);
            } catch (StorageException e) {
                if (e.errorCode() != StandardErrorCode.CORRUPT_DATA) {
                    throw e;
                }
                // As in scan: a file no VHD reader can make sense of is nobody's child; it is left for an admin.
                context.logger().log(System.Logger.Level.WARNING, "Skipping unreadable VHD {0}: {1}", file,
                        e.getMessage());
                continue;
            }
            if (parentOfFile.map(p -> p.getFileName().toString().equals(name)).orElse(false)) {
                children.add(file);
            }
        }
        return children;
    }

    private Optional<Path> parentOf(Path file) {
        return vhd(() -> {
            try (VhdImage image = VhdImage.open(file, OpenMode.READ_ONLY)) {
                return image.parentName().filter(n -> !n.isEmpty()).map(directory::resolve);
            }
        });
    }

    /** Describe one VDI file as the SPI reports it; the VDI's UUID is its file name. */
    private VdiInfo describe(Path file) {
        return vhd(() -> {
            try (VhdImage image = VhdImage.open(file, OpenMode.READ_ONLY)) {
                Optional<String> parent = image.parentName()
                        .filter(n -> n.endsWith(VHD_SUFFIX))
                        .map(n -> n.substring(0, n.length() - VHD_SUFFIX.length()));
                Map<String, String> smConfig = new HashMap<>();
                parent.ifPresent(p -> smConfig.put(PARENT_KEY, p));
                smConfig.put(BLOCKS_KEY, Long.toString(image.allocatedBlockCount()));
                return new VdiInfo(uuidOf(file), image.virtualSize(), image.fileSizeBytes(), image.hidden(),
                        image.hidden(), parent, smConfig);
            }
        });
    }

    private List<Path> vhdFiles() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*" + VHD_SUFFIX)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isUuid(name.substring(0, name.length() - VHD_SUFFIX.length()))) {
                    files.add(entry);
                }
            }
        } catch (NoSuchFileException e) {
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "The SR folder " + directory + " is missing");
        } catch (IOException e) {
            throw failure("Cannot list " + directory, e);
        }
        files.sort(null);
        return files;
    }

    private Path vhd(String vdiUuid) {
        if (!isUuid(vdiUuid)) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "Not a VDI UUID: " + vdiUuid);
        }
        return directory.resolve(vdiUuid + VHD_SUFFIX);
    }

    private Path existing(String vdiUuid) {
        Path file = vhd(vdiUuid);
        if (!Files.exists(file)) {
            throw new StorageException(StandardErrorCode.VDI_NOT_FOUND, "No VDI " + vdiUuid + " in " + directory);
        }
        return file;
    }

    private static String uuidOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - VHD_SUFFIX.length());
    }

    private static Path staging(Path file) {
        return file.resolveSibling(file.getFileName() + STAGING_SUFFIX);
    }

    private static long roundUp(long size) {
        if (size <= 0 || size > MAX_VIRTUAL_SIZE) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                    "A VHD's virtual size must be between 1 byte and 2040 GiB; got " + size + " bytes");
        }
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            throw failure("Cannot compare " + a + " and " + b, e);
        }
    }

    /** Rename atomically and make the new name durable (the directory entry is synced too). */
    private void move(Path from, Path to) {
        rename(from, to);
        forceDirectory();
    }

    /** Rename atomically; the new name is durable only after the next {@link #forceDirectory}. */
    private static void rename(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw failure("Cannot rename " + from + " to " + to, e);
        }
    }

    /** Make the SR folder's entries durable: links, renames and unlinks done so far. */
    private void forceDirectory() {
        try (FileChannel folder = FileChannel.open(directory, StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException e) {
            throw failure("Cannot sync the SR folder " + directory, e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw failure("Cannot read the size of " + file, e);
        }
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw failure("Cannot delete " + file, e);
        }
    }

    private static void vhd(Runnable work) {
        vhd(() -> {
            work.run();
            return null;
        });
    }

    /** Run VHD library work, turning its typed errors into the SPI's. */
    private static <T> T vhd(Supplier<T> work) {
        try {
            return work.get();
        } catch (VhdException e) {
            throw new StorageException(codeFor(e.reason()), e.getMessage());
        }
    }

    private static ErrorCode codeFor(VhdException.Reason reason) {
        return switch (reason) {
            case INVALID_ARGUMENT, ALREADY_EXISTS, READ_ONLY -> StandardErrorCode.INVALID_ARGUMENT;
            case CHAIN_TOO_DEEP -> StandardErrorCode.CHAIN_TOO_DEEP;
            case NOT_FOUND -> StandardErrorCode.VDI_NOT_FOUND;
            case IO_ERROR -> StandardErrorCode.STORAGE_FAILURE;
            case UNSUPPORTED -> StandardErrorCode.UNSUPPORTED_OPERATION;
            case BAD_COOKIE, BAD_CHECKSUM, BAT_ENTRY_OUT_OF_RANGE, PARENT_UUID_MISMATCH, CHAIN_LOOP, TRUNCATED,
                    PARENT_MISSING, CORRUPT -> StandardErrorCode.CORRUPT_DATA;
        };
    }

    private static StorageException failure(String message, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new StorageException(StandardErrorCode.STORAGE_FAILURE, message + ": permission denied");
        }
        String detail = String.valueOf(e.getMessage());
        if (detail.contains("No space left")) {
            return new StorageException(StandardErrorCode.INSUFFICIENT_SPACE, message + ": no space left");
        }
        return new StorageException(StandardErrorCode.STORAGE_FAILURE, message + ": " + e);
    }
}
