package org.storagegateway.engine.model;

/** The life of a task. Only PENDING and RUNNING are non-terminal. */
public enum TaskState {
    PENDING,
    RUNNING,
    SUCCESS,
    FAILURE,
    CANCELLED,
    /** The gateway stopped while the task ran; the reconciler resolved it at the next start (see its resolution). */
    INTERRUPTED;

    /** Return whether the task will not change state any more. */
    public boolean isTerminal() {
        return this != PENDING && this != RUNNING;
    }
}
