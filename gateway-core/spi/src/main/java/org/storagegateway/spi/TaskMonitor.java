package org.storagegateway.spi;

import org.osgi.annotation.versioning.ProviderType;

/** The task a driver call runs under: the driver reports progress and checks for cancellation through it. */
@ProviderType
public interface TaskMonitor {

    /** Report progress as a fraction from 0 to 1; values outside are clamped, and progress never goes backwards. */
    void progress(double fraction);

    /** Return whether the caller asked to cancel this task. */
    boolean isCancelRequested();

    /**
     * Throw {@link StandardErrorCode#CANCELLED} if cancel was requested. Call it between steps that leave the storage
     * consistent, never in the middle of one.
     */
    default void checkCancelled() {
        if (isCancelRequested()) {
            throw new StorageException(StandardErrorCode.CANCELLED, "The task was cancelled");
        }
    }
}
