package org.storagegateway.engine.port;

import java.util.List;
import java.util.Optional;

import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;

/** Task records. The idempotency key is unique: saving a second task with an existing key fails. */
public interface TaskTable {

    /** Insert or replace the record with the same UUID. */
    void save(TaskRecord task);

    /**
     * Insert a new task without first looking for one: cheaper than {@link #save} for a fresh UUID. A taken
     * idempotency key fails as in {@code save}; a taken UUID fails the transaction as a conflict.
     */
    void insert(TaskRecord task);

    Optional<TaskRecord> find(String uuid);

    Optional<TaskRecord> findByIdempotencyKey(String idempotencyKey);

    /** Return the tasks in any of the given states, oldest first. */
    List<TaskRecord> listByState(TaskState... states);

    /** Delete a task; deleting an absent one does nothing. */
    void delete(String uuid);
}
