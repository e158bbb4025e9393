package org.storagegateway.smis.simulator.array;

import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.FAILED;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.INVALID_PARAMETER;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.IN_USE;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.JOB_STARTED;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.OK;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.rejected;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.resolvePool;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.resolveVolume;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.sizeResult;

import java.io.IOException;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.Fault;
import org.storagegateway.smis.simulator.ReplyMode;
import org.storagegateway.smis.simulator.array.StorageConfigurationMethods.Check;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimStatus;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.ops.MethodInvocation;
import org.storagegateway.smis.simulator.ops.MethodResult;

/**
 * The Replication Services methods of the ReplicationService: CreateElementReplica (SyncType 6 Mirror, 7 Snapshot,
 * 8 Clone; the target is a full volume whose data is a copy of the source's at creation, counted in its pool like any
 * volume) and ModifyReplicaSynchronization (Detach, Dissolve, Fracture, Resync, Restore, Return To ResourcePool).
 * Called with the model's lock held.
 */
final class ReplicationMethods {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationMethods.class);

    static final long NOT_SUPPORTED = 1;

    /** ModifyReplicaSynchronization operations that the simulator performs. */
    static final int DETACH = 8;
    static final int DISSOLVE = 9;
    static final int FRACTURE = 12;
    static final int RESYNC = 14;
    static final int RESTORE = 15;
    static final int RETURN_TO_POOL = 19;
    static final List<Long> OPERATIONS = List.of((long) DETACH, (long) DISSOLVE, (long) FRACTURE, (long) RESYNC,
            (long) RESTORE, (long) RETURN_TO_POOL);

    private final ArrayModel model;
    private final StorageConfigurationMethods volumes;

    ReplicationMethods(ArrayModel model, StorageConfigurationMethods volumes) {
        this.model = model;
        this.volumes = volumes;
    }

    // ---------------------------------------------------------------- CreateElementReplica

    MethodResult createElementReplica(MethodInvocation call) {
        ArrayState state = model.state();
        ObjectPath sourcePath = (ObjectPath) call.argument("SourceElement");
        if (sourcePath == null) {
            return rejected(INVALID_PARAMETER, "SourceElement is required");
        }
        VolumeRecord source = resolveVolume(state, sourcePath);
        Long syncType = (Long) call.argument("SyncType");
        if (syncType == null) {
            return rejected(INVALID_PARAMETER, "SyncType is required");
        }
        if (syncType == 9) {
            return rejected(NOT_SUPPORTED, "TokenizedClone (9) is not supported");
        }
        if (syncType < SyncRecord.MIRROR || syncType > SyncRecord.CLONE) {
            return rejected(INVALID_PARAMETER, "SyncType " + syncType + " is not 6 Mirror, 7 Snapshot or 8 Clone");
        }
        Long mode = (Long) call.argument("Mode");
        if (mode != null && mode != 2 && mode != 3) {
            return rejected(INVALID_PARAMETER, "Mode " + mode + " is not 2 Synchronous or 3 Asynchronous");
        }
        if (call.argument("SourceAccessPoint") != null || call.argument("TargetAccessPoint") != null) {
            return rejected(NOT_SUPPORTED, "Remote replication is not supported");
        }
        Long waitFor = (Long) call.argument("WaitForCopyState");
        if (waitFor != null && (waitFor < 2 || waitFor > 18)) {
            return rejected(INVALID_PARAMETER, "WaitForCopyState " + waitFor + " is no CopyState");
        }
        String method = call.method().name();
        ObjectPath targetPath = (ObjectPath) call.argument("TargetElement");
        String targetId = null;
        PoolRecord pool;
        String name = null;
        boolean thin;
        long sizeBytes = source.sizeBytes();
        if (targetPath != null) {
            VolumeRecord target = resolveVolume(state, targetPath);
            String problem = unusableTarget(state, source, target);
            if (problem != null) {
                return rejected(problem.startsWith("in use") ? IN_USE : INVALID_PARAMETER, problem);
            }
            targetId = target.deviceId();
            pool = state.pool(target.poolId());
            thin = target.thin();
        } else {
            ObjectPath poolPath = (ObjectPath) call.argument("TargetPool");
            pool = poolPath == null ? state.pool(source.poolId()) : resolvePool(state, poolPath);
            thin = source.thin() && pool.thin();
            name = StorageConfigurationMethods.elementName(call);
            if (name != null && name.isEmpty()) {
                name = null;
            }
            if (name != null && !StorageConfigurationMethods.validName(name)) {
                return rejected(INVALID_PARAMETER, "ElementName is too long or holds control characters");
            }
            Check check = volumes.checkCreate(state, pool, name, thin, sizeBytes);
            if (!check.passed()) {
                return sizeResult(check);
            }
        }
        boolean fail = model.behaviour().take(Fault.Kind.FAILED_JOB, method).isPresent();
        if (fail || model.behaviour().replyModeFor(method) == ReplyMode.JOB) {
            JobRecord job = model.submit(JobRecord.Operation.REPLICA, method, pool.id(), source.deviceId(), name,
                    thin, sizeBytes, fail, syncType.intValue(), targetId);
            return new MethodResult.Builder()
                    .add("Job", CimType.REFERENCE, ObjectModel.jobPath(job.id()))
                    .build(JOB_STARTED);
        }
        SyncRecord sync = applyReplica(source, pool, name, thin, targetId, syncType.intValue(), null);
        return new MethodResult.Builder()
                .add("TargetElement", CimType.REFERENCE, ObjectModel.volumePath(model.state(), sync.targetDeviceId()))
                .add("Synchronization", CimType.REFERENCE, ObjectModel.syncPath(model.state(), sync))
                .build(OK);
    }

    /** Why an existing volume cannot be the target of a replica of source, or null. */
    private String unusableTarget(ArrayState state, VolumeRecord source, VolumeRecord target) {
        if (target.deviceId().equals(source.deviceId())) {
            return "the target is the source";
        }
        if (state.syncOfTarget(target.deviceId()) != null) {
            return "in use: " + target.deviceId() + " is already the target of a replica";
        }
        if (!state.syncsOfSource(target.deviceId()).isEmpty()) {
            return "in use: " + target.deviceId() + " is the source of replicas";
        }
        if (target.sizeBytes() < source.sizeBytes()) {
            return "the target (" + target.sizeBytes() + " bytes) is smaller than the source ("
                    + source.sizeBytes() + " bytes)";
        }
        return null;
    }

    /** Create (or take) the target, copy the source's data into it and record the relationship. */
    private SyncRecord applyReplica(VolumeRecord source, PoolRecord pool, String name, boolean thin,
                                    String existingTargetId, int syncType, JobRecord job) {
        ArrayState next = model.state();
        VolumeRecord target;
        boolean created = existingTargetId == null;
        if (created) {
            target = model.newVolume(pool.id(), name, thin, source.sizeBytes());
            next = next.withVolume(target);
        } else {
            target = next.volume(existingTargetId);
        }
        try {
            if (created) {
                model.luns().create(target.deviceId(), target.sizeBytes());
            }
            model.luns().copy(source.deviceId(), target.deviceId(), target.sizeBytes());
        } catch (IOException e) {
            if (created) {
                volumes.deleteQuietly(target.deviceId());
            }
            throw new CimException(CimStatus.FAILED, "Cannot copy the source's data: " + e.getMessage());
        }
        SyncRecord sync = new SyncRecord(source.deviceId(), target.deviceId(), syncType, SyncRecord.SYNCHRONIZED,
                model.now());
        next = next.withSync(sync);
        if (job != null) {
            next = model.withFinishedJob(next, job.finished(JobRecord.Phase.COMPLETED, model.now(), 0, null,
                    target.deviceId()));
        }
        try {
            model.commit(next);
        } catch (CimException e) {
            if (created) {
                volumes.deleteQuietly(target.deviceId());
            }
            throw e;
        }
        LOG.info("Replicated {} into {} '{}' (SyncType {})", source.deviceId(), target.deviceId(),
                target.elementName(), syncType);
        return sync;
    }

    /** Finish a replica job: check again against the current state, then replicate. */
    void runJob(JobRecord job) {
        ArrayState state = model.state();
        VolumeRecord source = state.volume(job.deviceId());
        if (source == null) {
            volumes.failJob(job, new Check(FAILED, 0, "the source " + job.deviceId() + " no longer exists"));
            return;
        }
        PoolRecord pool = state.pool(job.poolId());
        if (job.targetDeviceId() != null) {
            VolumeRecord target = state.volume(job.targetDeviceId());
            String problem = target == null ? "the target " + job.targetDeviceId() + " no longer exists"
                    : unusableTarget(state, source, target);
            if (problem != null) {
                volumes.failJob(job, new Check(FAILED, 0, problem));
                return;
            }
        } else {
            Check check = volumes.checkCreate(state, pool, job.elementName(), job.thin(), source.sizeBytes());
            if (!check.passed()) {
                volumes.failJob(job, check);
                return;
            }
        }
        applyReplica(source, pool, job.elementName(), job.thin(), job.targetDeviceId(), job.syncType(), job);
    }

    // ---------------------------------------------------------------- ModifyReplicaSynchronization

    MethodResult modifyReplicaSynchronization(MethodInvocation call) {
        Long operation = (Long) call.argument("Operation");
        if (operation == null) {
            return rejected(INVALID_PARAMETER, "Operation is required");
        }
        ObjectPath syncPath = (ObjectPath) call.argument("Synchronization");
        if (syncPath == null) {
            return rejected(INVALID_PARAMETER, "Synchronization is required");
        }
        ArrayState state = model.state();
        SyncRecord sync = resolveSync(state, syncPath);
        if (!OPERATIONS.contains(operation)) {
            return rejected(operation >= 2 && operation <= 27 ? NOT_SUPPORTED : INVALID_PARAMETER,
                    "Operation " + operation + " is not supported (" + OPERATIONS + " are)");
        }
        long now = model.now();
        try {
            switch (operation.intValue()) {
                case DETACH, DISSOLVE -> model.commit(state.withoutSyncOfTarget(sync.targetDeviceId()));
                case FRACTURE -> model.commit(state.withSync(sync.withCopyState(SyncRecord.FRACTURED,
                        sync.syncedMillis())));
                case RESYNC -> {
                    VolumeRecord target = state.volume(sync.targetDeviceId());
                    model.luns().copy(sync.sourceDeviceId(), target.deviceId(), target.sizeBytes());
                    model.commit(state.withSync(sync.withCopyState(SyncRecord.SYNCHRONIZED, now)));
                }
                case RESTORE -> {
                    VolumeRecord source = state.volume(sync.sourceDeviceId());
                    model.luns().copy(sync.targetDeviceId(), source.deviceId(), source.sizeBytes());
                }
                case RETURN_TO_POOL -> {
                    VolumeRecord target = state.volume(sync.targetDeviceId());
                    String inUse = model.inUse(state.withoutSyncOfTarget(target.deviceId()), target);
                    if (inUse != null) {
                        return rejected(IN_USE, target.deviceId() + " is in use: " + inUse);
                    }
                    model.commit(state.withoutVolume(target.deviceId()));
                    volumes.deleteQuietly(target.deviceId());
                }
                default -> throw new IllegalStateException("operation " + operation);
            }
        } catch (IOException e) {
            throw new CimException(CimStatus.FAILED, "Cannot copy the replica's data: " + e.getMessage());
        }
        LOG.info("ModifyReplicaSynchronization {} on {} -> {}", operation, sync.sourceDeviceId(),
                sync.targetDeviceId());
        return new MethodResult.Builder().build(OK);
    }

    private static SyncRecord resolveSync(ArrayState state, ObjectPath path) {
        SyncRecord sync = null;
        if (path.className().equalsIgnoreCase(Names.SYNC_CLASS)
                && path.key("SystemElement") instanceof ObjectPath source
                && path.key("SyncedElement") instanceof ObjectPath target) {
            VolumeRecord s = resolveVolumeOrNull(state, source);
            VolumeRecord t = resolveVolumeOrNull(state, target);
            SyncRecord candidate = t == null ? null : state.syncOfTarget(t.deviceId());
            if (s != null && candidate != null && candidate.sourceDeviceId().equals(s.deviceId())) {
                sync = candidate;
            }
        }
        if (sync == null) {
            throw CimException.notFound("Synchronization " + path + " does not exist");
        }
        return sync;
    }

    private static VolumeRecord resolveVolumeOrNull(ArrayState state, ObjectPath path) {
        try {
            return resolveVolume(state, path);
        } catch (CimException e) {
            return null;
        }
    }
}
