package org.storagegateway.spi.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A VDI as found on the storage. Names, snapshot relations and other bookkeeping belong to the host.
 *
 * @param uuid the VDI's UUID
 * @param virtualSize the size the consumer sees, in bytes
 * @param physicalUtilisation the bytes the VDI occupies on the storage
 * @param readOnly whether the VDI's data may not change
 * @param hidden whether the VDI is an internal node (a base copy of a chain, or deleted awaiting collection)
 * @param parentUuid the VDI this one reads unwritten data from, if it is part of a chain
 * @param smConfig driver-specific facts worth showing, such as {@code vhd-parent}
 */
public record VdiInfo(
        String uuid,
        long virtualSize,
        long physicalUtilisation,
        boolean readOnly,
        boolean hidden,
        Optional<String> parentUuid,
        Map<String, String> smConfig) {

    public VdiInfo {
        Objects.requireNonNull(uuid, "uuid is null");
        Objects.requireNonNull(parentUuid, "parentUuid is null");
        if (virtualSize < 0 || physicalUtilisation < 0) {
            throw new IllegalArgumentException("VDI sizes must not be negative");
        }
        smConfig = Map.copyOf(smConfig);
    }
}
