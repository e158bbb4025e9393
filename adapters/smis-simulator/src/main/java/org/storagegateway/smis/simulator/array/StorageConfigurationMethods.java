package org.storagegateway.smis.simulator.array;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.Fault;
import org.storagegateway.smis.simulator.ReplyMode;
import org.storagegateway.smis.simulator.cim.CimClass;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimStatus;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.ops.MethodInvocation;
import org.storagegateway.smis.simulator.ops.MethodResult;

/**
 * The Block Services methods of the StorageConfigurationService: CreateOrModifyElementFromStoragePool (create, or
 * resize/rename with TheElement) and ReturnToStoragePool. Domain failures are return codes as the profile says;
 * references to objects that do not exist are CIM_ERR_NOT_FOUND. Called with the model's lock held.
 */
final class StorageConfigurationMethods {
    private static final Logger LOG = LoggerFactory.getLogger(StorageConfigurationMethods.class);

    static final long OK = 0;
    static final long FAILED = 4;
    static final long INVALID_PARAMETER = 5;
    static final long IN_USE = 6;
    static final long JOB_STARTED = 4096;
    static final long SIZE_NOT_SUPPORTED = 4097;

    /** ElementType values: StorageVolume and ThinlyProvisionedStorageVolume. */
    static final long STORAGE_VOLUME = 2;
    static final long THIN_STORAGE_VOLUME = 5;

    private static final int MAX_NAME_LENGTH = 256;

    private final ArrayModel model;

    StorageConfigurationMethods(ArrayModel model) {
        this.model = model;
    }

    /** The outcome of checking a request against the current state. */
    record Check(long returnCode, long sizeBytes, String reason) {
        static Check ok(long sizeBytes) {
            return new Check(OK, sizeBytes, null);
        }

        boolean passed() {
            return returnCode == OK;
        }
    }

    // ---------------------------------------------------------------- CreateOrModifyElementFromStoragePool

    MethodResult createOrModifyElementFromStoragePool(MethodInvocation call) {
        ObjectPath theElement = (ObjectPath) call.argument("TheElement");
        return theElement == null ? create(call) : modify(call, theElement);
    }

    private MethodResult create(MethodInvocation call) {
        ArrayState state = model.state();
        ObjectPath inPool = (ObjectPath) call.argument("InPool");
        if (inPool == null) {
            return rejected(INVALID_PARAMETER, "InPool is required to create an element");
        }
        PoolRecord pool = resolvePool(state, inPool);
        ObjectPath goal = (ObjectPath) call.argument("Goal");
        if (goal != null) {
            if (model.snapshot().find(goal) == null) {
                throw CimException.notFound("Goal " + goal + " does not exist");
            }
            return rejected(INVALID_PARAMETER, "Goal settings are not supported");
        }
        Long elementType = (Long) call.argument("ElementType");
        long type = elementType == null ? STORAGE_VOLUME : elementType;
        if (type != STORAGE_VOLUME && type != THIN_STORAGE_VOLUME) {
            return rejected(INVALID_PARAMETER, "ElementType " + type + " is not supported (2 and 5 are)");
        }
        boolean thin = type == THIN_STORAGE_VOLUME;
        Long size = (Long) call.argument("Size");
        if (size == null) {
            return rejected(INVALID_PARAMETER, "Size is required to create an element");
        }
        String name = elementName(call);
        if (name != null && name.isEmpty()) {
            name = null;
        }
        if (name != null && !validName(name)) {
            return rejected(INVALID_PARAMETER, "ElementName is too long or holds control characters");
        }
        Check check = checkCreate(state, pool, name, thin, size);
        if (!check.passed()) {
            return sizeResult(check);
        }
        String method = call.method().name();
        boolean fail = model.behaviour().take(Fault.Kind.FAILED_JOB, method).isPresent();
        if (fail || model.behaviour().replyModeFor(method) == ReplyMode.JOB) {
            JobRecord job = model.submit(JobRecord.Operation.CREATE, method, pool.id(), null, name, thin,
                    check.sizeBytes(), fail);
            return new MethodResult.Builder()
                    .add("Job", CimType.REFERENCE, ObjectModel.jobPath(job.id()))
                    .add("Size", CimType.UINT64, check.sizeBytes())
                    .build(JOB_STARTED);
        }
        VolumeRecord v = applyCreate(pool, name, thin, check.sizeBytes(), null);
        return new MethodResult.Builder()
                .add("TheElement", CimType.REFERENCE, ObjectModel.volumePath(model.state(), v.deviceId()))
                .add("Size", CimType.UINT64, v.sizeBytes())
                .build(OK);
    }

