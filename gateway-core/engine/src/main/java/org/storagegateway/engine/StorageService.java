package org.storagegateway.engine;

import static org.storagegateway.spi.StandardErrorCode.DRIVER_UNAVAILABLE;
import static org.storagegateway.spi.StandardErrorCode.INVALID_ARGUMENT;
import static org.storagegateway.spi.StandardErrorCode.OPERATION_NOT_ALLOWED;
import static org.storagegateway.spi.StandardErrorCode.SR_NOT_FOUND;
import static org.storagegateway.spi.StandardErrorCode.TASK_NOT_FOUND;
import static org.storagegateway.spi.StandardErrorCode.UNKNOWN_SR_TYPE;
import static org.storagegateway.spi.StandardErrorCode.UNSUPPORTED_OPERATION;
import static org.storagegateway.spi.StandardErrorCode.VDI_IN_USE;
import static org.storagegateway.spi.StandardErrorCode.VDI_NOT_FOUND;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.storagegateway.engine.TaskRunner.Plan;
import org.storagegateway.engine.TaskRunner.TaskRequest;
import org.storagegateway.engine.model.DriverRecord;
import org.storagegateway.engine.model.DriverView;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.engine.port.DriverRegistry;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.engine.port.StoreTransaction;
import org.storagegateway.spi.SpiVersion;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.TaskMonitor;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.TargetPort;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.VdiInfo;

/**
 * The gateway's storage operations: validates requests, runs each mutation as a journaled task through a driver, and
 * keeps the records in step with what the driver reports. Also the reconciler of its own operations.
 */
public final class StorageService implements GatewayOperations, TaskReconciler {
    static final String SR_CREATE = "sr.create";
    static final String VDI_CREATE = "vdi.create";
    static final String VDI_CLONE = "vdi.clone";
    static final String VDI_SNAPSHOT = "vdi.snapshot";
    static final String VDI_DELETE = "vdi.delete";
    static final String VDI_RESIZE = "vdi.resize";
    static final String SR_GC = "sr.gc";
    static final String BASE_COPY_NAME = "base copy";
    private static final int MAX_NAME_LENGTH = 255;

    private final GatewayStore store;
    private final DriverRegistry registry;
    private final TaskRunner tasks;
    private final Clock clock;
    /** SRs where garbage may have appeared (a VDI was deleted, or the gateway started) since the last collection. */
    private final Set<String> garbageSuspected = ConcurrentHashMap.newKeySet();
    /** The storage-admin operations on arrays behind SRs (delegated below). */
    private final ArrayAdministrationService arrays;
    /** Who has VDIs attached; the VM service, once there is one. */
    private volatile AttachedDisks attachedDisks = AttachedDisks.NONE;

    public StorageService(GatewayStore store, DriverRegistry registry, TaskRunner tasks, Clock clock) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.tasks = Objects.requireNonNull(tasks, "tasks is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.arrays = new ArrayAdministrationService(store, registry, tasks, clock);
    }

    /** Learn from {@code disks} which VDIs are attached, and tell it when one of them grows. */
    public void useAttachedDisks(AttachedDisks disks) {
        this.attachedDisks = Objects.requireNonNull(disks, "disks is null");
    }

    // ---- drivers

    @Override
    public List<DriverView> listDrivers() {
        Map<String, DriverView> views = new TreeMap<>();
        for (DriverRecord seen : store.inTransaction(tx -> tx.drivers().list())) {
            DriverDescriptor lastSeen = new DriverDescriptor(seen.srType(), seen.vendor(), seen.version(),
                    seen.requiredSpiVersion(), "Not loaded", List.of(), capabilities(seen.capabilities()));
            views.put(seen.srType(), new DriverView(lastSeen, false));
        }
        for (DriverDescriptor loaded : registry.loadedDrivers()) {
            views.put(loaded.srType(), new DriverView(loaded, true));
        }
        return List.copyOf(views.values());
    }

    /** Record a driver that was loaded; keeps the first time it was seen. */
    public void recordDriverSeen(DriverDescriptor descriptor) {
        store.useTransaction(tx -> {
            var now = clock.instant();
            var firstSeen = tx.drivers().find(descriptor.srType()).map(DriverRecord::firstSeen).orElse(now);
            tx.drivers().save(new DriverRecord(descriptor.srType(), descriptor.vendor(), descriptor.version(),
                    descriptor.requiredSpiVersion(),
                    descriptor.capabilities().stream().map(Enum::name).collect(Collectors.toSet()), firstSeen, now));
        });
    }

    /** Return whether this host's SPI satisfies a driver's required SPI version (same major, minor not above ours). */
    public static boolean spiCompatible(String requiredSpiVersion) {
        String[] ours = SpiVersion.VERSION.split("\\.");
        String[] wanted = requiredSpiVersion.split("\\.");
        return ours[0].equals(wanted[0]) && Integer.parseInt(wanted[1]) <= Integer.parseInt(ours[1]);
    }

