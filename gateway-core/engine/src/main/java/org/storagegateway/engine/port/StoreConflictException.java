package org.storagegateway.engine.port;

import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * Thrown when a transaction conflicts with a concurrent one and is rolled back rather than lose an update: a row it
 * read was changed or deleted by a transaction that committed first (optimistic lock), both inserted the same key,
 * or the database chose it as the victim of a deadlock or gave up waiting for a lock.
 *
 * <p>Part of the {@link GatewayStore} contract: running the whole transaction again normally succeeds, and the engine
 * does so where concurrent writers are expected (see {@link StoreRetry}). The code is {@link StandardErrorCode#INTERNAL_ERROR}, as
 * the SPI has no code for a retryable conflict.
 */
public final class StoreConflictException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StoreConflictException(String message, Throwable cause) {
        super(StandardErrorCode.INTERNAL_ERROR, message, cause);
    }
}
