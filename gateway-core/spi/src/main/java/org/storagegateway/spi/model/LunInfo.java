package org.storagegateway.spi.model;

import java.util.Map;
import java.util.Objects;

/**
 * A LUN (a storage volume) of an array, as found on the array.
 *
 * @param id the array's identifier of the LUN, stable for its life
 * @param name its name on the array
 * @param poolId the pool it is allocated from
 * @param sizeBytes the size initiators see
 * @param consumedBytes the pool space it takes
 * @param attributes further facts worth showing (SCSI name, thin, ...) as text
 * @since 1.1
 */
public record LunInfo(String id, String name, String poolId, long sizeBytes, long consumedBytes,
                      Map<String, String> attributes) {
    public LunInfo {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(poolId, "poolId is null");
        if (sizeBytes < 0 || consumedBytes < 0) {
            throw new IllegalArgumentException("LUN sizes must not be negative");
        }
        attributes = Map.copyOf(attributes);
    }
}
