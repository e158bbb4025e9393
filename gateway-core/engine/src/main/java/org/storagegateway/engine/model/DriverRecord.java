package org.storagegateway.engine.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A driver the gateway has seen.
 *
 * @param srType the SR type id it serves
 * @param vendor its vendor
 * @param version its version
 * @param requiredSpiVersion the SPI version it needs
 * @param capabilities the names of its capabilities
 * @param firstSeen when it was first loaded
 * @param lastSeen when it was last loaded
 */
public record DriverRecord(
        String srType, String vendor, String version, String requiredSpiVersion, Set<String> capabilities,
        Instant firstSeen, Instant lastSeen) {
    public DriverRecord {
        Objects.requireNonNull(srType, "srType is null");
        Objects.requireNonNull(vendor, "vendor is null");
        Objects.requireNonNull(version, "version is null");
        Objects.requireNonNull(requiredSpiVersion, "requiredSpiVersion is null");
        Objects.requireNonNull(firstSeen, "firstSeen is null");
        Objects.requireNonNull(lastSeen, "lastSeen is null");
        capabilities = Set.copyOf(capabilities);
    }
}