    private MethodResult modify(MethodInvocation call, ObjectPath theElement) {
        ArrayState state = model.state();
        VolumeRecord volume = resolveVolume(state, theElement);
        if (call.argument("InPool") != null) {
            return rejected(INVALID_PARAMETER, "InPool must be NULL when TheElement is given");
        }
        if (call.argument("Goal") != null) {
            return rejected(INVALID_PARAMETER, "Goal settings are not supported");
        }
        String name = elementName(call);
        if (name != null && (name.isEmpty() || name.equals(volume.elementName()))) {
            name = null;
        }
        if (name != null && !validName(name)) {
            return rejected(INVALID_PARAMETER, "ElementName is too long or holds control characters");
        }
        Long size = (Long) call.argument("Size");
        Check check = checkModify(state, volume, name, size);
        if (!check.passed()) {
            return sizeResult(check);
        }
        String method = call.method().name();
        boolean fail = model.behaviour().take(Fault.Kind.FAILED_JOB, method).isPresent();
        if (fail || model.behaviour().replyModeFor(method) == ReplyMode.JOB) {
            JobRecord job = model.submit(JobRecord.Operation.MODIFY, method, null, volume.deviceId(), name, false,
                    size == null ? null : check.sizeBytes(), fail);
            return new MethodResult.Builder()
                    .add("Job", CimType.REFERENCE, ObjectModel.jobPath(job.id()))
                    .add("Size", CimType.UINT64, check.sizeBytes())
                    .build(JOB_STARTED);
        }
        VolumeRecord v = applyModify(volume, name, size == null ? null : check.sizeBytes(), null);
        return new MethodResult.Builder()
                .add("TheElement", CimType.REFERENCE, ObjectModel.volumePath(model.state(), v.deviceId()))
                .add("Size", CimType.UINT64, v.sizeBytes())
                .build(OK);
    }

    // ---------------------------------------------------------------- ReturnToStoragePool

    MethodResult returnToStoragePool(MethodInvocation call) {
        ObjectPath theElement = (ObjectPath) call.argument("TheElement");
        if (theElement == null) {
            return rejected(INVALID_PARAMETER, "TheElement is required");
        }
        VolumeRecord volume = resolveVolume(model.state(), theElement);
        String inUse = model.inUse(model.state(), volume);
        if (inUse != null) {
            return rejected(IN_USE, volume.deviceId() + " is in use: " + inUse);
        }
        String method = call.method().name();
        boolean fail = model.behaviour().take(Fault.Kind.FAILED_JOB, method).isPresent();
        if (fail || model.behaviour().replyModeFor(method) == ReplyMode.JOB) {
            JobRecord job = model.submit(JobRecord.Operation.RETURN, method, null, volume.deviceId(), null, false,
                    null, fail);
            return new MethodResult.Builder()
                    .add("Job", CimType.REFERENCE, ObjectModel.jobPath(job.id()))
                    .build(JOB_STARTED);
        }
        applyReturn(volume, null);
        return new MethodResult.Builder().build(OK);
    }

    // ---------------------------------------------------------------- jobs

    /** Do a job's work now (re-checking it against the current state) and record how it ended. */
    void runJob(JobRecord job) {
        long now = model.now();
        if (job.injectedFailure()) {
            model.commit(model.withFinishedJob(model.state(), job.finished(JobRecord.Phase.EXCEPTION, now,
                    (int) FAILED, "Injected fault: the job failed", null)));
            return;
        }
        ArrayState state = model.state();
        switch (job.operation()) {
            case CREATE -> {
                PoolRecord pool = state.pool(job.poolId());
                Check check = pool == null ? new Check(FAILED, 0, "the pool " + job.poolId() + " no longer exists")
                        : checkCreate(state, pool, job.elementName(), job.thin(), job.sizeBytes());
                if (!check.passed()) {
                    failJob(job, check);
                    return;
                }
                applyCreate(pool, job.elementName(), job.thin(), check.sizeBytes(), job);
            }
            case MODIFY -> {
                VolumeRecord v = state.volume(job.deviceId());
                Check check = v == null ? new Check(FAILED, 0, "the volume " + job.deviceId() + " no longer exists")
                        : checkModify(state, v, job.elementName(), job.sizeBytes());
                if (!check.passed()) {
                    failJob(job, check);
                    return;
                }
                applyModify(v, job.elementName(), job.sizeBytes(), job);
            }
            case RETURN -> {
                VolumeRecord v = state.volume(job.deviceId());
                if (v == null) {
                    failJob(job, new Check(FAILED, 0, "the volume " + job.deviceId() + " no longer exists"));
                    return;
                }
                String inUse = model.inUse(state, v);
                if (inUse != null) {
                    failJob(job, new Check(IN_USE, 0, v.deviceId() + " is in use: " + inUse));
                    return;
                }
                applyReturn(v, job);
            }
            case REPLICA -> model.replication().runJob(job);
            default -> throw new IllegalStateException("unknown operation " + job.operation());
        }
    }

