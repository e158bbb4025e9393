package org.storagegateway.spi.model;

import java.util.Objects;

/**
 * A request to clone or snapshot a VDI. The host chooses every UUID up front and journals them before calling, so an
 * interrupted request can be recognised on the storage and completed or undone.
 *
 * @param idempotencyKey identifies the request; a repeat with the same key returns the same result
 * @param sourceUuid the VDI to copy; it keeps its UUID and stays writable
 * @param newUuid the UUID of the clone or snapshot
 * @param baseCopyUuid the UUID to give the frozen former content of the source, for drivers that build chains
 */
public record CloneRequest(String idempotencyKey, String sourceUuid, String newUuid, String baseCopyUuid) {
    public CloneRequest {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey is null");
        Objects.requireNonNull(sourceUuid, "sourceUuid is null");
        Objects.requireNonNull(newUuid, "newUuid is null");
        Objects.requireNonNull(baseCopyUuid, "baseCopyUuid is null");
    }
}
