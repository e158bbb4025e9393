package org.storagegateway.smis.simulator.array;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Everything the simulator persists about its array, immutable: each change makes a new state that is written
 * to disk before it replaces the old one in memory. Lists absent from a file written by an older simulator are empty.
 *
 * @param format            the file format version
 * @param serial            the array's serial number (random, fixed at creation)
 * @param systemName        the Name of the storage system
 * @param nextVolumeNumber  the number the next volume gets
 * @param nextJobNumber     the number the next job gets
 * @param syncs             replica relationships
 * @param hardwareIds       host initiators the array knows
 * @param groups            masking groups
 * @param views             masking views
 * @param nextMaskingNumber the number the next hardware ID, group or view gets
 */
public record ArrayState(int format, String serial, String systemName, long nextVolumeNumber, long nextJobNumber,
                         List<PoolRecord> pools, List<VolumeRecord> volumes, List<JobRecord> jobs,
                         List<SyncRecord> syncs, List<HardwareIdRecord> hardwareIds, List<MaskingGroupRecord> groups,
                         List<ViewRecord> views, long nextMaskingNumber) {

    public static final int FORMAT = 1;

    public ArrayState {
        pools = List.copyOf(pools);
        volumes = List.copyOf(volumes);
        jobs = List.copyOf(jobs);
        syncs = copy(syncs);
        hardwareIds = copy(hardwareIds);
        groups = copy(groups);
        views = copy(views);
        nextMaskingNumber = Math.max(1, nextMaskingNumber);
    }

    /** A new array: pools and nothing else. */
    public static ArrayState initial(String serial, String systemName, List<PoolRecord> pools) {
        return new ArrayState(FORMAT, serial, systemName, 1, 1, pools, List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(), 1);
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /** The base iSCSI name of the array's targets; each masking view is a target named {@code <base>:spc-<n>}. */
    public String targetIqn() {
        return "iqn.2025-01.org.storagegateway.sim:" + serial.toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- look-ups

    public PoolRecord pool(String id) {
        return find(pools, p -> p.id().equals(id));
    }

    public VolumeRecord volume(String deviceId) {
        return find(volumes, v -> v.deviceId().equals(deviceId));
    }

    public VolumeRecord volumeNamed(String elementName) {
        return find(volumes, v -> v.elementName().equals(elementName));
    }

    /** The volume whose Name (NAA identifier) this is, ignoring case. */
    public VolumeRecord volumeByNaa(String naa) {
        return find(volumes, v -> v.naaId().equalsIgnoreCase(naa));
    }

    public JobRecord job(String id) {
        return find(jobs, j -> j.id().equals(id));
    }

    /** The replica relationship whose target is a volume, or null. */
    public SyncRecord syncOfTarget(String deviceId) {
        return find(syncs, s -> s.targetDeviceId().equals(deviceId));
    }

    /** The replica relationships whose source is a volume. */
    public List<SyncRecord> syncsOfSource(String deviceId) {
        return syncs.stream().filter(s -> s.sourceDeviceId().equals(deviceId)).toList();
    }

    public HardwareIdRecord hardwareId(String id) {
        return find(hardwareIds, h -> h.id().equals(id));
    }

    public HardwareIdRecord hardwareIdFor(String storageId) {
        return find(hardwareIds, h -> h.names(storageId));
    }

    public MaskingGroupRecord group(String id) {
        return find(groups, g -> g.id().equals(id));
    }

    public ViewRecord view(long number) {
        return find(views, v -> v.number() == number);
    }

    /** The hardware IDs (InstanceIDs) of a view's initiators. */
    public List<String> viewHardwareIds(ViewRecord view) {
        return view.grouped() ? group(view.initiatorGroup()).members() : view.hardwareIds();
    }

    /** The target port Names of a view. */
    public List<String> viewTargetPorts(ViewRecord view) {
        return view.grouped() ? group(view.targetGroup()).members() : view.targetPorts();
    }

    /** The initiator names (StorageIDs) a view admits. */
    public List<String> viewInitiators(ViewRecord view) {
        List<String> names = new ArrayList<>();
        for (String id : viewHardwareIds(view)) {
            HardwareIdRecord h = hardwareId(id);
            if (h != null) {
                names.add(h.storageId());
            }
        }
        return names;
    }

    /** The views that map a volume. */
    public List<ViewRecord> viewsOf(String deviceId) {
        return views.stream().filter(v -> v.unit(deviceId) != null).toList();
    }

    private static <T> T find(List<T> items, Predicate<T> match) {
        for (T t : items) {
            if (match.test(t)) {
                return t;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- capacity

    /** Σ SpaceConsumed of everything allocated from a pool: child pools' totals and volumes' consumption. */
    public long consumedBytes(PoolRecord pool) {
        long sum = 0;
        for (PoolRecord p : pools) {
            if (pool.id().equals(p.parentId())) {
                sum += p.totalBytes();
            }
        }
        for (VolumeRecord v : volumes) {
            if (pool.id().equals(v.poolId())) {
                sum += v.consumedBytes();
            }
        }
        return sum;
    }

    /** RemainingManagedSpace = TotalManagedSpace − Σ SpaceConsumed. */
    public long remainingBytes(PoolRecord pool) {
        return pool.totalBytes() - consumedBytes(pool);
    }

    /** The sum of the virtual sizes of a pool's thin volumes, bounded by its SpaceLimit. */
    public long subscribedThinBytes(PoolRecord pool) {
        long sum = 0;
        for (VolumeRecord v : volumes) {
            if (pool.id().equals(v.poolId()) && v.thin()) {
                sum += v.sizeBytes();
            }
        }
        return sum;
    }

    // ---------------------------------------------------------------- changes

    public ArrayState withVolume(VolumeRecord added) {
        return new ArrayState(format, serial, systemName, Math.max(nextVolumeNumber, added.number() + 1),
                nextJobNumber, pools, plus(volumes, added), jobs, syncs, hardwareIds, groups, views,
                nextMaskingNumber);
    }

    public ArrayState replacingVolume(VolumeRecord changed) {
        return withVolumes(replace(volumes, v -> v.deviceId().equals(changed.deviceId()), v -> changed));
    }

    /** Without the volume and the replica relationships it is part of. */
    public ArrayState withoutVolume(String deviceId) {
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools,
                minus(volumes, v -> v.deviceId().equals(deviceId)), jobs,
                minus(syncs, s -> s.targetDeviceId().equals(deviceId) || s.sourceDeviceId().equals(deviceId)),
                hardwareIds, groups, views, nextMaskingNumber);
    }

    private ArrayState withVolumes(List<VolumeRecord> vs) {
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, vs, jobs, syncs,
                hardwareIds, groups, views, nextMaskingNumber);
    }

    public ArrayState withJob(JobRecord job) {
        boolean known = job(job.id()) != null;
        List<JobRecord> js = known ? replace(jobs, j -> j.id().equals(job.id()), j -> job) : plus(jobs, job);
        return new ArrayState(format, serial, systemName, nextVolumeNumber, known ? nextJobNumber : nextJobNumber + 1,
                pools, volumes, js, syncs, hardwareIds, groups, views, nextMaskingNumber);
    }

    public ArrayState withoutJob(String id) {
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, volumes,
                minus(jobs, j -> j.id().equals(id)), syncs, hardwareIds, groups, views, nextMaskingNumber);
    }

    public ArrayState withSync(SyncRecord sync) {
        return withSyncs(plus(minus(syncs, s -> s.targetDeviceId().equals(sync.targetDeviceId())), sync));
    }

    public ArrayState withoutSyncOfTarget(String targetDeviceId) {
        return withSyncs(minus(syncs, s -> s.targetDeviceId().equals(targetDeviceId)));
    }

    private ArrayState withSyncs(List<SyncRecord> ss) {
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, volumes, jobs, ss,
                hardwareIds, groups, views, nextMaskingNumber);
    }

    /** The state with masking records changed, and the masking number advanced by {@code numbersUsed}. */
    public ArrayState withMasking(List<HardwareIdRecord> nextHardwareIds, List<MaskingGroupRecord> nextGroups,
                                  List<ViewRecord> nextViews, long numbersUsed) {
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, volumes, jobs,
                syncs, nextHardwareIds, nextGroups, nextViews, nextMaskingNumber + numbersUsed);
    }

    static <T> List<T> plus(List<T> list, T item) {
        List<T> copy = new ArrayList<>(list);
        copy.add(item);
        return copy;
    }

    static <T> List<T> minus(List<T> list, Predicate<T> drop) {
        List<T> copy = new ArrayList<>(list);
        copy.removeIf(drop);
        return copy;
    }

    static <T> List<T> replace(List<T> list, Predicate<T> match, UnaryOperator<T> change) {
        List<T> copy = new ArrayList<>(list);
        copy.replaceAll(t -> match.test(t) ? change.apply(t) : t);
        return copy;
    }
}
