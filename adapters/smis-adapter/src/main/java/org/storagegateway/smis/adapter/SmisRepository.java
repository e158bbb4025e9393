package org.storagegateway.smis.adapter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.storagegateway.smis.adapter.ArrayObjects.Pool;
import org.storagegateway.smis.adapter.ArrayObjects.StorageSystem;
import org.storagegateway.smis.adapter.ArrayObjects.Volume;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.spi.ArrayAdministration;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.TaskMonitor;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.IntroduceVdiRequest;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.VdiInfo;

/**
 * An {@code smis} SR: one pool of one storage system, one volume (LUN) per VDI, the volume's ElementName being the
 * VDI's UUID. The array is the only record: every call looks there first, which makes each operation idempotent (a
 * repeated create finds the volume, a repeated delete finds nothing) and crash-safe without a journal.
 */
final class SmisRepository implements StorageRepository {
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final SmisArray array;
    private final String systemName;
    private final String poolId;
    private final boolean thin;
    private final Optional<String> initiatorIqn;
    private final Function<ArrayIdentity, Set<Quirk>> quirkLookup;
    private final Duration jobTimeout;
    private final DriverContext context;
    private StorageSystem system;
    private Set<Quirk> quirks;
    private Jobs jobs;

    /** Cheap: nothing is read from the array until the first operation. */
    SmisRepository(SmisArray array, String systemName, String poolId, boolean thin, Optional<String> initiatorIqn,
                   Function<ArrayIdentity, Set<Quirk>> quirkLookup, Duration jobTimeout, DriverContext context) {
        this.initiatorIqn = initiatorIqn;
        this.array = array;
        this.systemName = systemName;
        this.poolId = poolId;
        this.thin = thin;
        this.quirkLookup = quirkLookup;
        this.jobTimeout = jobTimeout;
        this.context = context;
    }

    /** The SR's system; resolving it also settles the array's quirks for this call. */
    private StorageSystem system() {
        if (system == null) {
            system = array.system(systemName);
            quirks = quirkLookup.apply(system.identity());
            jobs = new Jobs(array.connection(), quirks, jobTimeout, context.logger());
        }
        return system;
    }

    private Pool pool() {
        StorageSystem resolved = system();
        return array.pool(resolved, poolId, quirks);
    }

