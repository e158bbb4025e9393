package org.storagegateway.engine.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A VDI as the gateway records it, in XenAPI terms.
 *
 * @param uuid the VDI's UUID
 * @param srUuid the SR it lives on
 * @param nameLabel the human-readable name
 * @param virtualSize the size the consumer sees, in bytes
 * @param physicalUtilisation the bytes it occupies on the storage
 * @param readOnly whether its data may not change
 * @param managed whether users see and manage it; false for hidden base copies
 * @param hidden whether it is an internal node of a chain
 * @param parentUuid the VDI it reads unwritten data from, if any
 * @param snapshot whether it is a snapshot (XenAPI is-a-snapshot)
 * @param snapshotOf the VDI it is a snapshot of, if it is one
 * @param smConfig driver facts, such as {@code vhd-parent}
 * @param createdAt when it was created or first recorded
 */
public record VirtualDiskRecord(
        String uuid,
        String srUuid,
        String nameLabel,
        long virtualSize,
        long physicalUtilisation,
        boolean readOnly,
        boolean managed,
        boolean hidden,
        Optional<String> parentUuid,
        boolean snapshot,
        Optional<String> snapshotOf,
        Map<String, String> smConfig,
        Instant createdAt) {

    public VirtualDiskRecord {
        Objects.requireNonNull(uuid, "uuid is null");
        Objects.requireNonNull(srUuid, "srUuid is null");
        Objects.requireNonNull(nameLabel, "nameLabel is null");
        Objects.requireNonNull(parentUuid, "parentUuid is null");
        Objects.requireNonNull(snapshotOf, "snapshotOf is null");
        Objects.requireNonNull(createdAt, "createdAt is null");
        smConfig = Map.copyOf(smConfig);
    }
}
