package org.storagegateway.spi.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of a clone or snapshot.
 *
 * @param created the new VDI (the clone or the snapshot)
 * @param source the source VDI as it is now (for chain-building drivers, a new leaf on top of the base copy)
 * @param baseCopy the hidden read-only VDI now holding the source's former content, if the driver made one; empty when
 *     the driver reused an existing parent or does not build chains
 */
public record CloneResult(VdiInfo created, VdiInfo source, Optional<VdiInfo> baseCopy) {
    public CloneResult {
        Objects.requireNonNull(created, "created is null");
        Objects.requireNonNull(source, "source is null");
        Objects.requireNonNull(baseCopy, "baseCopy is null");
    }
}