    @Override
    public SrStats create() {
        Pool pool = pool();
        if (thin && !pool.supportsType(SmisArray.ELEMENT_TYPE_THIN) && !quirks.contains(Quirk.THIN_ELEMENT_TYPE_ONLY)) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                    "Pool '" + poolId + "' cannot hold thinly provisioned volumes");
        }
        return stats(pool);
    }

    @Override
    public void attach() {
        pool();
    }

    @Override
    public void detach() {
        // An SR holds no host-side state: LUNs are exposed per VDI.
    }

    @Override
    public List<VdiInfo> scan() {
        List<VdiInfo> vdis = new ArrayList<>();
        for (Volume volume : array.volumes(system(), pool())) {
            if (UUID.matcher(volume.elementName()).matches()) {
                vdis.add(vdi(volume));
            }
        }
        return vdis;
    }

    @Override
    public SrStats stats() {
        return stats(pool());
    }

    private SrStats stats(Pool pool) {
        long allocated = 0;
        for (Volume volume : array.volumes(system(), pool)) {
            if (UUID.matcher(volume.elementName()).matches()) {
                allocated += volume.sizeBytes();
            }
        }
        return new SrStats(pool.totalBytes(), Math.max(0, pool.totalBytes() - pool.remainingBytes()), allocated);
    }

    @Override
    public VdiInfo createVdi(CreateVdiRequest request) {
        requireUuid(request.vdiUuid());
        Pool pool = pool();
        Optional<Volume> existing = array.volumeNamed(system(), pool, request.vdiUuid());
        if (existing.isPresent()) {
            return vdi(existing.get());
        }
        require(Capability.VDI_CREATE, "create volumes");
        context.task().checkCancelled();
        Optional<Volume> made;
        try {
            made = array.createVolume(system(), pool, request.vdiUuid(), request.virtualSize(), thin, quirks, jobs,
                    context.task());
        } catch (StorageException e) {
            if (e.errorCode() == StandardErrorCode.CANCELLED) {
                returnLeftover(pool, request.vdiUuid());
            }
            throw e;
        }
        // A cancel the array refused (its job had already completed) lands here too: the volume exists, so it is
        // reported as the VDI, and the records match the array; the caller may delete it.
        Volume created = made.or(() -> array.volumeNamed(system(), pool, request.vdiUuid())).orElseThrow(
                () -> new StorageException(StandardErrorCode.STORAGE_FAILURE, "The array reported volume "
                        + request.vdiUuid() + " created but does not list it in pool '" + poolId + "'"));
        context.logger().log(System.Logger.Level.INFO, "Created volume {0} ({1}) of {2} bytes in pool {3}",
                created.elementName(), created.deviceId(), created.sizeBytes(), poolId);
        return vdi(created);
    }

    /**
     * After a create the array stopped on a cancel: return a volume of that name if the array left one (SMI-S lets a
     * terminated job keep part of its work), so a cancelled create leaves no LUN. The return itself is not
     * cancellable; if it fails, the volume stays and deleteVdi removes it later.
     */
    private void returnLeftover(Pool pool, String vdiUuid) {
        Optional<Volume> leftover = array.volumeNamed(system(), pool, vdiUuid);
        if (leftover.isEmpty()) {
            return;
        }
        TaskMonitor uncancellable = new TaskMonitor() {
            @Override
            public void progress(double fraction) {
            }

            @Override
            public boolean isCancelRequested() {
                return false;
            }
        };
        try {
            array.returnVolume(system(), leftover.get(), jobs, uncancellable);
            context.logger().log(System.Logger.Level.INFO, "Returned volume {0} ({1}), left by a cancelled create,"
                    + " to pool {2}", vdiUuid, leftover.get().deviceId(), poolId);
        } catch (StorageException e) {
            context.logger().log(System.Logger.Level.WARNING, "Volume {0} ({1}), left by a cancelled create, stays"
                    + " in pool {2}: {3}", vdiUuid, leftover.get().deviceId(), poolId, e.getMessage());
        }
    }

    @Override
    public void deleteVdi(String vdiUuid) {
        Optional<Volume> volume = array.volumeNamed(system(), pool(), vdiUuid);
        if (volume.isEmpty()) {
            return;
        }
        require(Capability.VDI_DELETE, "delete volumes");
        array.returnVolume(system(), volume.get(), jobs, context.task());
        context.logger().log(System.Logger.Level.INFO, "Returned volume {0} ({1}) to pool {2}", vdiUuid,
                volume.get().deviceId(), poolId);
    }

    @Override
    public VdiInfo resizeVdi(String vdiUuid, long newVirtualSizeBytes) {
        Pool pool = pool();
        Volume volume = array.volumeNamed(system(), pool, vdiUuid).orElseThrow(() -> notFound(vdiUuid));
        if (newVirtualSizeBytes < volume.sizeBytes()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "Volume " + vdiUuid + " is "
                    + volume.sizeBytes() + " bytes; shrinking it to " + newVirtualSizeBytes + " is refused");
        }
        if (newVirtualSizeBytes == volume.sizeBytes()) {
            return vdi(volume);
        }
        require(Capability.VDI_RESIZE, "grow volumes");
        array.resizeVolume(system(), volume, newVirtualSizeBytes, jobs, context.task());
        return vdi(array.volumeNamed(system(), pool, vdiUuid).orElseThrow(() -> notFound(vdiUuid)));
    }

    /** A clone is a full replica (SyncType 8) detached from its source once synchronized: an independent LUN. */
    @Override
    public CloneResult cloneVdi(CloneRequest request) {
        return replicate(request, SmisArray.SYNC_CLONE, Capability.VDI_CLONE, "clone volumes");
    }

    /** A snapshot is a replica with SyncType 7 that stays associated with its source; the gateway reads it only. */
    @Override
    public CloneResult snapshotVdi(CloneRequest request) {
        return replicate(request, SmisArray.SYNC_SNAPSHOT, Capability.VDI_SNAPSHOT, "snapshot volumes");
    }

    private CloneResult replicate(CloneRequest request, long syncType, Capability capability, String what) {
        requireUuid(request.newUuid());
        Pool pool = pool();
        Volume source = array.volumeNamed(system(), pool, request.sourceUuid())
                .orElseThrow(() -> notFound(request.sourceUuid()));
        Optional<Volume> existing = array.volumeNamed(system(), pool, request.newUuid());
        Volume target;
        if (existing.isPresent()) {
            target = existing.get();
        } else {
            require(capability, what);
            context.task().checkCancelled();
            target = array.replicate(system(), pool, source, request.newUuid(), syncType, quirks, jobs,
                    context.task()).or(() -> array.volumeNamed(system(), pool, request.newUuid()))
                    .orElseThrow(() -> new StorageException(StandardErrorCode.STORAGE_FAILURE, "The array reported"
                            + " replica " + request.newUuid() + " created but does not list it"));
            context.logger().log(System.Logger.Level.INFO, "Replicated volume {0} into {1} ({2}), SyncType {3}",
                    source.elementName(), target.elementName(), target.deviceId(), syncType);
        }
        if (syncType == SmisArray.SYNC_CLONE) {
            array.detachReplica(system(), target, jobs, context.task());
        }
        Volume now = array.volumeNamed(system(), pool, request.newUuid()).orElse(target);
        return new CloneResult(vdi(now), vdi(source), Optional.empty());
    }

    /** Expose the VDI's LUN to the host initiator of the SR ({@code initiator-iqn}) and return its iSCSI datapath. */
    @Override
    public Datapath attachVdi(String vdiUuid, boolean readOnly) {
        Pool pool = pool();
        Volume volume = array.volumeNamed(system(), pool, vdiUuid).orElseThrow(() -> notFound(vdiUuid));
        require(Capability.VDI_ATTACH, "map volumes to hosts");
        return new Masking(array).expose(system(), volume, initiator(), readOnly || volume.snapshot(), jobs,
                context.task());
    }

    /** Hide the VDI's LUN from the host initiator; never fails: a failure is logged for the administrator. */
    @Override
    public void detachVdi(String vdiUuid) {
        try {
            Optional<Volume> volume = array.volumeNamed(system(), pool(), vdiUuid);
            if (volume.isPresent() && array.capabilities(system()).contains(Capability.VDI_ATTACH)) {
                new Masking(array).hide(system(), volume.get(), initiator(), jobs, context.task());
            }
        } catch (StorageException e) {
            context.logger().log(System.Logger.Level.WARNING, "Could not hide volume {0} from {1}: {2}", vdiUuid,
                    initiatorIqn.orElse("the host"), e.getMessage());
        }
    }

    private String initiator() {
        return initiatorIqn.orElseThrow(() -> new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                "device-config '" + SmisDriverFactory.INITIATOR + "' (the host's iSCSI initiator IQN) is required"
                + " to attach VDIs"));
    }

    /** The storage-admin view of this SR's storage system. */
    @Override
    public ArrayAdministration arrayAdministration() {
        return new SmisArrayAdministration(array, system(), quirkLookup, jobs, context);
    }

    @Override
    public VdiInfo introduceVdi(IntroduceVdiRequest request) {
        return vdi(array.volumeNamed(system(), pool(), request.vdiUuid()).orElseThrow(() -> notFound(request.vdiUuid())));
    }

    private void require(Capability capability, String what) {
        if (!array.capabilities(system()).contains(capability)) {
            throw new StorageException(StandardErrorCode.UNSUPPORTED_OPERATION,
                    "Storage system '" + systemName + "' does not " + what + " through SMI-S");
        }
    }

    private static void requireUuid(String uuid) {
        if (!UUID.matcher(uuid).matches()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "Not a VDI UUID: " + uuid);
        }
    }

    private static StorageException notFound(String vdiUuid) {
        return new StorageException(StandardErrorCode.VDI_NOT_FOUND, "No volume named " + vdiUuid + " in the pool");
    }

    private VdiInfo vdi(Volume volume) {
        return new VdiInfo(volume.elementName(), volume.sizeBytes(), volume.consumedBytes(), volume.snapshot(), false,
                Optional.empty(), Map.of("smis-device-id", volume.deviceId(), "smis-naa", volume.naaName(),
                        "smis-pool", poolId, "smis-thin", Boolean.toString(volume.thin())));
    }
}
