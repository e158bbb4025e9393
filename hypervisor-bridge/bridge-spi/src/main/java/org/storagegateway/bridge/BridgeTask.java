package org.storagegateway.bridge;

/**
 * The task a long bridge operation runs under: the bridge reports progress through it and polls it for cancellation
 * between steps. An operation that sees the cancel request undoes what it did and throws
 * {@link BridgeError#TASK_CANCELLED}; past its point of no return (a migrated VM resumed on the destination) it
 * finishes instead.
 */
public interface BridgeTask {
    /** A task nobody watches or cancels. */
    BridgeTask NONE = new BridgeTask() {
        @Override
        public void progress(double fraction) {
        }

        @Override
        public boolean isCancelRequested() {
            return false;
        }
    };

    /** Progress from 0 to 1. */
    void progress(double fraction);

    boolean isCancelRequested();
}