    // ---- storage repositories

    @Override
    public List<StorageRepositoryRecord> listStorageRepositories() {
        return store.inTransaction(tx -> tx.repositories().list());
    }

    @Override
    public StorageRepositoryRecord createStorageRepository(
            String type, String nameLabel, Map<String, String> deviceConfig, Optional<String> idempotencyKey) {
        requireName(nameLabel);
        Objects.requireNonNull(deviceConfig, "deviceConfig is null");
        DriverDescriptor driver = loadedDriver(type);
        Map<String, String> plain = new TreeMap<>();
        Map<String, String> secrets = new TreeMap<>();
        splitDeviceConfig(driver, deviceConfig, plain, secrets);
        for (ConfigKey key : driver.configSchema()) {
            if (key.required() && !deviceConfig.containsKey(key.name())) {
                throw new StorageException(INVALID_ARGUMENT,
                        "SR type " + type + " needs device-config key '" + key.name() + "': " + key.description());
            }
        }
        String srUuid = UUID.randomUUID().toString();
        // Secret values stay out of the journal and the fingerprint; only their keys are recorded.
        TaskRequest request = new TaskRequest(SR_CREATE, idempotencyKey,
                fingerprint(SR_CREATE, type, nameLabel, plain.toString(), secrets.keySet().toString()),
                Optional.of(srUuid));
        AtomicReference<StorageRepositoryRecord> saved = new AtomicReference<>();
        TaskRecord task = tasks.run(request, prepareTx -> new Plan(
                Journal.of("srUuid", srUuid, "type", type, "nameLabel", nameLabel), monitor -> {
                    RepositoryConfig config = new RepositoryConfig(srUuid, nameLabel, plain);
                    registry.call(type, factory -> {
                        StorageRepository repository = factory.open(config, context(type, secrets, monitor));
                        repository.create();
                        repository.attach();
                        return null;
                    });
                    return tx -> {
                        StorageRepositoryRecord record = new StorageRepositoryRecord(srUuid, type, nameLabel, plain,
                                secrets.keySet(), clock.instant());
                        tx.repositories().save(record);
                        tx.repositories().saveSecrets(srUuid, secrets);
                        saved.set(record);
                        return Optional.of(srUuid);
                    };
                }));
        return savedOr(saved, () -> repository(task.resultUuid().orElseThrow()));
    }

    /**
     * sr-probe: the driver's {@link org.storagegateway.spi.StorageDriverFactory#probe} with a host context that
     * belongs to no SR. Keys the driver flags secret reach it only through {@code DriverContext.secret}, as for an SR.
     */
    @Override
    public List<ProbeEntry> probeStorageRepository(String type, Map<String, String> deviceConfig) {
        Objects.requireNonNull(deviceConfig, "deviceConfig is null");
        DriverDescriptor driver = loadedDriver(type);
        if (!driver.supports(Capability.SR_PROBE)) {
            throw new StorageException(UNSUPPORTED_OPERATION, "SR type '" + type + "' does not support "
                    + Capability.SR_PROBE);
        }
        Map<String, String> plain = new TreeMap<>();
        Map<String, String> secrets = new TreeMap<>();
        splitDeviceConfig(driver, deviceConfig, plain, secrets);
        return List.copyOf(registry.call(type,
                factory -> factory.probe(Map.copyOf(plain), context(type, secrets, HostDriverContext.NO_TASK))));
    }

    /** Sort device-config into the driver's plain and secret keys; a key the driver does not know is refused. */
    private static void splitDeviceConfig(DriverDescriptor driver, Map<String, String> deviceConfig,
                                          Map<String, String> plain, Map<String, String> secrets) {
        for (Map.Entry<String, String> entry : deviceConfig.entrySet()) {
            ConfigKey key = driver.configKey(entry.getKey()).orElseThrow(() -> new StorageException(INVALID_ARGUMENT,
                    "SR type " + driver.srType() + " does not know device-config key '" + entry.getKey()
                            + "'; it knows " + driver.configSchema().stream().map(ConfigKey::name).toList()));
            (key.secret() ? secrets : plain).put(entry.getKey(), Objects.requireNonNull(entry.getValue()));
        }
    }

    // ---- virtual disks

    @Override
    public List<VirtualDiskRecord> listVirtualDisks(String srUuid) {
        return store.inTransaction(tx -> {
            findRepository(tx, srUuid);
            return tx.virtualDisks().listBySr(srUuid).stream().filter(VirtualDiskRecord::managed).toList();
        });
    }

    @Override
    public VirtualDiskRecord getVirtualDisk(String vdiUuid) {
        return store.inTransaction(tx -> findDisk(tx, vdiUuid));
    }

