package org.storagegateway.engine.model;

import java.util.Objects;

import org.storagegateway.spi.model.DriverDescriptor;

/**
 * A driver as callers see it: what it declares and whether it is loaded now.
 *
 * @param descriptor what the driver declares (for a driver seen before but not loaded now, as last seen)
 * @param available whether the driver is loaded and accepts calls
 */
public record DriverView(DriverDescriptor descriptor, boolean available) {
    public DriverView {
        Objects.requireNonNull(descriptor, "descriptor is null");
    }
}
