package org.storagegateway.engine;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.storagegateway.engine.TaskReconciler.Reconciliation;
import org.storagegateway.engine.TaskRunner.TaskRequest;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.port.StoreTransaction;
import org.storagegateway.engine.port.DriverRegistry;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.spi.ArrayAdministration;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.TaskMonitor;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.TargetPort;

/**
 * The storage-admin operations: the array behind an SR, reached through its driver's
 * {@link ArrayAdministration} facet with the SR's device-config and secrets. Listings read the array directly; the
 * LUN operations run as tasks (journaled, with progress, cancel and idempotency keys) serialised per SR. The array
 * is the only record of its LUNs, so the gateway keeps none: an interrupted LUN task is finished by running its
 * idempotent operation again.
 */
final class ArrayAdministrationService {
    static final String LUN_CREATE = "lun.create";
    static final String LUN_DELETE = "lun.delete";
    static final String LUN_RESIZE = "lun.resize";
    static final String LUN_EXPOSE = "lun.expose";
    static final String LUN_HIDE = "lun.hide";
    static final List<String> OPERATIONS = List.of(LUN_CREATE, LUN_DELETE, LUN_RESIZE, LUN_EXPOSE, LUN_HIDE);

    private final GatewayStore store;
    private final DriverRegistry registry;
    private final TaskRunner tasks;
    private final Clock clock;

    ArrayAdministrationService(GatewayStore store, DriverRegistry registry, TaskRunner tasks, Clock clock) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.tasks = Objects.requireNonNull(tasks, "tasks is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    List<ProbeEntry> listStorageSystems(String srUuid) {
        return onArray(repository(srUuid), HostDriverContext.NO_TASK, ArrayAdministration::listStorageSystems);
    }

    List<ProbeEntry> listStoragePools(String srUuid, String systemId) {
        return onArray(repository(srUuid), HostDriverContext.NO_TASK, a -> a.listStoragePools(required(systemId,
                "systemId")));
    }

    List<LunInfo> listLuns(String srUuid, String poolId) {
        return onArray(repository(srUuid), HostDriverContext.NO_TASK, a -> a.listLuns(required(poolId, "poolId")));
    }

    List<TargetPort> listTargetPorts(String srUuid) {
        return onArray(repository(srUuid), HostDriverContext.NO_TASK, ArrayAdministration::listTargetPorts);
    }