    @Override
    public VirtualDiskRecord createVirtualDisk(
            String srUuid, String nameLabel, long virtualSizeBytes, Optional<String> idempotencyKey) {
        String vdiUuid = UUID.randomUUID().toString();
        TaskRequest request = new TaskRequest(VDI_CREATE, idempotencyKey,
                fingerprint(VDI_CREATE, srUuid, nameLabel, Long.toString(virtualSizeBytes)), Optional.of(vdiUuid));
        AtomicReference<VirtualDiskRecord> saved = new AtomicReference<>();
        TaskRecord task = tasks.run(request, prepareTx -> {
            requireName(nameLabel);
            if (virtualSizeBytes <= 0) {
                throw new StorageException(INVALID_ARGUMENT,
                        "virtualSizeBytes must be positive, got " + virtualSizeBytes);
            }
            StorageRepositoryRecord sr = findRepository(prepareTx, srUuid);
            requireCapability(sr, Capability.VDI_CREATE);
            Map<String, String> secrets = secrets(prepareTx, sr);
            return new Plan(Journal.of("srUuid", srUuid, "vdiUuid", vdiUuid, "nameLabel", nameLabel), monitor -> {
                VdiInfo created = onRepository(sr, secrets, monitor, repository -> repository.createVdi(
                        new CreateVdiRequest(VDI_CREATE + ":" + vdiUuid, vdiUuid, virtualSizeBytes)));
                return tx -> {
                    VirtualDiskRecord record = newDisk(created, sr.uuid(), nameLabel, false, Optional.empty());
                    tx.virtualDisks().save(record);
                    saved.set(record);
                    return Optional.of(vdiUuid);
                };
            });
        });
        return savedOr(saved, () -> getVirtualDisk(task.resultUuid().orElseThrow()));
    }

    @Override
    public VirtualDiskRecord cloneVirtualDisk(String vdiUuid, String nameLabel, Optional<String> idempotencyKey) {
        Objects.requireNonNull(nameLabel, "nameLabel is null");
        return copy(VDI_CLONE, vdiUuid, Optional.of(nameLabel), idempotencyKey);
    }

    @Override
    public VirtualDiskRecord snapshotVirtualDisk(String vdiUuid, Optional<String> idempotencyKey) {
        return copy(VDI_SNAPSHOT, vdiUuid, Optional.empty(), idempotencyKey);
    }

    private VirtualDiskRecord copy(
            String operation, String vdiUuid, Optional<String> nameLabel, Optional<String> idempotencyKey) {
        boolean snapshot = operation.equals(VDI_SNAPSHOT);
        String newUuid = UUID.randomUUID().toString();
        String baseCopyUuid = UUID.randomUUID().toString();
        TaskRequest request = new TaskRequest(operation, idempotencyKey,
                snapshot ? fingerprint(operation, vdiUuid) : fingerprint(operation, vdiUuid, nameLabel.orElseThrow()),
                Optional.of(vdiUuid));
        AtomicReference<VirtualDiskRecord> saved = new AtomicReference<>();
        TaskRecord task = tasks.run(request, prepareTx -> {
            nameLabel.ifPresent(StorageService::requireName);
            VirtualDiskRecord source = requireUserDisk(findDisk(prepareTx, vdiUuid));
            StorageRepositoryRecord sr = findRepository(prepareTx, source.srUuid());
            requireCapability(sr, snapshot ? Capability.VDI_SNAPSHOT : Capability.VDI_CLONE);
            String name = nameLabel.orElse(source.nameLabel());
            Journal journal = Journal.of("srUuid", sr.uuid(), "sourceUuid", vdiUuid, "newUuid", newUuid,
                    "baseCopyUuid", baseCopyUuid, "nameLabel", name);
            Map<String, String> secrets = secrets(prepareTx, sr);
            return new Plan(journal, monitor -> {
                CloneRequest spiRequest = new CloneRequest(operation + ":" + newUuid, vdiUuid, newUuid, baseCopyUuid);
                CloneResult result = onRepository(sr, secrets, monitor, repository -> snapshot
                        ? repository.snapshotVdi(spiRequest) : repository.cloneVdi(spiRequest));
                return tx -> {
                    saved.set(recordCopy(tx, sr.uuid(), result, name, snapshot));
                    return Optional.of(result.created().uuid());
                };
            });
        });
        return savedOr(saved, () -> getVirtualDisk(task.resultUuid().orElseThrow()));
    }

    @Override
    public TaskRecord deleteVirtualDisk(String vdiUuid, Optional<String> idempotencyKey) {
        TaskRequest request = new TaskRequest(VDI_DELETE, idempotencyKey, fingerprint(VDI_DELETE, vdiUuid),
                Optional.of(vdiUuid));
        return tasks.run(request, prepareTx -> {
            VirtualDiskRecord disk = requireUserDisk(findDisk(prepareTx, vdiUuid));
            StorageRepositoryRecord sr = findRepository(prepareTx, disk.srUuid());
            requireCapability(sr, Capability.VDI_DELETE);
            Map<String, String> secrets = secrets(prepareTx, sr);
            return new Plan(Journal.of("srUuid", sr.uuid(), "vdiUuid", vdiUuid), monitor -> {
                List<VdiInfo> remaining = onRepository(sr, secrets, monitor, repository -> {
                    repository.deleteVdi(vdiUuid);
                    return repository.scan();
                });
                garbageSuspected.add(sr.uuid());
                return tx -> {
                    tx.virtualDisks().delete(vdiUuid);
                    syncInternalDisks(tx, sr.uuid(), remaining);
                    return Optional.of(vdiUuid);
                };
            });
        });
    }

