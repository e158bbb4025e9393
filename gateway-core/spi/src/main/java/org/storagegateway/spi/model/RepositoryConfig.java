package org.storagegateway.spi.model;

import java.util.Map;
import java.util.Objects;

/**
 * The identity and configuration of one SR, as the host knows it.
 *
 * @param srUuid the SR's UUID, chosen by the host at creation
 * @param nameLabel the SR's human-readable name
 * @param deviceConfig the non-secret device-config; secret keys are absent and reached through the driver context
 */
public record RepositoryConfig(String srUuid, String nameLabel, Map<String, String> deviceConfig) {
    public RepositoryConfig {
        Objects.requireNonNull(srUuid, "srUuid is null");
        Objects.requireNonNull(nameLabel, "nameLabel is null");
        deviceConfig = Map.copyOf(deviceConfig);
    }
}
