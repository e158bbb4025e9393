package org.storagegateway.persistence;

import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * Thrown by {@code TaskTable.save} when another task already has the idempotency key, whether the store noticed it
 * before writing or the database's unique constraint {@code TASK_IDEMPOTENCY_KEY_UQ} rejected the write (a concurrent
 * transaction inserted the key first).
 *
 * <p>Its code is {@link StandardErrorCode#IDEMPOTENCY_KEY_REUSED}, so the engine can recognise it without depending
 * on this module. The transaction it was thrown in can no longer commit: {@code inTransaction} rolls it back and
 * rethrows this exception. Look the existing task up with {@code findByIdempotencyKey} in a new transaction.
 */
public final class DuplicateIdempotencyKeyException extends StorageException {
    private static final long serialVersionUID = 1L;

    DuplicateIdempotencyKeyException(String message, Throwable cause) {
        super(StandardErrorCode.IDEMPOTENCY_KEY_REUSED, message, cause);
    }
}