    /**
     * Grow a VDI as a task. An attached VDI is grown only by a driver that declares {@code VDI_RESIZE_ONLINE}, and then
     * every running guest that has it plugged is made to see the new size. If a guest could not be told, the task
     * fails with the bridge's code while the storage and the record keep the new size; resizing again retries.
     */
    @Override
    public VirtualDiskRecord resizeVirtualDisk(String vdiUuid, long virtualSizeBytes, Optional<String> idempotencyKey) {
        TaskRequest request = new TaskRequest(VDI_RESIZE, idempotencyKey,
                fingerprint(VDI_RESIZE, vdiUuid, Long.toString(virtualSizeBytes)), Optional.of(vdiUuid));
        AtomicReference<VirtualDiskRecord> saved = new AtomicReference<>();
        TaskRecord task = tasks.run(request, prepareTx -> {
            if (virtualSizeBytes <= 0) {
                throw new StorageException(INVALID_ARGUMENT,
                        "virtualSizeBytes must be positive, got " + virtualSizeBytes);
            }
            VirtualDiskRecord disk = requireUserDisk(findDisk(prepareTx, vdiUuid));
            StorageRepositoryRecord sr = findRepository(prepareTx, disk.srUuid());
            requireCapability(sr, Capability.VDI_RESIZE);
            if (virtualSizeBytes < disk.virtualSize()) {
                throw new StorageException(INVALID_ARGUMENT, "VDI " + vdiUuid + " cannot shrink from "
                        + disk.virtualSize() + " to " + virtualSizeBytes + " bytes");
            }
            if (attachedDisks.attached(vdiUuid) && !driver(sr).supports(Capability.VDI_RESIZE_ONLINE)) {
                throw new StorageException(VDI_IN_USE, "VDI " + vdiUuid + " is attached, and SR type '" + sr.type()
                        + "' cannot resize an attached VDI (no " + Capability.VDI_RESIZE_ONLINE + "): unplug it first");
            }
            Map<String, String> secrets = secrets(prepareTx, sr);
            Journal journal = Journal.of("srUuid", sr.uuid(), "vdiUuid", vdiUuid, "virtualSizeBytes",
                    Long.toString(virtualSizeBytes));
            return new Plan(journal, monitor -> {
                VdiInfo grown = onRepository(sr, secrets, monitor,
                        repository -> repository.resizeVdi(vdiUuid, virtualSizeBytes));
                try {
                    attachedDisks.refreshSize(vdiUuid);
                } catch (StorageException e) {
                    // The storage grew, whatever the guest saw: the record says so although the task fails.
                    store.useTransaction(tx -> tx.virtualDisks().find(vdiUuid)
                            .ifPresent(record -> tx.virtualDisks().save(updated(record, grown))));
                    throw new StorageException(e.errorCode(), "VDI " + vdiUuid + " grew to " + grown.virtualSize()
                            + " bytes, but a guest that has it plugged still sees the old size (" + e.getMessage()
                            + "); resize it again to retry", e);
                }
                return tx -> {
                    VirtualDiskRecord record = updated(findDisk(tx, vdiUuid), grown);
                    tx.virtualDisks().save(record);
                    saved.set(record);
                    return Optional.of(vdiUuid);
                };
            });
        });
        return savedOr(saved, () -> getVirtualDisk(task.resultUuid().orElseThrow()));
    }

    // ---- datapath (hypervisor bridge): attach and detach are not tasks, they change no record

    /**
     * Give a host access to a VDI through its SR's driver (XenAPI VDI.attach + activate) and say how to reach it.
     * Idempotent per VDI: the driver keeps one export per attached VDI.
     */
    public Datapath attachVirtualDisk(String vdiUuid, boolean readOnly) {
        VirtualDiskRecord disk = requireUserDisk(getVirtualDisk(vdiUuid));
        StorageRepositoryRecord sr = repository(disk.srUuid());
        requireCapability(sr, Capability.VDI_ATTACH);
        return onRepository(sr, HostDriverContext.NO_TASK, repository -> repository.attachVdi(vdiUuid, readOnly));
    }

    /** Withdraw what {@link #attachVirtualDisk} gave. Idempotent; a VDI gone is already detached. */
    public void detachVirtualDisk(String vdiUuid) {
        VirtualDiskRecord disk = store.inTransaction(tx -> tx.virtualDisks().find(vdiUuid)).orElse(null);
        if (disk == null) {
            return;
        }
        onRepository(repository(disk.srUuid()), HostDriverContext.NO_TASK, repository -> {
            repository.detachVdi(vdiUuid);
            return null;
        });
    }

