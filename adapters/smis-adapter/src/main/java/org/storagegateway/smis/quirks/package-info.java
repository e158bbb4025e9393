/**
 * The declared-quirks API of the SMI-S adapter: vendor quirk bundles import it and register
 * {@link org.storagegateway.smis.quirks.VendorQuirks} services. JDK only.
 */
@Export
@Version("1.0.0")
package org.storagegateway.smis.quirks;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
