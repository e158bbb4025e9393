package org.storagegateway.spi;

/** The version of the SPI packages, as exported to bundles. */
public final class SpiVersion {
    /**
     * Semantic version of {@code org.storagegateway.spi} and {@code org.storagegateway.spi.model}. 1.1 added the
     * optional array facet ({@link ArrayAdministration}, {@code Capability.ARRAY_ADMINISTRATION}).
     */
    public static final String VERSION = "1.1.0";

    private SpiVersion() {
    }
}