    // ---- garbage collection

    /** Note that an SR may hold garbage, so the next {@link #collectSuspectedGarbage} visits it. */
    public void suspectGarbage(String srUuid) {
        garbageSuspected.add(srUuid);
    }

    /**
     * Collect garbage on every SR suspected to hold some whose driver can, each call a journaled task, until the
     * driver reports no more work. Returns the number of tasks run.
     */
    public int collectSuspectedGarbage(GarbageCollectionLimits limits) {
        int runs = 0;
        for (String srUuid : List.copyOf(garbageSuspected)) {
            garbageSuspected.remove(srUuid);
            Optional<StorageRepositoryRecord> sr = store.inTransaction(tx -> tx.repositories().find(srUuid));
            if (sr.isEmpty() || registry.descriptor(sr.get().type())
                    .filter(d -> d.supports(Capability.SR_GARBAGE_COLLECTION)).isEmpty()) {
                continue;
            }
            GarbageCollectionReport report;
            do {
                report = collectGarbage(sr.get(), limits);
                runs++;
            } while (report.moreWork() && report.coalesced() + report.deleted() > 0);
        }
        return runs;
    }

    private GarbageCollectionReport collectGarbage(StorageRepositoryRecord sr, GarbageCollectionLimits limits) {
        GarbageCollectionReport[] report = new GarbageCollectionReport[1];
        TaskRequest request = new TaskRequest(SR_GC, Optional.empty(), fingerprint(SR_GC, sr.uuid()),
                Optional.of(sr.uuid()));
        tasks.run(request, prepareTx -> new Plan(Journal.of("srUuid", sr.uuid()), monitor -> {
            List<VdiInfo> onStorage = onRepository(sr, monitor, repository -> {
                report[0] = repository.collectGarbage(limits);
                return repository.scan();
            });
            return tx -> {
                syncInternalDisks(tx, sr.uuid(), onStorage);
                return Optional.of(sr.uuid());
            };
        }));
        return report[0];
    }

    // ---- tasks

    @Override
    public TaskRecord getTask(String taskUuid) {
        return store.inTransaction(tx -> tx.tasks().find(taskUuid))
                .orElseThrow(() -> new StorageException(TASK_NOT_FOUND, "No task with UUID " + taskUuid));
    }

    @Override
    public TaskRecord cancelTask(String taskUuid) {
        return tasks.requestCancel(taskUuid);
    }

    // ---- storage-admin operations on the array behind an SR: see ArrayAdministrationService

    @Override
    public List<ProbeEntry> listStorageSystems(String srUuid) {
        return arrays.listStorageSystems(srUuid);
    }

    @Override
    public List<ProbeEntry> listStoragePools(String srUuid, String systemId) {
        return arrays.listStoragePools(srUuid, systemId);
    }

    @Override
    public List<LunInfo> listLuns(String srUuid, String poolId) {
        return arrays.listLuns(srUuid, poolId);
    }

    @Override
    public List<TargetPort> listTargetPorts(String srUuid) {
        return arrays.listTargetPorts(srUuid);
    }

    @Override
    public LunInfo createLun(String srUuid, String poolId, String name, long sizeBytes,
            Optional<String> idempotencyKey) {
        return arrays.createLun(srUuid, poolId, name, sizeBytes, idempotencyKey);
    }

    @Override
    public TaskRecord deleteLun(String srUuid, String lunId, Optional<String> idempotencyKey) {
        return arrays.deleteLun(srUuid, lunId, idempotencyKey);
    }

    @Override
    public LunInfo resizeLun(String srUuid, String lunId, long sizeBytes, Optional<String> idempotencyKey) {
        return arrays.resizeLun(srUuid, lunId, sizeBytes, idempotencyKey);
    }

    @Override
    public Datapath.Iscsi exposeLun(String srUuid, String lunId, String initiatorIqn,
            Optional<String> idempotencyKey) {
        return arrays.exposeLun(srUuid, lunId, initiatorIqn, idempotencyKey);
    }

    @Override
    public TaskRecord hideLun(String srUuid, String lunId, String initiatorIqn, Optional<String> idempotencyKey) {
        return arrays.hideLun(srUuid, lunId, initiatorIqn, idempotencyKey);
    }

    // ---- reconciliation of interrupted tasks

    @Override
    public String requiredSrType(TaskRecord task) {
        Journal journal = journal(task);
        if (task.operation().equals(SR_CREATE)) {
            return journal.get("type");
        }
        return repository(journal.get("srUuid")).type();
    }

