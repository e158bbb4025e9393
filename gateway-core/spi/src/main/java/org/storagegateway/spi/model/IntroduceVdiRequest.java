package org.storagegateway.spi.model;

import java.util.Objects;

/**
 * A request to adopt a VDI that is on the storage but unknown to the host.
 *
 * @param vdiUuid the UUID of the VDI on the storage
 */
public record IntroduceVdiRequest(String vdiUuid) {
    public IntroduceVdiRequest {
        Objects.requireNonNull(vdiUuid, "vdiUuid is null");
    }
}
