package org.storagegateway.spi.model;

/**
 * How much one {@code collectGarbage} call may do.
 *
 * @param maxBytesPerSecond the highest rate at which data may be copied while coalescing
 * @param maxCoalesces the most chain links to coalesce in this call
 */
public record GarbageCollectionLimits(long maxBytesPerSecond, int maxCoalesces) {
    public GarbageCollectionLimits {
        if (maxBytesPerSecond <= 0 || maxCoalesces < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
