/**
 * The storage driver SPI: the only API the gateway shares with driver bundles.
 *
 * <p>A driver bundle registers one {@link org.storagegateway.spi.StorageDriverFactory} service per SR type. The host
 * finds it through the OSGi service registry, and on every call opens a short-lived
 * {@link org.storagegateway.spi.StorageRepository} view bound to one SR and one {@link org.storagegateway.spi.DriverContext}.
 * The host never keeps driver objects beyond that call, so a driver bundle can be replaced at any time.
 *
 * <p>This package depends on the JDK only. Its version is exported by the host through
 * {@code org.osgi.framework.system.packages.extra}; a test checks that both agree.
 */
@Export
@Version(SpiVersion.VERSION)
package org.storagegateway.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
