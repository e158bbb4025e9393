package org.storagegateway.launcher;

import java.util.Optional;

import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;

/** Reads what the system bundle really exports, as the framework resolved it. */
final class SystemExports {
    private SystemExports() {
    }

    static Optional<String> exportedVersion(Framework framework, String packageName) {
        BundleWiring wiring = framework.adapt(BundleWiring.class);
        for (BundleCapability capability : wiring.getCapabilities(BundleRevision.PACKAGE_NAMESPACE)) {
            if (packageName.equals(capability.getAttributes().get(BundleRevision.PACKAGE_NAMESPACE))) {
                return Optional.of(String.valueOf(capability.getAttributes().get("version")));
            }
        }
        return Optional.empty();
    }
}