    void failJob(JobRecord job, Check check) {
        LOG.info("Job {} failed: {}", job.id(), check.reason());
        model.commit(model.withFinishedJob(model.state(), job.finished(JobRecord.Phase.EXCEPTION, model.now(),
                (int) check.returnCode(), check.reason(), null)));
    }

    // ---------------------------------------------------------------- checks

    Check checkCreate(ArrayState state, PoolRecord pool, String name, boolean thin, long requested) {
        if (pool.primordial()) {
            return new Check(INVALID_PARAMETER, 0, "volumes cannot be allocated from the primordial pool");
        }
        if (thin && !pool.thin()) {
            return new Check(INVALID_PARAMETER, 0, pool.id() + " does not provision thin volumes");
        }
        if (name != null && state.volumeNamed(name) != null) {
            return new Check(FAILED, 0, "a volume named " + name + " exists");
        }
        if (requested == 0) {
            return new Check(INVALID_PARAMETER, 0, "Size must be positive");
        }
        long available = thin ? pool.subscriptionLimitBytes() - state.subscribedThinBytes(pool)
                : state.remainingBytes(pool);
        return sized(requested, available, 0);
    }

    private Check checkModify(ArrayState state, VolumeRecord volume, String name, Long requested) {
        if (name != null && state.volumeNamed(name) != null) {
            return new Check(FAILED, 0, "a volume named " + name + " exists");
        }
        if (requested == null) {
            return Check.ok(volume.sizeBytes());
        }
        if (requested == 0) {
            return new Check(INVALID_PARAMETER, 0, "Size must be positive");
        }
        PoolRecord pool = state.pool(volume.poolId());
        long available = volume.thin() ? pool.subscriptionLimitBytes() - state.subscribedThinBytes(pool)
                : state.remainingBytes(pool);
        // The volume's own size is available to it when it is resized.
        return sized(requested, available, volume.sizeBytes());
    }

    /**
     * Round a requested size up to whole blocks and check it against the space available (plus what the element
     * already holds); 4097 with the largest size that fits when it does not.
     */
    private static Check sized(long requested, long available, long alreadyHeld) {
        long limit = Math.max(0, available) + alreadyHeld;
        long fits = limit / ArrayModel.BLOCK_SIZE * ArrayModel.BLOCK_SIZE;
        // uint64 sizes beyond Long.MAX_VALUE arrive negative (two's complement): they never fit.
        if (requested < 0 || requested > Long.MAX_VALUE - ArrayModel.BLOCK_SIZE) {
            return new Check(SIZE_NOT_SUPPORTED, fits, "the size is larger than any the array supports");
        }
        long rounded = (requested + ArrayModel.BLOCK_SIZE - 1) / ArrayModel.BLOCK_SIZE * ArrayModel.BLOCK_SIZE;
        if (rounded > limit) {
            return new Check(SIZE_NOT_SUPPORTED, fits,
                    "not enough space: " + rounded + " bytes requested, " + fits + " available");
        }
        return Check.ok(rounded);
    }

    // ---------------------------------------------------------------- changes

    private VolumeRecord applyCreate(PoolRecord pool, String name, boolean thin, long sizeBytes, JobRecord job) {
        VolumeRecord v = model.newVolume(pool.id(), name, thin, sizeBytes);
        try {
            model.luns().create(v.deviceId(), sizeBytes);
        } catch (IOException e) {
            throw new CimException(CimStatus.FAILED, "Cannot create the volume's data file: " + e.getMessage());
        }
        ArrayState next = model.state().withVolume(v);
        if (job != null) {
            next = model.withFinishedJob(next, job.finished(JobRecord.Phase.COMPLETED, model.now(), 0, null,
                    v.deviceId()));
        }
        try {
            model.commit(next);
        } catch (CimException e) {
            deleteQuietly(v.deviceId());
            throw e;
        }
        LOG.info("Created volume {} '{}' of {} bytes in {}{}", v.deviceId(), v.elementName(), v.sizeBytes(),
                pool.id(), v.thin() ? " (thin)" : "");
        return v;
    }

