package org.storagegateway.smis.simulator.array;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the simulator persists about its array, immutable: each change makes a new state that is written
 * to disk before it replaces the old one in memory.
 *
 * @param format           the file format version
 * @param serial           the array's serial number (random, fixed at creation)
 * @param systemName       the Name of the storage system
 * @param nextVolumeNumber the number the next volume gets
 * @param nextJobNumber    the number the next job gets
 */
public record ArrayState(int format, String serial, String systemName, long nextVolumeNumber, long nextJobNumber,
                         List<PoolRecord> pools, List<VolumeRecord> volumes, List<JobRecord> jobs,
                         List<SyncRecord> syncs) {

    public static final int FORMAT = 1;

    /** Lists absent from a state written by an older simulator are empty. */
    public ArrayState {
        pools = List.copyOf(pools);
        volumes = List.copyOf(volumes);
        jobs = List.copyOf(jobs);
        syncs = syncs == null ? List.of() : List.copyOf(syncs);
    }

    /** The replica relationship whose target is a volume, or null. */
    public SyncRecord syncOfTarget(String deviceId) {
        for (SyncRecord s : syncs) {
            if (s.targetDeviceId().equals(deviceId)) {
                return s;
            }
        }
        return null;
    }

    /** The replica relationships whose source is a volume. */
    public List<SyncRecord> syncsOfSource(String deviceId) {
        List<SyncRecord> result = new ArrayList<>();
        for (SyncRecord s : syncs) {
            if (s.sourceDeviceId().equals(deviceId)) {
                result.add(s);
            }
        }
        return result;
    }

    public ArrayState withSync(SyncRecord sync) {
        List<SyncRecord> ss = new ArrayList<>(syncs);
        ss.removeIf(s -> s.targetDeviceId().equals(sync.targetDeviceId()));
        ss.add(sync);
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, volumes, jobs, ss);
    }

    public ArrayState withoutSyncOfTarget(String targetDeviceId) {
        List<SyncRecord> ss = new ArrayList<>(syncs);
        ss.removeIf(s -> s.targetDeviceId().equals(targetDeviceId));
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, volumes, jobs, ss);
    }

    public PoolRecord pool(String id) {
        for (PoolRecord p : pools) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    public VolumeRecord volume(String deviceId) {
        for (VolumeRecord v : volumes) {
            if (v.deviceId().equals(deviceId)) {
                return v;
            }
        }
        return null;
    }

    public VolumeRecord volumeNamed(String elementName) {
        for (VolumeRecord v : volumes) {
            if (v.elementName().equals(elementName)) {
                return v;
            }
        }
        return null;
    }

    public JobRecord job(String id) {
        for (JobRecord j : jobs) {
            if (j.id().equals(id)) {
                return j;
            }
        }
        return null;
    }

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

    public ArrayState withVolume(VolumeRecord added) {
        List<VolumeRecord> vs = new ArrayList<>(volumes);
        vs.add(added);
        return new ArrayState(format, serial, systemName, Math.max(nextVolumeNumber, added.number() + 1),
                nextJobNumber, pools, vs, jobs, syncs);
    }

    public ArrayState replacingVolume(VolumeRecord changed) {
        List<VolumeRecord> vs = new ArrayList<>(volumes);
        vs.replaceAll(v -> v.deviceId().equals(changed.deviceId()) ? changed : v);
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, vs, jobs, syncs);
    }

    public ArrayState withoutVolume(String deviceId) {
        List<VolumeRecord> vs = new ArrayList<>(volumes);
        vs.removeIf(v -> v.deviceId().equals(deviceId));
        List<SyncRecord> ss = new ArrayList<>(syncs);
        ss.removeIf(s -> s.targetDeviceId().equals(deviceId) || s.sourceDeviceId().equals(deviceId));
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, vs, jobs, ss);
    }

    public ArrayState withJob(JobRecord job) {
        List<JobRecord> js = new ArrayList<>(jobs);
        boolean replaced = false;
        for (int i = 0; i < js.size(); i++) {
            if (js.get(i).id().equals(job.id())) {
                js.set(i, job);
                replaced = true;
            }
        }
        long next = nextJobNumber;
        if (!replaced) {
            js.add(job);
            next++;
        }
        return new ArrayState(format, serial, systemName, nextVolumeNumber, next, pools, volumes, js, syncs);
    }

    public ArrayState withoutJob(String id) {
        List<JobRecord> js = new ArrayList<>(jobs);
        js.removeIf(j -> j.id().equals(id));
        return new ArrayState(format, serial, systemName, nextVolumeNumber, nextJobNumber, pools, volumes, js, syncs);
    }
}
