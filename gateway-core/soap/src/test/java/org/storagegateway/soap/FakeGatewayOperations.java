package org.storagegateway.soap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;

import org.storagegateway.engine.GatewayOperations;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.TargetPort;
import org.storagegateway.engine.model.DriverView;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.DriverDescriptor;

/**
 * An in-memory gateway for the SOAP tests: SRs, VDIs and tasks in maps, with the engine's rules that the tests need
 * (unknown objects, secret device-config keys, idempotency keys, rounding sizes to 1 MiB).
 *
 * <p>A name label listed in {@link #failures} makes the call that carries it throw what is registered, so that tests,
 * also ones driving the server from another process, can ask for any failure.
 */
final class FakeGatewayOperations implements GatewayOperations {
    static final long ALLOCATION_UNIT = 1024 * 1024;
    static final Instant T0 = Instant.parse("2026-01-02T03:04:05.123456789Z");

    /** Name labels that make a call fail, and with what. */
    final Map<String, Supplier<RuntimeException>> failures = new HashMap<>();

    private final Map<String, StorageRepositoryRecord> srs = new LinkedHashMap<>();
    private final Map<String, VirtualDiskRecord> vdis = new LinkedHashMap<>();
    private final Map<String, TaskRecord> tasks = new LinkedHashMap<>();
    private final Map<String, Object> byKey = new HashMap<>();
    private final Map<String, String> fingerprintByKey = new HashMap<>();
    private final List<DriverView> drivers = List.of(
            new DriverView(new DriverDescriptor("file", "Storage gateway project", "1.0.0", "1.0",
                    "VHD files in a local directory.",
                    List.of(new ConfigKey("path", "Directory holding the VHD files", true, false),
                            new ConfigKey("password", "A secret, for testing", false, true)),
                    EnumSet.of(Capability.VDI_SNAPSHOT, Capability.VDI_CREATE, Capability.VDI_CLONE,
                            Capability.VDI_DELETE, Capability.THIN_PROVISIONING)),
                    true),
            new DriverView(new DriverDescriptor("smis", "Example vendor", "2.3", "1.1", "An array through SMI-S.",
                    List.of(), Set.of()), false));

    synchronized void failOn(String nameLabel, Supplier<RuntimeException> failure) {
        failures.put(nameLabel, failure);
    }

    /** Add a SR directly and return it. */
    synchronized StorageRepositoryRecord addSr(String nameLabel) {
        StorageRepositoryRecord sr = new StorageRepositoryRecord(uuid(), "file", nameLabel,
                Map.of("path", "/srv/" + nameLabel), Set.of(), T0);
        srs.put(sr.uuid(), sr);
        return sr;
    }

    /** Add a failed, finished task directly and return it. */
    synchronized TaskRecord addFailedTask() {
        TaskRecord task = new TaskRecord(uuid(), "vdi.clone", "key-" + uuid(), "fp", TaskState.FAILURE, 1.0, false,
                Optional.of(uuid()), Optional.of("{}"), Optional.empty(),
                Optional.of(StandardErrorCode.CHAIN_TOO_DEEP.code()), Optional.of("CHAIN_TOO_DEEP"),
                Optional.of("INSUFFICIENT_RESOURCES"), Optional.of("The chain would be 31 deep"), Optional.empty(),
                T0, Optional.of(T0.plusSeconds(2)));
        tasks.put(task.uuid(), task);
        return task;
    }

