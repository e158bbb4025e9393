package org.storagegateway.engine.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An SR as the gateway records it.
 *
 * @param uuid the SR's UUID
 * @param type the SR type id, naming the driver that serves it
 * @param nameLabel the human-readable name
 * @param deviceConfig the non-secret device-config
 * @param secretKeys the device-config keys whose values are kept apart as secrets (their values are not here)
 * @param createdAt when the SR was created
 */
public record StorageRepositoryRecord(
        String uuid, String type, String nameLabel, Map<String, String> deviceConfig, Set<String> secretKeys,
        Instant createdAt) {
    public StorageRepositoryRecord {
        Objects.requireNonNull(uuid, "uuid is null");
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(nameLabel, "nameLabel is null");
        Objects.requireNonNull(createdAt, "createdAt is null");
        deviceConfig = Map.copyOf(deviceConfig);
        secretKeys = Set.copyOf(secretKeys);
    }
}
