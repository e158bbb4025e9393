/**
 * Immutable values exchanged through the driver SPI: descriptors, requests, results and datapaths.
 * Every record validates its arguments in its compact constructor and copies collections.
 */
@Export
@Version(org.storagegateway.spi.SpiVersion.VERSION)
package org.storagegateway.spi.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
