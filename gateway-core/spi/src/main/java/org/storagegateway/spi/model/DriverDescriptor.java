package org.storagegateway.spi.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a driver declares about itself.
 *
 * @param srType the SR type id it serves, such as {@code file} or {@code smis}: lower case, stable, unique per host
 * @param vendor who ships the driver
 * @param version the driver's own version
 * @param requiredSpiVersion the lowest SPI version ({@code major.minor}) the driver needs
 * @param description one sentence for storage admins
 * @param configSchema the device-config keys the driver understands
 * @param capabilities what the driver can do
 */
public record DriverDescriptor(
        String srType,
        String vendor,
        String version,
        String requiredSpiVersion,
        String description,
        List<ConfigKey> configSchema,
        Set<Capability> capabilities) {

    public DriverDescriptor {
        Objects.requireNonNull(srType, "srType is null");
        Objects.requireNonNull(vendor, "vendor is null");
        Objects.requireNonNull(version, "version is null");
        Objects.requireNonNull(requiredSpiVersion, "requiredSpiVersion is null");
        Objects.requireNonNull(description, "description is null");
        if (!srType.matches("[a-z][a-z0-9-]{0,31}")) {
            throw new IllegalArgumentException("invalid SR type id: " + srType);
        }
        if (!requiredSpiVersion.matches("\\d+\\.\\d+")) {
            throw new IllegalArgumentException("requiredSpiVersion must be major.minor: " + requiredSpiVersion);
        }
        configSchema = List.copyOf(configSchema);
        capabilities = capabilities.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(capabilities));
    }

    /** Return whether the driver declares {@code capability}. */
    public boolean supports(Capability capability) {
        return capabilities.contains(capability);
    }

    /** Return the schema entry for {@code key}, if the driver declares it. */
    public Optional<ConfigKey> configKey(String key) {
        return configSchema.stream().filter(k -> k.name().equals(key)).findFirst();
    }
}
