package org.storagegateway.spi;

import java.lang.System.Logger;
import java.time.Clock;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The narrow set of host services a driver may use during one call. Drivers never see the database, the SOAP layer
 * or any host library; everything they need from the host is here.
 */
@ProviderType
public interface DriverContext {

    /** Return the logger for this driver. Never log secrets through it. */
    Logger logger();

    /** Return the host clock; drivers use it instead of {@code System.currentTimeMillis()} so tests can control time. */
    Clock clock();

    /**
     * Return the value of a secret device-config key of the SR this call is about, such as an array password.
     * Only keys flagged {@code secret} in the driver's config schema are available here, and they never appear in the
     * device-config map itself.
     */
    Optional<String> secret(String key);

    /** Return this driver's small persistent key-value store, shared by all SRs of the driver type. */
    StateStore state();

    /** Return the task this call runs under, for progress reports and cancellation. */
    TaskMonitor task();
}
