package org.storagegateway.persistence;

import org.storagegateway.engine.port.StoreConflictException;

import java.sql.SQLException;
import java.util.Locale;

import org.hibernate.StaleStateException;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;

/** Turns Hibernate and JDBC failures into exceptions the engine understands. */
final class PersistenceErrors {

    /** The name of the unique constraint on TASK.IDEMPOTENCY_KEY (see V1__initial_schema.sql). */
    static final String IDEMPOTENCY_KEY_CONSTRAINT = "TASK_IDEMPOTENCY_KEY_UQ";

    private static final String DUPLICATE_KEY = "23505";
    private static final String DEADLOCK = "40001";
    private static final String LOCK_TIMEOUT = "40XL1";
    private static final String LOCK_TIMEOUT_WITH_TABLE = "40XL2";

    private PersistenceErrors() {
    }

    /** Return whether {@code e} comes from Hibernate or the database rather than from the caller's work. */
    static boolean isPersistenceFailure(Throwable e) {
        return e instanceof PersistenceException;
    }

    /** Translate a persistence failure; return any other exception unchanged. */
    static RuntimeException translate(RuntimeException e) {
        if (!isPersistenceFailure(e)) {
            return e;
        }
        if (hasCause(e, OptimisticLockException.class) || hasCause(e, StaleStateException.class)) {
            return new StoreConflictException(
                    "A record this transaction changed was changed or deleted by a concurrent transaction", e);
        }
        SQLException sql = sqlCause(e);
        String state = sql == null ? null : sql.getSQLState();
        if (DUPLICATE_KEY.equals(state)) {
            if (mentions(sql, IDEMPOTENCY_KEY_CONSTRAINT)) {
                return new DuplicateIdempotencyKeyException(
                        "The idempotency key is already used by another task", e);
            }
            return new StoreConflictException("A concurrent transaction inserted a record with the same key", e);
        }
        if (DEADLOCK.equals(state) || LOCK_TIMEOUT.equals(state) || LOCK_TIMEOUT_WITH_TABLE.equals(state)) {
            return new StoreConflictException(
                    "The transaction conflicted with a concurrent one (deadlock or lock timeout)", e);
        }
        return new StorageException(StandardErrorCode.INTERNAL_ERROR,
                "The gateway database failed" + (state == null ? "" : " (SQL state " + state + ")"), e);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static SQLException sqlCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /** Return whether the message of {@code sql} or of an exception chained to it names {@code constraint}. */
    static boolean mentions(SQLException sql, String constraint) {
        String wanted = constraint.toUpperCase(Locale.ROOT);
        for (SQLException s = sql; s != null; s = s.getNextException()) {
            for (Throwable t = s; t != null; t = t.getCause() == t ? null : t.getCause()) {
                String message = t.getMessage();
                if (message != null && message.toUpperCase(Locale.ROOT).contains(wanted)) {
                    return true;
                }
            }
        }
        return false;
    }
}
