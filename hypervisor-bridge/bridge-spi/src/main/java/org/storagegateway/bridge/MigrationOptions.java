package org.storagegateway.bridge;

import java.time.Duration;
import java.util.Objects;

/**
 * Knobs of a live or storage migration.
 *
 * @param timeout             the whole operation; when it passes the migration is cancelled and rolled back
 * @param downtimeLimit       the longest pause the memory switch-over may cause
 * @param maxBytesPerSecond   bandwidth cap for the memory stream and each disk mirror; 0 means no cap
 */
public record MigrationOptions(Duration timeout, Duration downtimeLimit, long maxBytesPerSecond) {
    public static final MigrationOptions DEFAULTS = new MigrationOptions(Duration.ofMinutes(10), Duration.ofMillis(300), 0);

    public MigrationOptions {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(downtimeLimit, "downtimeLimit");
        if (timeout.isNegative() || timeout.isZero() || downtimeLimit.isNegative() || maxBytesPerSecond < 0) {
            throw new IllegalArgumentException("timeout must be positive, downtime limit and bandwidth not negative");
        }
    }

    public MigrationOptions withMaxBytesPerSecond(long bytesPerSecond) {
        return new MigrationOptions(timeout, downtimeLimit, bytesPerSecond);
    }

    public MigrationOptions withTimeout(Duration newTimeout) {
        return new MigrationOptions(newTimeout, downtimeLimit, maxBytesPerSecond);
    }
}
