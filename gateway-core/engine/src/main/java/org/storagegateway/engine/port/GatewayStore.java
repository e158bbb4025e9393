package org.storagegateway.engine.port;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The gateway's persistent state, behind a port so the engine never sees the database technology.
 *
 * <p>All access happens inside a transaction. Work passed to {@link #inTransaction} either commits as a whole or, if
 * it throws, leaves no trace; the exception is rethrown unchanged. Transactions may run concurrently from many
 * threads; a conflicting concurrent update fails the later transaction with {@link StoreConflictException} rather
 * than losing an update, and the caller may run it again.
 */
public interface GatewayStore extends AutoCloseable {

    /** Run {@code work} in one transaction and return its result. */
    <T> T inTransaction(Function<StoreTransaction, T> work);

    /** Run {@code work} in one transaction. */
    default void useTransaction(Consumer<StoreTransaction> work) {
        inTransaction(tx -> {
            work.accept(tx);
            return null;
        });
    }

    /** Release the store; the data stays on disk. */
    @Override
    void close();
}