    @Override
    public Reconciliation reconcile(TaskRecord task) {
        Journal journal = journal(task);
        return switch (task.operation()) {
            case SR_CREATE -> reconcileRepositoryCreate(journal);
            case VDI_CREATE -> reconcileDiskCreate(journal);
            case VDI_CLONE, VDI_SNAPSHOT -> reconcileCopy(journal, task.operation().equals(VDI_SNAPSHOT));
            case VDI_DELETE -> reconcileDelete(journal);
            case VDI_RESIZE -> reconcileResize(journal);
            case SR_GC -> reconcileGarbageCollection(journal);
            case ArrayAdministrationService.LUN_CREATE, ArrayAdministrationService.LUN_DELETE,
                    ArrayAdministrationService.LUN_RESIZE, ArrayAdministrationService.LUN_EXPOSE,
                    ArrayAdministrationService.LUN_HIDE -> arrays.reconcile(task, journal);
            default -> throw new StorageException(org.storagegateway.spi.StandardErrorCode.INTERNAL_ERROR,
                    "No reconciler for operation " + task.operation());
        };
    }

    /**
     * An interrupted SR creation never recorded the SR, and its secrets were not journaled, so it cannot be finished:
     * the caller creates the SR again. Storage the driver may have prepared is empty and is reused by a probe.
     */
    private Reconciliation reconcileRepositoryCreate(Journal journal) {
        return Reconciliation.rolledBackUntouched();
    }

    /**
     * Forward if the VDI exists on the storage (record it). Otherwise back: the driver deletes whatever the create
     * left unfinished.
     */
    private Reconciliation reconcileDiskCreate(Journal journal) {
        StorageRepositoryRecord sr = repository(journal.get("srUuid"));
        String vdiUuid = journal.get("vdiUuid");
        Optional<VdiInfo> found = scan(sr).stream().filter(v -> v.uuid().equals(vdiUuid)).findFirst();
        if (found.isEmpty()) {
            onRepository(sr, HostDriverContext.NO_TASK, repository -> {
                repository.deleteVdi(vdiUuid);
                return null;
            });
            return Reconciliation.rolledBackUntouched();
        }
        return new Reconciliation(TaskRecord.Resolution.ROLLED_FORWARD, tx -> {
            tx.virtualDisks().save(newDisk(found.get(), sr.uuid(), journal.get("nameLabel"), false, Optional.empty()));
            return Optional.of(vdiUuid);
        });
    }

    /**
     * Forward while the source exists: the journaled request is repeated, and the driver, idempotent by contract,
     * finds on the storage which steps are done and completes the others. Back if the source is gone. Either way the
     * records of internal VDIs are brought in line with the storage, so no disk is left unrecorded.
     */
    private Reconciliation reconcileCopy(Journal journal, boolean snapshot) {
        StorageRepositoryRecord sr = repository(journal.get("srUuid"));
        String sourceUuid = journal.get("sourceUuid");
        String newUuid = journal.get("newUuid");
        String operation = snapshot ? VDI_SNAPSHOT : VDI_CLONE;
        boolean sourceOnStorage = scan(sr).stream().anyMatch(v -> v.uuid().equals(sourceUuid));
        if (!sourceOnStorage) {
            List<VdiInfo> onStorage = scan(sr);
            return new Reconciliation(TaskRecord.Resolution.ROLLED_BACK, tx -> {
                syncInternalDisks(tx, sr.uuid(), onStorage);
                return Optional.empty();
            });
        }
        CloneRequest request = new CloneRequest(operation + ":" + newUuid, sourceUuid, newUuid,
                journal.get("baseCopyUuid"));
        CloneResult result = onRepository(sr, HostDriverContext.NO_TASK,
                repository -> snapshot ? repository.snapshotVdi(request) : repository.cloneVdi(request));
        List<VdiInfo> onStorage = scan(sr);
        return new Reconciliation(TaskRecord.Resolution.ROLLED_FORWARD, tx -> {
            recordCopy(tx, sr.uuid(), result, journal.get("nameLabel"), snapshot);
            syncInternalDisks(tx, sr.uuid(), onStorage);
            return Optional.of(result.created().uuid());
        });
    }

    /** Forward: the delete is repeated (the driver also collects what an interrupted delete left behind). */
    private Reconciliation reconcileDelete(Journal journal) {
        StorageRepositoryRecord sr = repository(journal.get("srUuid"));
        String vdiUuid = journal.get("vdiUuid");
        List<VdiInfo> onStorage = onRepository(sr, HostDriverContext.NO_TASK, repository -> {
            repository.deleteVdi(vdiUuid);
            return repository.scan();
        });
        return new Reconciliation(TaskRecord.Resolution.ROLLED_FORWARD, tx -> {
            tx.virtualDisks().delete(vdiUuid);
            syncInternalDisks(tx, sr.uuid(), onStorage);
            return Optional.of(vdiUuid);
        });
    }

