package org.storagegateway.spi.model;

import java.util.Objects;

/**
 * A target port of an array through which initiators reach exposed LUNs.
 *
 * @param id the array's name of the port
 * @param protocol the transport, such as {@code iscsi}
 * @param address where initiators connect: {@code host:port} for an iSCSI portal
 * @since 1.1
 */
public record TargetPort(String id, String protocol, String address) {
    public TargetPort {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(protocol, "protocol is null");
        Objects.requireNonNull(address, "address is null");
    }
}
