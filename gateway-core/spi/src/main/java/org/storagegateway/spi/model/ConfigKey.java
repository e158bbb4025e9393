package org.storagegateway.spi.model;

import java.util.Objects;

/**
 * One device-config key a driver understands.
 *
 * @param name the key, as given in device-config
 * @param description what the value means, shown to storage admins
 * @param required whether SR creation fails without it
 * @param secret whether the value is a secret (a password, a key): the host stores it apart, never logs or echoes it,
 *     and hands it to the driver only through {@link org.storagegateway.spi.DriverContext#secret}
 */
public record ConfigKey(String name, String description, boolean required, boolean secret) {
    public ConfigKey {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(description, "description is null");
        if (!name.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException("invalid config key name: " + name);
        }
    }
}