    /**
     * Forward if the VDI's virtual size on the storage reached the request, back if it did not: a driver's grow is
     * all or nothing. Either way the record takes the size the storage has. VMs did not outlive the gateway, so no
     * guest is told.
     */
    private Reconciliation reconcileResize(Journal journal) {
        StorageRepositoryRecord sr = repository(journal.get("srUuid"));
        String vdiUuid = journal.get("vdiUuid");
        Optional<VdiInfo> found = scan(sr).stream().filter(v -> v.uuid().equals(vdiUuid)).findFirst();
        boolean grown = found.filter(v -> v.virtualSize() >= Long.parseLong(journal.get("virtualSizeBytes")))
                .isPresent();
        return new Reconciliation(grown ? TaskRecord.Resolution.ROLLED_FORWARD : TaskRecord.Resolution.ROLLED_BACK,
                tx -> {
                    found.ifPresent(info -> tx.virtualDisks().find(vdiUuid)
                            .ifPresent(record -> tx.virtualDisks().save(updated(record, info))));
                    return grown ? Optional.of(vdiUuid) : Optional.empty();
                });
    }

    /** Forward: the driver finishes the coalesce its own journal names; the records follow the storage. */
    private Reconciliation reconcileGarbageCollection(Journal journal) {
        StorageRepositoryRecord sr = repository(journal.get("srUuid"));
        List<VdiInfo> onStorage = onRepository(sr, HostDriverContext.NO_TASK, repository -> {
            repository.collectGarbage(new GarbageCollectionLimits(Long.MAX_VALUE, 0));
            return repository.scan();
        });
        garbageSuspected.add(sr.uuid());
        return new Reconciliation(TaskRecord.Resolution.ROLLED_FORWARD, tx -> {
            syncInternalDisks(tx, sr.uuid(), onStorage);
            return Optional.of(sr.uuid());
        });
    }

    // ---- helpers

    private List<VdiInfo> scan(StorageRepositoryRecord sr) {
        return onRepository(sr, HostDriverContext.NO_TASK, StorageRepository::scan);
    }

    /** Open the SR through its driver for one call, with its secrets read now, and run {@code work}. */
    private <T> T onRepository(StorageRepositoryRecord sr, TaskMonitor monitor, Function<StorageRepository, T> work) {
        Map<String, String> secrets = sr.secretKeys().isEmpty() ? Map.of() : store.inTransaction(tx -> secrets(tx, sr));
        return onRepository(sr, secrets, monitor, work);
    }

    /** Open the SR through its driver for one call, with the given secrets, and run {@code work}. */
    private <T> T onRepository(StorageRepositoryRecord sr, Map<String, String> secrets, TaskMonitor monitor,
            Function<StorageRepository, T> work) {
        RepositoryConfig config = new RepositoryConfig(sr.uuid(), sr.nameLabel(), sr.deviceConfig());
        return registry.call(sr.type(),
                factory -> work.apply(factory.open(config, context(sr.type(), secrets, monitor))));
    }

    private static Map<String, String> secrets(StoreTransaction tx, StorageRepositoryRecord sr) {
        return sr.secretKeys().isEmpty() ? Map.of() : tx.repositories().secrets(sr.uuid());
    }

    private HostDriverContext context(String srType, Map<String, String> secrets, TaskMonitor monitor) {
        return new HostDriverContext(srType, secrets, store, clock, monitor);
    }

    /**
     * Record the outcome of a clone or snapshot: the new VDI, the source as it is now, and any base copy. Returns the
     * new VDI's record as saved.
     */
    private VirtualDiskRecord recordCopy(
            StoreTransaction tx, String srUuid, CloneResult result, String name, boolean snapshot) {
        VirtualDiskRecord source = findDisk(tx, result.source().uuid());
        VirtualDiskRecord created = newDisk(result.created(), srUuid, name, snapshot,
                snapshot ? Optional.of(source.uuid()) : Optional.empty());
        tx.virtualDisks().insert(created);
        tx.virtualDisks().save(updated(source, result.source()));
        result.baseCopy().ifPresent(base -> tx.virtualDisks().find(base.uuid()).ifPresentOrElse(
                existing -> tx.virtualDisks().save(updated(existing, base)),
                () -> tx.virtualDisks().insert(newInternalDisk(base, srUuid))));
        return created;
    }

    /** Return the record a task's completion saved, or, for a replayed task, the record read from the store. */
    private static <T> T savedOr(AtomicReference<T> saved, Supplier<T> stored) {
        T record = saved.get();
        return record != null ? record : stored.get();
    }

    /**
     * Bring the records of internal VDIs (hidden base copies) in line with the storage: record the ones found, and
     * forget the ones the storage no longer has. User-visible VDIs are left alone.
     */
    private void syncInternalDisks(StoreTransaction tx, String srUuid, List<VdiInfo> onStorage) {
        Map<String, VdiInfo> byUuid = new HashMap<>();
        onStorage.forEach(v -> byUuid.put(v.uuid(), v));
        Map<String, VirtualDiskRecord> recorded = new LinkedHashMap<>();
        tx.virtualDisks().listBySr(srUuid).forEach(r -> recorded.put(r.uuid(), r));
        for (VirtualDiskRecord record : recorded.values()) {
            VdiInfo info = byUuid.get(record.uuid());
            if (info == null && !record.managed()) {
                tx.virtualDisks().delete(record.uuid());
            } else if (info != null) {
                tx.virtualDisks().save(updated(record, info));
            }
        }
        for (VdiInfo info : onStorage) {
            if (!recorded.containsKey(info.uuid()) && info.hidden()) {
                tx.virtualDisks().save(newInternalDisk(info, srUuid));
            }
        }
    }

