package org.storagegateway.engine.port;

import java.time.Duration;
import java.util.function.Function;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;

/** Runs a transaction again when it lost a race with a concurrent one ({@link StoreConflictException}). */
public final class StoreRetry {
    private static final RetryPolicy<Object> ON_CONFLICT = RetryPolicy.builder()
            .handle(StoreConflictException.class)
            .withMaxRetries(8)
            .withBackoff(Duration.ofMillis(2), Duration.ofMillis(200))
            .withJitter(0.5)
            .build();

    private StoreRetry() {
    }

    /** Run {@code work} in a transaction of {@code store}, again on conflict, and return its result. */
    public static <T> T inTransaction(GatewayStore store, Function<StoreTransaction, T> work) {
        return Failsafe.with(ON_CONFLICT).get(() -> store.inTransaction(work));
    }
}