    private VolumeRecord applyModify(VolumeRecord volume, String name, Long sizeBytes, JobRecord job) {
        VolumeRecord v = volume;
        if (name != null) {
            v = v.withElementName(name);
        }
        if (sizeBytes != null) {
            v = v.withBlocks(sizeBytes / ArrayModel.BLOCK_SIZE);
        }
        boolean grows = v.sizeBytes() > volume.sizeBytes();
        boolean shrinks = v.sizeBytes() < volume.sizeBytes();
        ArrayState next = model.state().replacingVolume(v);
        if (job != null) {
            next = model.withFinishedJob(next, job.finished(JobRecord.Phase.COMPLETED, model.now(), 0, null,
                    v.deviceId()));
        }
        try {
            // Grow the file before the state says the volume is larger; shrink it after.
            if (grows) {
                model.luns().resize(v.deviceId(), v.sizeBytes());
            }
            try {
                model.commit(next);
            } catch (CimException e) {
                if (grows) {
                    model.luns().resize(v.deviceId(), volume.sizeBytes());
                }
                throw e;
            }
            if (shrinks) {
                model.luns().resize(v.deviceId(), v.sizeBytes());
            }
        } catch (IOException e) {
            throw new CimException(CimStatus.FAILED, "Cannot resize the volume's data file: " + e.getMessage());
        }
        if (grows || shrinks) {
            model.republish();
        }
        LOG.info("Modified volume {} '{}': {} bytes", v.deviceId(), v.elementName(), v.sizeBytes());
        return v;
    }

    private void applyReturn(VolumeRecord volume, JobRecord job) {
        ArrayState next = model.state().withoutVolume(volume.deviceId());
        if (job != null) {
            next = model.withFinishedJob(next, job.finished(JobRecord.Phase.COMPLETED, model.now(), 0, null, null));
        }
        model.commit(next);
        deleteQuietly(volume.deviceId());
        LOG.info("Returned volume {} '{}' ({} bytes) to {}", volume.deviceId(), volume.elementName(),
                volume.sizeBytes(), volume.poolId());
    }

    void deleteQuietly(String deviceId) {
        try {
            model.luns().delete(deviceId);
        } catch (IOException e) {
            // The next start removes files that belong to no volume.
            LOG.warn("Cannot delete the data file of {}: {}", deviceId, e.toString());
        }
    }

    // ---------------------------------------------------------------- parameters

    static String elementName(MethodInvocation call) {
        Object name = call.argument("ElementName");
        return name == null ? null : name.toString().trim();
    }

    static boolean validName(String name) {
        return name.length() <= MAX_NAME_LENGTH && name.chars().noneMatch(Character::isISOControl);
    }

    static MethodResult rejected(long returnCode, String reason) {
        LOG.info("Rejected with {}: {}", returnCode, reason);
        return new MethodResult.Builder().build(returnCode);
    }

    static MethodResult sizeResult(Check check) {
        LOG.info("Rejected with {}: {}", check.returnCode(), check.reason());
        MethodResult.Builder b = new MethodResult.Builder();
        if (check.returnCode() == SIZE_NOT_SUPPORTED) {
            b.add("Size", CimType.UINT64, check.sizeBytes());
        }
        return b.build(check.returnCode());
    }

    static PoolRecord resolvePool(ArrayState state, ObjectPath path) {
        CimClass c = SimulatorSchema.get().find(path.className());
        Object id = path.key("InstanceID");
        PoolRecord pool = c != null && c.isA("CIM_StoragePool") && inArrayNamespace(path) && id != null
                ? state.pool(id.toString()) : null;
        if (pool == null || !c.name().equalsIgnoreCase(Names.POOL_CLASS)) {
            throw CimException.notFound("InPool " + path + " does not exist");
        }
        return pool;
    }

    static VolumeRecord resolveVolume(ArrayState state, ObjectPath path) {
        CimClass c = SimulatorSchema.get().find(path.className());
        Object deviceId = path.key("DeviceID");
        VolumeRecord v = c != null && c.name().equalsIgnoreCase(Names.VOLUME_CLASS) && inArrayNamespace(path)
                && deviceId != null && state.systemName().equals(path.key("SystemName"))
                && Names.SYSTEM_CLASS.equals(path.key("SystemCreationClassName"))
                && Names.VOLUME_CLASS.equals(path.key("CreationClassName"))
                ? state.volume(deviceId.toString()) : null;
        if (v == null) {
            throw CimException.notFound("TheElement " + path + " does not exist");
        }
        return v;
    }

    private static boolean inArrayNamespace(ObjectPath path) {
        return ObjectPath.canonicalNamespace(path.namespace()).equals(Names.ARRAY_NAMESPACE);
    }
}