    LunInfo createLun(String srUuid, String poolId, String name, long sizeBytes, Optional<String> idempotencyKey) {
        if (sizeBytes < 1) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "sizeBytes must be at least 1");
        }
        Journal journal = Journal.of("srUuid", srUuid, "poolId", required(poolId, "poolId"), "name",
                required(name, "name"), "sizeBytes", Long.toString(sizeBytes));
        return runWithResult(LUN_CREATE, srUuid, journal, idempotencyKey, this::apply);
    }

    TaskRecord deleteLun(String srUuid, String lunId, Optional<String> idempotencyKey) {
        Journal journal = Journal.of("srUuid", srUuid, "lunId", required(lunId, "lunId"));
        return run(LUN_DELETE, srUuid, journal, idempotencyKey);
    }

    LunInfo resizeLun(String srUuid, String lunId, long sizeBytes, Optional<String> idempotencyKey) {
        if (sizeBytes < 1) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "sizeBytes must be at least 1");
        }
        Journal journal = Journal.of("srUuid", srUuid, "lunId", required(lunId, "lunId"), "sizeBytes",
                Long.toString(sizeBytes));
        return runWithResult(LUN_RESIZE, srUuid, journal, idempotencyKey, this::apply);
    }

    Datapath.Iscsi exposeLun(String srUuid, String lunId, String initiatorIqn, Optional<String> idempotencyKey) {
        Journal journal = Journal.of("srUuid", srUuid, "lunId", required(lunId, "lunId"), "initiatorIqn",
                required(initiatorIqn, "initiatorIqn"));
        return runWithResult(LUN_EXPOSE, srUuid, journal, idempotencyKey, this::apply);
    }

    TaskRecord hideLun(String srUuid, String lunId, String initiatorIqn, Optional<String> idempotencyKey) {
        Journal journal = Journal.of("srUuid", srUuid, "lunId", required(lunId, "lunId"), "initiatorIqn",
                required(initiatorIqn, "initiatorIqn"));
        return run(LUN_HIDE, srUuid, journal, idempotencyKey);
    }

    /** Finish an interrupted LUN task by running its operation again: every one is idempotent on the array. */
    Reconciliation reconcile(TaskRecord task, Journal journal) {
        apply(task.operation(), journal, HostDriverContext.NO_TASK);
        return new Reconciliation(TaskRecord.Resolution.ROLLED_FORWARD, tx -> Optional.empty());
    }

    /** Perform one LUN operation as its journal describes it; the result for those that have one. */
    private Object apply(String operation, Journal journal, TaskMonitor monitor) {
        StorageRepositoryRecord sr = repository(journal.get("srUuid"));
        return onArray(sr, monitor, array -> switch (operation) {
            case LUN_CREATE -> array.createLun(journal.get("poolId"), journal.get("name"),
                    Long.parseLong(journal.get("sizeBytes")));
            case LUN_DELETE -> {
                array.deleteLun(journal.get("lunId"));
                yield journal.get("lunId");
            }
            case LUN_RESIZE -> array.resizeLun(journal.get("lunId"), Long.parseLong(journal.get("sizeBytes")));
            case LUN_EXPOSE -> array.exposeLun(journal.get("lunId"), journal.get("initiatorIqn"));
            case LUN_HIDE -> {
                array.hideLun(journal.get("lunId"), journal.get("initiatorIqn"));
                yield journal.get("lunId");
            }
            default -> throw new StorageException(StandardErrorCode.INTERNAL_ERROR, "Not a LUN operation: "
                    + operation);
        });
    }

    private TaskRecord run(String operation, String srUuid, Journal journal, Optional<String> idempotencyKey) {
        return tasks.run(request(operation, srUuid, journal, idempotencyKey), tx -> plan(tx, srUuid, journal,
                monitor -> {
                    apply(operation, journal, monitor);
                    return done -> Optional.empty();
                }));
    }

    /**
     * Run a LUN task whose caller wants the driver's answer. A replay (same idempotency key, task already finished)
     * does not run the body: the answer is then asked again of the array, which every LUN operation allows.
     */
    @SuppressWarnings("unchecked")
    private <T> T runWithResult(String operation, String srUuid, Journal journal, Optional<String> idempotencyKey,
                                Operation apply) {
        AtomicReference<Object> answer = new AtomicReference<>();
        tasks.run(request(operation, srUuid, journal, idempotencyKey), tx -> plan(tx, srUuid, journal,
                monitor -> {
                    answer.set(apply.apply(operation, journal, monitor));
                    return done -> Optional.empty();
                }));
        Object result = answer.get();
        return (T) (result != null ? result : apply.apply(operation, journal, HostDriverContext.NO_TASK));
    }

    @FunctionalInterface
    private interface Operation {
        Object apply(String operation, Journal journal, TaskMonitor monitor);
    }

    /** Validate, inside the task's first transaction, that the SR exists; the plan then journals the LUN change. */
    private static TaskRunner.Plan plan(StoreTransaction tx, String srUuid, Journal journal, TaskRunner.Body body) {
        tx.repositories().find(srUuid).orElseThrow(
                () -> new StorageException(StandardErrorCode.SR_NOT_FOUND, "No SR with UUID " + srUuid));
        return new TaskRunner.Plan(journal, body);
    }

    private TaskRequest request(String operation, String srUuid, Journal journal, Optional<String> idempotencyKey) {
        required(srUuid, "srUuid");
        return new TaskRequest(operation, idempotencyKey, TaskRunner.fingerprint(operation, journal),
                Optional.of(srUuid));
    }

    /** Open the SR through its driver for one call, with its secrets, and work on its array facet. */
    private <T> T onArray(StorageRepositoryRecord sr, TaskMonitor monitor, Function<ArrayAdministration, T> work) {
        boolean offered = registry.descriptor(sr.type()).map(d -> d.supports(Capability.ARRAY_ADMINISTRATION))
                .orElseThrow(() -> new StorageException(StandardErrorCode.DRIVER_UNAVAILABLE, "The driver for SR type '"
                        + sr.type() + "' of SR " + sr.uuid() + " is not loaded"));
        if (!offered) {
            throw new StorageException(StandardErrorCode.UNSUPPORTED_OPERATION,
                    "SR type '" + sr.type() + "' does not support " + Capability.ARRAY_ADMINISTRATION);
        }
        Map<String, String> secrets = sr.secretKeys().isEmpty()
                ? Map.of() : store.inTransaction(tx -> tx.repositories().secrets(sr.uuid()));
        RepositoryConfig config = new RepositoryConfig(sr.uuid(), sr.nameLabel(), sr.deviceConfig());
        return registry.call(sr.type(), factory -> work.apply(factory.open(config,
                new HostDriverContext(sr.type(), secrets, store, clock, monitor)).arrayAdministration()));
    }

    private StorageRepositoryRecord repository(String srUuid) {
        return store.inTransaction(tx -> tx.repositories().find(required(srUuid, "srUuid"))).orElseThrow(
                () -> new StorageException(StandardErrorCode.SR_NOT_FOUND, "No SR with UUID " + srUuid));
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, name + " is required");
        }
        return value;
    }
}
