package org.storagegateway.smis.simulator.array;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.Behaviour;
import org.storagegateway.smis.simulator.BehaviourControl;
import org.storagegateway.smis.simulator.cim.CimClass;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimStatus;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.ops.CimBackend;
import org.storagegateway.smis.simulator.ops.MethodInvocation;
import org.storagegateway.smis.simulator.ops.MethodResult;
import org.storagegateway.smis.simulator.ops.Repository;

/**
 * The simulated array: its persisted {@link ArrayState}, the sparse files behind its volumes, and the jobs that
 * finish asynchronous calls. All access is serialised on this object; each change is written to disk (atomically)
 * before it becomes visible, so a restart finds exactly what clients last saw.
 */
public final class ArrayModel implements CimBackend, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArrayModel.class);

    /** The block size of every volume. */
    public static final long BLOCK_SIZE = 512;
    /** Finished jobs kept (DeleteOnCompletion is false; clients may delete them, the oldest go beyond this). */
    static final int FINISHED_JOBS_KEPT = 200;
    /** The IEEE company ID in the simulator's NAA names (a locally administered CID, so no vendor's). */
    static final String NAA_COMPANY_ID = "5A1E5A";

    private final StateStore store;
    private final LunStore luns;
    private final BehaviourControl behaviour;
    private final LongSupplier clock;
    private final ScheduledExecutorService jobRunner;
    private final StorageConfigurationMethods methods;
    private final ReplicationMethods replication;
    private ArrayState state;
    private volatile IscsiPortal portal = IscsiPortal.loopback(IscsiPortal.DEFAULT_PORT);
    private Repository cached;
    private ArrayState cachedState;
    private Behaviour cachedBehaviour;
    private IscsiPortal cachedPortal;
    private LunExports exports = LunExports.NONE;
    private final MaskingMethods masking;

    private ArrayModel(StateStore store, LunStore luns, BehaviourControl behaviour, LongSupplier clock,
                       ArrayState state) {
        this.store = store;
        this.luns = luns;
        this.behaviour = behaviour;
        this.clock = clock;
        this.state = state;
        this.methods = new StorageConfigurationMethods(this);
        this.replication = new ReplicationMethods(this, methods);
        this.masking = new MaskingMethods(this);
        this.jobRunner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "smis-simulator-jobs");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Open the array kept in a state directory, or create a new one there.
     *
     * @param capacityBytes the raw capacity of a new array (ignored when the state exists)
     */
    public static ArrayModel open(Path stateDir, long capacityBytes, BehaviourControl behaviour, LongSupplier clock)
            throws IOException {
        StateStore store = new StateStore(stateDir);
        LunStore luns = new LunStore(stateDir);
        ArrayState state = store.load();
        if (state == null) {
            state = initialState(capacityBytes);
            store.save(state);
            LOG.info("Created a new simulated array {} with {} bytes in {}", state.systemName(), capacityBytes,
                    stateDir);
        } else {
            LOG.info("Loaded the simulated array {} ({} volumes, {} jobs) from {}", state.systemName(),
                    state.volumes().size(), state.jobs().size(), store.file());
        }
        Map<String, Long> sizes = new HashMap<>();
        for (VolumeRecord v : state.volumes()) {
            sizes.put(v.deviceId(), v.sizeBytes());
        }
        luns.reconcile(sizes);
        ArrayModel model = new ArrayModel(store, luns, behaviour, clock, state);
        for (JobRecord j : state.jobs()) {
            if (j.phase() == JobRecord.Phase.RUNNING) {
                model.schedule(j);
            }
        }
        return model;
    }

    private static ArrayState initialState(long capacityBytes) {
        if (capacityBytes < 64L << 20) {
            throw new IllegalArgumentException("the array needs at least 64 MiB of capacity");
        }
        byte[] random = new byte[5];
        new SecureRandom().nextBytes(random);
        // Nine hex digits: the serial doubles as the 36-bit vendor-specific part of every NAA name.
        String serial = HexFormat.of().withUpperCase().formatHex(random).substring(0, 9);
        long mib = 1L << 20;
        long poolBytes = (capacityBytes * 2 / 5) / mib * mib;
        List<PoolRecord> pools = List.of(
                new PoolRecord(Names.PRIMORDIAL_POOL_ID, "Primordial pool", true, null, capacityBytes, false, 0),
                new PoolRecord(Names.THICK_POOL_ID, "Thick pool", false, Names.PRIMORDIAL_POOL_ID, poolBytes, false, 0),
                new PoolRecord(Names.THIN_POOL_ID, "Thin pool", false, Names.PRIMORDIAL_POOL_ID, poolBytes, true,
                        4 * poolBytes));
        return ArrayState.initial(serial, "SIM-" + serial, pools);
    }

    // ---------------------------------------------------------------- CimBackend

    /**
     * The instances as of now. Building them costs in proportion to the array (about 5 instances per volume), so the
     * view is kept until the state, the behaviour or the portal changes; not while a job runs (its progress moves).
     */
    @Override
    public synchronized Repository snapshot() {
        Behaviour b = behaviour.get();
        if (cached != null && cachedState == state && cachedBehaviour == b && cachedPortal == portal) {
            return cached;
        }
        Repository built = ObjectModel.build(state, behaviour, clock.getAsLong(), portal);
        boolean running = state.jobs().stream().anyMatch(j -> j.phase() == JobRecord.Phase.RUNNING);
        cached = running ? null : built;
        cachedState = state;
        cachedBehaviour = b;
        cachedPortal = portal;
        return built;
    }

    @Override
    public synchronized MethodResult invoke(MethodInvocation invocation) {
        CimClass c = invocation.target().cimClass();
        String method = invocation.method().name();
        if (c.isA("CIM_StorageConfigurationService")) {
            if (method.equalsIgnoreCase(Names.CREATE_OR_MODIFY)) {
                return methods.createOrModifyElementFromStoragePool(invocation);
            }
            if (method.equalsIgnoreCase(Names.RETURN_TO_POOL)) {
                return methods.returnToStoragePool(invocation);
            }
        }
        if (c.isA("CIM_ReplicationService")) {
            if (method.equalsIgnoreCase(Names.CREATE_ELEMENT_REPLICA)) {
                return replication.createElementReplica(invocation);
            }
            if (method.equalsIgnoreCase(Names.MODIFY_REPLICA_SYNCHRONIZATION)) {
                return replication.modifyReplicaSynchronization(invocation);
            }
        }
        if (c.isA("CIM_ConcreteJob") && method.equalsIgnoreCase("RequestStateChange")) {
            return requestStateChange(invocation);
        }
        if (c.isA("CIM_ControllerConfigurationService") || c.isA("CIM_GroupMaskingMappingService")
                || c.isA("CIM_StorageHardwareIDManagementService")) {
            MethodResult result = masking.invoke(method, invocation);
            if (result != null) {
                return result;
            }
        }
        throw new CimException(CimStatus.METHOD_NOT_AVAILABLE, c.name() + "." + method + " is not available");
    }

    /**
     * CIM_ConcreteJob.RequestStateChange: Terminate (4) or Kill (5) a running job ends it at once, Terminated or
     * Killed, before it changed anything (a job's work is applied only when it completes, so nothing is to roll back).
     * Return codes as CIM_ConcreteJob defines them: 0 done, 1 Suspend and Service are not supported, 5 an undefined
     * state, 4097 Invalid State Transition for a job that has ended or a Start of a running one, 4098 a TimeoutPeriod.
     */
    private MethodResult requestStateChange(MethodInvocation call) {
        JobRecord job = state.job(String.valueOf(call.targetPath().key("InstanceID")));
        if (job == null) {
            throw CimException.notFound("No job " + call.targetPath());
        }
        Long requested = (Long) call.argument("RequestedState");
        long rc;
        if (requested == null || requested < 2 || requested > 6) {
            rc = 5;
        } else if (call.argument("TimeoutPeriod") != null) {
            rc = 4098;
        } else if (job.phase() != JobRecord.Phase.RUNNING || requested == 2) {
            rc = 4097;
        } else if (requested == 3 || requested == 6) {
            rc = 1;
        } else {
            boolean kill = requested == 5;
            commit(withFinishedJob(state, job.finished(kill ? JobRecord.Phase.KILLED : JobRecord.Phase.TERMINATED,
                    now(), 0, (kill ? "Killed" : "Terminated") + " on request before it changed anything", null)));
            LOG.info("Job {} {} on request", job.id(), kill ? "killed" : "terminated");
            return new MethodResult.Builder().build(0);
        }
        LOG.info("RequestStateChange({}) on job {} ({}) refused with {}", requested, job.id(), job.phase(), rc);
        return new MethodResult.Builder().build(rc);
    }

    @Override
    public synchronized void deleteInstance(ObjectPath path) {
        CimClass c = SimulatorSchema.get().require(path.className());
        if (!c.isA("CIM_ConcreteJob")) {
            throw CimException.notSupported("Only jobs can be deleted; volumes go back with ReturnToStoragePool");
        }
        JobRecord job = state.job(String.valueOf(path.key("InstanceID")));
        if (job == null) {
            throw CimException.notFound("No job " + path);
        }
        if (job.phase() == JobRecord.Phase.RUNNING) {
            throw new CimException(CimStatus.FAILED, "The job " + job.id() + " is still running");
        }
        commit(state.withoutJob(job.id()));
    }

    @Override
    public void close() {
        exports.close();
        jobRunner.shutdownNow();
        try {
            jobRunner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- for the API and the methods

    /** The current state (immutable). */
    public synchronized ArrayState state() {
        return state;
    }

    BehaviourControl behaviour() {
        return behaviour;
    }

    long now() {
        return clock.getAsLong();
    }

    LunStore luns() {
        return luns;
    }

    ReplicationMethods replication() {
        return replication;
    }

    /** Why a volume cannot be returned to its pool now (replica source, mapped, in a device group), or null. */
    String inUse(ArrayState s, VolumeRecord volume) {
        List<SyncRecord> replicas = s.syncsOfSource(volume.deviceId());
        if (!replicas.isEmpty()) {
            return "it is the source of " + replicas.size() + " replica(s); detach or return them first";
        }
        List<ViewRecord> views = s.viewsOf(volume.deviceId());
        if (!views.isEmpty()) {
            return "it is mapped in " + views.get(0).deviceId() + "; hide it first";
        }
        for (MaskingGroupRecord g : s.groups()) {
            if (g.type() == MaskingGroupRecord.DEVICES && g.members().contains(volume.deviceId())) {
                return "it is a member of the device masking group " + g.name();
            }
        }
        return null;
    }

    /** The iSCSI portal the target port advertises. */
    public void portal(IscsiPortal next) {
        portal = next;
    }

    public IscsiPortal portal() {
        return portal;
    }

    /** Attach the data path and publish the current views through it. */
    public synchronized void exports(LunExports next) {
        exports = next;
        if (!state.views().isEmpty()) {
            try {
                next.publish(state, luns);
            } catch (CimException e) {
                LOG.warn("The masking views are not published: {}", e.getMessage());
            }
        }
    }

    /** Publish the current views again (a mapped volume changed size); a failure is logged, not thrown. */
    void republish() {
        try {
            exports.publish(state, luns);
        } catch (CimException e) {
            LOG.warn("The masking views are not published: {}", e.getMessage());
        }
    }

    /** Publish a masking change through the data path, then persist it; the data path follows a failed write back. */
    void commitPublished(ArrayState next) {
        ArrayState previous = state;
        exports.publish(next, luns);
        try {
            commit(next);
        } catch (CimException e) {
            try {
                exports.publish(previous, luns);
            } catch (CimException again) {
                LOG.error("Cannot restore the published views", again);
            }
            throw e;
        }
    }

    /** Persist a new state, then make it current; CIM_ERR_FAILED if it cannot be written. */
    void commit(ArrayState next) {
        try {
            store.save(next);
        } catch (IOException e) {
            LOG.error("Cannot write {}", store.file(), e);
            throw new CimException(CimStatus.FAILED, "The array cannot record the change: " + e.getMessage());
        }
        state = next;
    }

    /** A new volume record (not yet part of the state). */
    VolumeRecord newVolume(String poolId, String elementName, boolean thin, long sizeBytes) {
        long number = state.nextVolumeNumber();
        String deviceId = String.format(Locale.ROOT, "%05X", number);
        String name = elementName;
        if (name == null) {
            name = "SIM-VOL-" + deviceId;
            for (int i = 2; state.volumeNamed(name) != null; i++) {
                name = "SIM-VOL-" + deviceId + "-" + i;
            }
        }
        String naa = "6" + NAA_COMPANY_ID + state.serial() + String.format(Locale.ROOT, "%016X", number);
        return new VolumeRecord(number, deviceId, name, naa, poolId, BLOCK_SIZE, sizeBytes / BLOCK_SIZE, thin);
    }

    /** Record a new running job and schedule its end. */
    JobRecord submit(JobRecord.Operation operation, String methodName, String poolId, String deviceId,
                     String elementName, boolean thin, Long sizeBytes, boolean fail) {
        return submit(operation, methodName, poolId, deviceId, elementName, thin, sizeBytes, fail, null, null);
    }

    /** Record a new running job (a replica's when syncType is set) and schedule its end. */
    JobRecord submit(JobRecord.Operation operation, String methodName, String poolId, String deviceId,
                     String elementName, boolean thin, Long sizeBytes, boolean fail, Integer syncType,
                     String targetDeviceId) {
        String id = String.format(Locale.ROOT, "SIM:JOB-%06d", state.nextJobNumber());
        JobRecord job = new JobRecord(id, methodName, operation, poolId, deviceId, elementName, thin, sizeBytes, fail,
                now(), behaviour.jobDurationMillis(), JobRecord.Phase.RUNNING, null, null, null, null, syncType,
                targetDeviceId);
        commit(state.withJob(job));
        schedule(job);
        return job;
    }

    private void schedule(JobRecord job) {
        long delay = Math.max(0, job.submittedMillis() + job.durationMillis() - now());
        jobRunner.schedule(() -> finish(job.id()), delay, TimeUnit.MILLISECONDS);
    }

    private synchronized void finish(String jobId) {
        JobRecord job = state.job(jobId);
        if (job == null || job.phase() != JobRecord.Phase.RUNNING) {
            return;
        }
        try {
            methods.runJob(job);
        } catch (RuntimeException e) {
            LOG.error("Job {} failed unexpectedly", jobId, e);
            JobRecord current = state.job(jobId);
            if (current != null && current.phase() == JobRecord.Phase.RUNNING) {
                try {
                    commit(state.withJob(current.finished(JobRecord.Phase.EXCEPTION, now(), 1,
                            "Internal error: " + e.getMessage(), null)));
                } catch (CimException again) {
                    LOG.error("Cannot record the failure of job {}", jobId, again);
                }
            }
        }
    }

    /** The state with a finished job recorded and the oldest finished jobs beyond the limit dropped. */
    ArrayState withFinishedJob(ArrayState s, JobRecord finished) {
        ArrayState next = s.withJob(finished);
        List<JobRecord> done = new ArrayList<>();
        for (JobRecord j : next.jobs()) {
            if (j.phase() != JobRecord.Phase.RUNNING) {
                done.add(j);
            }
        }
        for (int i = 0; i < done.size() - FINISHED_JOBS_KEPT; i++) {
            next = next.withoutJob(done.get(i).id());
        }
        return next;
    }
}
