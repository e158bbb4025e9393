package org.storagegateway.spi.model;

import java.util.Objects;

/**
 * A request to create an empty VDI.
 *
 * @param idempotencyKey identifies the request; a repeat with the same key returns the same VDI
 * @param vdiUuid the UUID the host chose for the new VDI
 * @param virtualSize the requested size in bytes; the driver may round it up to its allocation unit
 */
public record CreateVdiRequest(String idempotencyKey, String vdiUuid, long virtualSize) {
    public CreateVdiRequest {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey is null");
        Objects.requireNonNull(vdiUuid, "vdiUuid is null");
        if (virtualSize <= 0) {
            throw new IllegalArgumentException("virtualSize must be positive");
        }
    }
}
