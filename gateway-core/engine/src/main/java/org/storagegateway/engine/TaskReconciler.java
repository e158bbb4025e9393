package org.storagegateway.engine;

import java.util.Objects;
import java.util.Optional;

import org.storagegateway.engine.model.TaskRecord;

/**
 * Resolves tasks that were running when the gateway stopped.
 *
 * <p>A reconciler decides from the storage itself, guided by the task's journal, whether the task's work happened. It
 * completes the work (roll forward) or undoes what was started (roll back) on the storage, and returns the record
 * changes that match. It never makes the records agree by editing them alone.
 */
public interface TaskReconciler {

    /** Return the SR type whose driver must be loaded to reconcile {@code task}. */
    String requiredSrType(TaskRecord task);

    /** Resolve {@code task}; called with its driver loaded, at most once at a time per task. */
    Reconciliation reconcile(TaskRecord task);

    /**
     * The outcome of reconciling a task.
     *
     * @param resolution forward or back
     * @param completion the record changes to commit with the resolution; returns the task's result UUID, if any
     */
    record Reconciliation(TaskRecord.Resolution resolution, TaskRunner.Completion completion) {
        public Reconciliation {
            Objects.requireNonNull(resolution, "resolution is null");
            Objects.requireNonNull(completion, "completion is null");
        }

        /** Return a roll-back that changes no records: the storage showed nothing to keep. */
        public static Reconciliation rolledBackUntouched() {
            return new Reconciliation(TaskRecord.Resolution.ROLLED_BACK, tx -> Optional.empty());
        }
    }
}
