package org.storagegateway.engine;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.port.DriverRegistry;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.spi.StorageException;

/**
 * Recovers tasks the previous process left behind.
 *
 * <ul>
 *   <li>{@link #markInterrupted()} runs once at start-up, before any call is served: every PENDING or RUNNING task
 *       becomes INTERRUPTED, with no resolution yet.</li>
 *   <li>{@link #reconcileAvailable()} hands each unresolved interrupted task to the reconciler once the driver it needs
 *       is loaded (drivers arrive asynchronously), and records the resolution.</li>
 * </ul>
 */
public final class TaskRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRecovery.class);

    private final GatewayStore store;
    private final DriverRegistry registry;
    private final TaskReconciler reconciler;
    private final Clock clock;

    public TaskRecovery(GatewayStore store, DriverRegistry registry, TaskReconciler reconciler, Clock clock) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.reconciler = Objects.requireNonNull(reconciler, "reconciler is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    /** Mark the tasks found running as interrupted; returns how many. */
    public int markInterrupted() {
        return store.inTransaction(tx -> {
            List<TaskRecord> found = tx.tasks().listByState(TaskState.PENDING, TaskState.RUNNING);
            for (TaskRecord task : found) {
                tx.tasks().save(task.interrupted(clock.instant()));
                LOG.warn("Task {} ({}) was running when the gateway stopped; marked interrupted", task.uuid(),
                        task.operation());
            }
            return found.size();
        });
    }

    /** Reconcile the interrupted tasks whose drivers are loaded; the others wait for their driver. */
    public synchronized void reconcileAvailable() {
        List<TaskRecord> waiting = store.inTransaction(tx -> tx.tasks().listByState(TaskState.INTERRUPTED)).stream()
                .filter(t -> t.resolution().isEmpty())
                .toList();
        for (TaskRecord task : waiting) {
            String srType;
            try {
                srType = reconciler.requiredSrType(task);
            } catch (StorageException e) {
                LOG.error("Cannot tell which driver task {} needs: {}", task.uuid(), e.getMessage());
                continue;
            }
            if (registry.descriptor(srType).isEmpty()) {
                continue;
            }
            try {
                TaskReconciler.Reconciliation outcome = reconciler.reconcile(task);
                store.useTransaction(tx -> {
                    TaskRecord resolved = task.resolved(outcome.resolution(), outcome.completion().apply(tx));
                    tx.tasks().save(resolved);
                });
                LOG.info("Interrupted task {} ({}) {}", task.uuid(), task.operation(), outcome.resolution());
            } catch (StorageException e) {
                LOG.error("Reconciling task {} ({}) failed; will retry when its driver is loaded again: {}",
                        task.uuid(), task.operation(), e.getMessage());
            }
        }
    }
}