    private VirtualDiskRecord newDisk(
            VdiInfo info, String srUuid, String nameLabel, boolean snapshot, Optional<String> snapshotOf) {
        return new VirtualDiskRecord(info.uuid(), srUuid, nameLabel, info.virtualSize(), info.physicalUtilisation(),
                info.readOnly() || snapshot, true, info.hidden(), info.parentUuid(), snapshot, snapshotOf,
                info.smConfig(), clock.instant());
    }

    private VirtualDiskRecord newInternalDisk(VdiInfo info, String srUuid) {
        return new VirtualDiskRecord(info.uuid(), srUuid, BASE_COPY_NAME, info.virtualSize(),
                info.physicalUtilisation(), true, false, true, info.parentUuid(), false, Optional.empty(),
                info.smConfig(), clock.instant());
    }

    private static VirtualDiskRecord updated(VirtualDiskRecord record, VdiInfo info) {
        return new VirtualDiskRecord(record.uuid(), record.srUuid(), record.nameLabel(), info.virtualSize(),
                info.physicalUtilisation(), info.readOnly() || record.snapshot(), record.managed(), info.hidden(),
                info.parentUuid(), record.snapshot(), record.snapshotOf(), info.smConfig(), record.createdAt());
    }

    private DriverDescriptor loadedDriver(String type) {
        if (type == null || type.isBlank()) {
            throw new StorageException(INVALID_ARGUMENT, "The SR type is missing");
        }
        return registry.descriptor(type).orElseThrow(() -> {
            boolean seen = store.inTransaction(tx -> tx.drivers().find(type)).isPresent();
            return seen
                    ? new StorageException(DRIVER_UNAVAILABLE, "The driver for SR type '" + type + "' is not loaded")
                    : new StorageException(UNKNOWN_SR_TYPE, "Unknown SR type '" + type + "'; loaded types are "
                            + registry.loadedDrivers().stream().map(DriverDescriptor::srType).toList());
        });
    }

    private void requireCapability(StorageRepositoryRecord sr, Capability capability) {
        if (!driver(sr).supports(capability)) {
            throw new StorageException(UNSUPPORTED_OPERATION,
                    "SR type '" + sr.type() + "' does not support " + capability);
        }
    }

    private DriverDescriptor driver(StorageRepositoryRecord sr) {
        return registry.descriptor(sr.type()).orElseThrow(() -> new StorageException(DRIVER_UNAVAILABLE,
                "The driver for SR type '" + sr.type() + "' of SR " + sr.uuid() + " is not loaded"));
    }

    private StorageRepositoryRecord repository(String srUuid) {
        return store.inTransaction(tx -> findRepository(tx, srUuid));
    }

    private static StorageRepositoryRecord findRepository(StoreTransaction tx, String srUuid) {
        return tx.repositories().find(srUuid)
                .orElseThrow(() -> new StorageException(SR_NOT_FOUND, "No SR with UUID " + srUuid));
    }

    private static VirtualDiskRecord findDisk(StoreTransaction tx, String vdiUuid) {
        return tx.virtualDisks().find(vdiUuid)
                .orElseThrow(() -> new StorageException(VDI_NOT_FOUND, "No VDI with UUID " + vdiUuid));
    }

    /** Return {@code disk} if users may act on it: managed and not hidden. */
    private static VirtualDiskRecord requireUserDisk(VirtualDiskRecord disk) {
        if (!disk.managed() || disk.hidden()) {
            throw new StorageException(OPERATION_NOT_ALLOWED,
                    "VDI " + disk.uuid() + " is an internal base copy; it cannot be changed directly");
        }
        return disk;
    }

    private static Journal journal(TaskRecord task) {
        return Journal.fromJson(task.journal().orElseThrow(() -> new StorageException(
                org.storagegateway.spi.StandardErrorCode.INTERNAL_ERROR, "Task " + task.uuid() + " has no journal")));
    }

    private static void requireName(String nameLabel) {
        if (nameLabel == null || nameLabel.isBlank()) {
            throw new StorageException(INVALID_ARGUMENT, "nameLabel must not be blank");
        }
        if (nameLabel.length() > MAX_NAME_LENGTH) {
            throw new StorageException(INVALID_ARGUMENT,
                    "nameLabel is limited to " + MAX_NAME_LENGTH + " characters");
        }
    }

    private static Set<Capability> capabilities(Set<String> names) {
        List<Capability> known = new ArrayList<>();
        for (String name : names) {
            try {
                known.add(Capability.valueOf(name));
            } catch (IllegalArgumentException e) {
                // A capability from a newer SPI than this host knows; it cannot be used here anyway.
            }
        }
        return Set.copyOf(known);
    }

    static String fingerprint(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