    /** Add a running task directly and return it. */
    synchronized TaskRecord addRunningTask() {
        TaskRecord task = new TaskRecord(uuid(), "vdi.create", "key-" + uuid(), "fp", TaskState.RUNNING, 0.25, false,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), T0, Optional.empty());
        tasks.put(task.uuid(), task);
        return task;
    }

    @Override
    public synchronized List<DriverView> listDrivers() {
        return drivers;
    }

    @Override
    public synchronized List<StorageRepositoryRecord> listStorageRepositories() {
        return new ArrayList<>(srs.values());
    }

    @Override
    public synchronized StorageRepositoryRecord createStorageRepository(
            String type, String nameLabel, Map<String, String> deviceConfig, Optional<String> idempotencyKey) {
        maybeFail(nameLabel);
        String fingerprint = "sr.create|" + type + "|" + nameLabel + "|" + deviceConfig;
        Optional<StorageRepositoryRecord> again = replay(idempotencyKey, fingerprint, StorageRepositoryRecord.class);
        if (again.isPresent()) {
            return again.get();
        }
        DriverView driver = drivers.stream().filter(d -> d.descriptor().srType().equals(type)).findFirst()
                .orElseThrow(() -> new StorageException(StandardErrorCode.UNKNOWN_SR_TYPE, "No driver for SR type "
                        + type));
        if (!driver.available()) {
            throw new StorageException(StandardErrorCode.DRIVER_UNAVAILABLE, "The driver for " + type
                    + " is not loaded");
        }
        Map<String, String> visible = new LinkedHashMap<>();
        Set<String> secret = new TreeSet<>();
        deviceConfig.forEach((k, v) -> {
            boolean isSecret = driver.descriptor().configKey(k).map(ConfigKey::secret).orElse(false);
            if (isSecret) {
                secret.add(k);
            } else {
                visible.put(k, v);
            }
        });
        StorageRepositoryRecord sr = new StorageRepositoryRecord(uuid(), type, nameLabel, visible, secret,
                Instant.now());
        srs.put(sr.uuid(), sr);
        task("sr.create", fingerprint, idempotencyKey, sr.uuid(), sr.uuid());
        remember(idempotencyKey, fingerprint, sr);
        return sr;
    }

    @Override
    public synchronized List<VirtualDiskRecord> listVirtualDisks(String srUuid) {
        requireSr(srUuid);
        return vdis.values().stream().filter(v -> v.srUuid().equals(srUuid) && v.managed()).toList();
    }

    @Override
    public synchronized VirtualDiskRecord getVirtualDisk(String vdiUuid) {
        return requireVdi(vdiUuid);
    }

    @Override
    public synchronized VirtualDiskRecord createVirtualDisk(
            String srUuid, String nameLabel, long virtualSizeBytes, Optional<String> idempotencyKey) {
        maybeFail(nameLabel);
        String fingerprint = "vdi.create|" + srUuid + "|" + nameLabel + "|" + virtualSizeBytes;
        Optional<VirtualDiskRecord> again = replay(idempotencyKey, fingerprint, VirtualDiskRecord.class);
        if (again.isPresent()) {
            return again.get();
        }
        requireSr(srUuid);
        long size = (virtualSizeBytes + ALLOCATION_UNIT - 1) / ALLOCATION_UNIT * ALLOCATION_UNIT;
        VirtualDiskRecord vdi = new VirtualDiskRecord(uuid(), srUuid, nameLabel, size, 512, false, true, false,
                Optional.empty(), false, Optional.empty(), Map.of("vhd-format", "dynamic"), Instant.now());
        vdis.put(vdi.uuid(), vdi);
        task("vdi.create", fingerprint, idempotencyKey, srUuid, vdi.uuid());
        remember(idempotencyKey, fingerprint, vdi);
        return vdi;
    }

    @Override
    public synchronized VirtualDiskRecord cloneVirtualDisk(
            String vdiUuid, String nameLabel, Optional<String> idempotencyKey) {
        maybeFail(nameLabel);
        String fingerprint = "vdi.clone|" + vdiUuid + "|" + nameLabel;
        Optional<VirtualDiskRecord> again = replay(idempotencyKey, fingerprint, VirtualDiskRecord.class);
        if (again.isPresent()) {
            return again.get();
        }
        VirtualDiskRecord source = requireVdi(vdiUuid);
        VirtualDiskRecord clone = new VirtualDiskRecord(uuid(), source.srUuid(), nameLabel, source.virtualSize(), 512,
                false, true, false, Optional.of(source.uuid()), false, Optional.empty(),
                Map.of("vhd-parent", source.uuid()), Instant.now());
        vdis.put(clone.uuid(), clone);
        task("vdi.clone", fingerprint, idempotencyKey, vdiUuid, clone.uuid());
        remember(idempotencyKey, fingerprint, clone);
        return clone;
    }

    @Override
    public synchronized VirtualDiskRecord snapshotVirtualDisk(String vdiUuid, Optional<String> idempotencyKey) {
        String fingerprint = "vdi.snapshot|" + vdiUuid;
        Optional<VirtualDiskRecord> again = replay(idempotencyKey, fingerprint, VirtualDiskRecord.class);
        if (again.isPresent()) {
            return again.get();
        }
        VirtualDiskRecord source = requireVdi(vdiUuid);
        maybeFail(source.nameLabel());
        VirtualDiskRecord snapshot = new VirtualDiskRecord(uuid(), source.srUuid(), source.nameLabel(),
                source.virtualSize(), 512, true, true, false, Optional.of(source.uuid()), true,
                Optional.of(source.uuid()), Map.of("vhd-parent", source.uuid()), Instant.now());
        vdis.put(snapshot.uuid(), snapshot);
        task("vdi.snapshot", fingerprint, idempotencyKey, vdiUuid, snapshot.uuid());
        remember(idempotencyKey, fingerprint, snapshot);
        return snapshot;
    }

    @Override
    public synchronized VirtualDiskRecord resizeVirtualDisk(String vdiUuid, long virtualSizeBytes,
            Optional<String> idempotencyKey) {
        String fingerprint = "vdi.resize|" + vdiUuid + "|" + virtualSizeBytes;
        Optional<VirtualDiskRecord> again = replay(idempotencyKey, fingerprint, VirtualDiskRecord.class);
        if (again.isPresent()) {
            return again.get();
        }
        VirtualDiskRecord vdi = requireVdi(vdiUuid);
        maybeFail(vdi.nameLabel());
        if (virtualSizeBytes < vdi.virtualSize()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "VDI " + vdiUuid + " cannot shrink from "
                    + vdi.virtualSize() + " to " + virtualSizeBytes + " bytes");
        }
        long size = (virtualSizeBytes + ALLOCATION_UNIT - 1) / ALLOCATION_UNIT * ALLOCATION_UNIT;
        VirtualDiskRecord grown = new VirtualDiskRecord(vdi.uuid(), vdi.srUuid(), vdi.nameLabel(), size,
                vdi.physicalUtilisation(), vdi.readOnly(), vdi.managed(), vdi.hidden(), vdi.parentUuid(),
                vdi.snapshot(), vdi.snapshotOf(), vdi.smConfig(), vdi.createdAt());
        vdis.put(vdiUuid, grown);
        task("vdi.resize", fingerprint, idempotencyKey, vdiUuid, vdiUuid);
        remember(idempotencyKey, fingerprint, grown);
        return grown;
    }

    @Override
    public synchronized TaskRecord deleteVirtualDisk(String vdiUuid, Optional<String> idempotencyKey) {
        String fingerprint = "vdi.delete|" + vdiUuid;
        Optional<TaskRecord> again = replay(idempotencyKey, fingerprint, TaskRecord.class);
        if (again.isPresent()) {
            return again.get();
        }
        VirtualDiskRecord vdi = requireVdi(vdiUuid);
        maybeFail(vdi.nameLabel());
        vdis.remove(vdiUuid);
        TaskRecord task = task("vdi.delete", fingerprint, idempotencyKey, vdiUuid, null);
        remember(idempotencyKey, fingerprint, task);
        return task;
    }

    @Override
    public synchronized TaskRecord getTask(String taskUuid) {
        TaskRecord task = tasks.get(taskUuid);
        if (task == null) {
            throw new StorageException(StandardErrorCode.TASK_NOT_FOUND, "No task " + taskUuid);
        }
        return task;
    }

    @Override
    public synchronized TaskRecord cancelTask(String taskUuid) {
        TaskRecord task = getTask(taskUuid);
        if (task.state().isTerminal()) {
            return task;
        }
        TaskRecord cancelled = new TaskRecord(task.uuid(), task.operation(), task.idempotencyKey(),
                task.requestFingerprint(), task.state(), task.progress(), true, task.subjectUuid(), task.journal(),
                task.resultUuid(), task.errorCode(), task.errorName(), task.errorKind(), task.errorMessage(),
                task.resolution(), task.createdAt(), task.finishedAt());
        tasks.put(cancelled.uuid(), cancelled);
        return cancelled;
    }

    private void maybeFail(String nameLabel) {
        Supplier<RuntimeException> failure = failures.get(nameLabel);
        if (failure != null) {
            throw failure.get();
        }
    }

    private StorageRepositoryRecord requireSr(String srUuid) {
        StorageRepositoryRecord sr = srs.get(srUuid);
        if (sr == null) {
            throw new StorageException(StandardErrorCode.SR_NOT_FOUND, "No SR " + srUuid);
        }
        return sr;
    }

    private VirtualDiskRecord requireVdi(String vdiUuid) {
        VirtualDiskRecord vdi = vdis.get(vdiUuid);
        if (vdi == null) {
            throw new StorageException(StandardErrorCode.VDI_NOT_FOUND, "No VDI " + vdiUuid);
        }
        return vdi;
    }

    private <T> Optional<T> replay(Optional<String> key, String fingerprint, Class<T> type) {
        if (key.isEmpty() || !byKey.containsKey(key.get())) {
            return Optional.empty();
        }
        if (!Objects.equals(fingerprintByKey.get(key.get()), fingerprint)) {
            throw new StorageException(StandardErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "Idempotency key " + key.get() + " was used for a different request");
        }
        return Optional.of(type.cast(byKey.get(key.get())));
    }

    private void remember(Optional<String> key, String fingerprint, Object result) {
        key.ifPresent(k -> {
            byKey.put(k, result);
            fingerprintByKey.put(k, fingerprint);
        });
    }

    private TaskRecord task(String operation, String fingerprint, Optional<String> key, String subject,
            String result) {
        Instant now = Instant.now();
        TaskRecord task = new TaskRecord(uuid(), operation, key.orElse("derived-" + uuid()), fingerprint,
                TaskState.SUCCESS, 1.0, false, Optional.ofNullable(subject), Optional.of("{}"),
                Optional.ofNullable(result), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), now, Optional.of(now));
        tasks.put(task.uuid(), task);
        return task;
    }

    // ---- storage-admin operations: one array, system "SYS-1" with pool "P1", behind any SR of type "smis"

    private final Map<String, LunInfo> luns = new LinkedHashMap<>();
    private final Map<String, String> exposedTo = new HashMap<>();

    private void requireArray(String srUuid) {
        StorageRepositoryRecord sr = srs.get(srUuid);
        if (sr == null) {
            throw new StorageException(StandardErrorCode.SR_NOT_FOUND, "No SR with UUID " + srUuid);
        }
        if (!sr.type().equals("smis")) {
            throw new StorageException(StandardErrorCode.UNSUPPORTED_OPERATION,
                    "SR type '" + sr.type() + "' does not support ARRAY_ADMINISTRATION");
        }
    }

    @Override
    public synchronized List<ProbeEntry> listStorageSystems(String srUuid) {
        requireArray(srUuid);
        return List.of(new ProbeEntry(ProbeEntry.Kind.STORAGE_SYSTEM, "SYS-1", "Example array", Map.of("model", "X")));
    }

    @Override
    public synchronized List<ProbeEntry> listStoragePools(String srUuid, String systemId) {
        requireArray(srUuid);
        return List.of(new ProbeEntry(ProbeEntry.Kind.STORAGE_POOL, "P1", "Pool one", Map.of("total-bytes", "1000")));
    }

    @Override
    public synchronized List<LunInfo> listLuns(String srUuid, String poolId) {
        requireArray(srUuid);
        return luns.values().stream().filter(l -> l.poolId().equals(poolId)).toList();
    }

    @Override
    public synchronized List<TargetPort> listTargetPorts(String srUuid) {
        requireArray(srUuid);
        return List.of(new TargetPort("iqn.2026-01.example:array,t,0x0001", "iscsi", "127.0.0.1:3260"));
    }

    @Override
    public synchronized LunInfo createLun(String srUuid, String poolId, String name, long sizeBytes,
            Optional<String> idempotencyKey) {
        requireArray(srUuid);
        task("lun.create", "fp", idempotencyKey, srUuid, null);
        return luns.computeIfAbsent(name, n -> new LunInfo(String.format("%05d", luns.size() + 1), n, poolId,
                sizeBytes, sizeBytes, Map.of("naa", "600A0B8000000000000000000000000" + (luns.size() + 1))));
    }

    @Override
    public synchronized TaskRecord deleteLun(String srUuid, String lunId, Optional<String> idempotencyKey) {
        requireArray(srUuid);
        if (exposedTo.containsKey(lunId)) {
            throw new StorageException(StandardErrorCode.VDI_IN_USE, "LUN " + lunId + " is exposed");
        }
        luns.values().removeIf(l -> l.id().equals(lunId));
        return task("lun.delete", "fp", idempotencyKey, srUuid, null);
    }

    @Override
    public synchronized LunInfo resizeLun(String srUuid, String lunId, long sizeBytes,
            Optional<String> idempotencyKey) {
        requireArray(srUuid);
        LunInfo lun = luns.values().stream().filter(l -> l.id().equals(lunId)).findFirst().orElseThrow(
                () -> new StorageException(StandardErrorCode.INVALID_ARGUMENT, "No LUN " + lunId));
        LunInfo grown = new LunInfo(lun.id(), lun.name(), lun.poolId(), sizeBytes, sizeBytes, lun.attributes());
        luns.put(lun.name(), grown);
        return grown;
    }

    @Override
    public synchronized Datapath.Iscsi exposeLun(String srUuid, String lunId, String initiatorIqn,
            Optional<String> idempotencyKey) {
        requireArray(srUuid);
        exposedTo.put(lunId, initiatorIqn);
        return new Datapath.Iscsi("127.0.0.1:3260", "iqn.2026-01.example:array:spc-1", Integer.parseInt(lunId) - 1);
    }

    @Override
    public synchronized TaskRecord hideLun(String srUuid, String lunId, String initiatorIqn,
            Optional<String> idempotencyKey) {
        requireArray(srUuid);
        exposedTo.remove(lunId, initiatorIqn);
        return task("lun.hide", "fp", idempotencyKey, srUuid, null);
    }

    // ---- sr-probe: the file SRs already at a path ("file" does not declare SR_PROBE here, the fake answers anyway)

    @Override
    public synchronized List<ProbeEntry> probeStorageRepository(String type, Map<String, String> deviceConfig) {
        DriverView driver = drivers.stream().filter(d -> d.descriptor().srType().equals(type)).findFirst()
                .orElseThrow(() -> new StorageException(StandardErrorCode.UNKNOWN_SR_TYPE, "No driver for SR type "
                        + type));
        if (!driver.available()) {
            throw new StorageException(StandardErrorCode.DRIVER_UNAVAILABLE, "The driver for " + type
                    + " is not loaded");
        }
        String path = deviceConfig.get("path");
        maybeFail(path);
        return srs.values().stream().filter(sr -> sr.type().equals(type) && sr.deviceConfig().get("path") != null
                && sr.deviceConfig().get("path").equals(path))
                .map(sr -> new ProbeEntry(ProbeEntry.Kind.STORAGE_REPOSITORY, sr.uuid(), sr.nameLabel(),
                        Map.of("path", path)))
                .toList();
    }

    /** Add an SR of type smis directly and return it. */
    synchronized StorageRepositoryRecord addArraySr(String nameLabel) {
        StorageRepositoryRecord sr = new StorageRepositoryRecord(uuid(), "smis", nameLabel,
                Map.of("address", "array.example"), Set.of("password"), T0);
        srs.put(sr.uuid(), sr);
        return sr;
    }

    private static String uuid() {
        return UUID.randomUUID().toString();
    }
}
