package org.storagegateway.spi;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;

/**
 * Entry point of a storage driver: one OSGi service per SR type.
 *
 * <p>Register it as a Declarative Services component. The host tracks the service and:
 * <ul>
 *   <li>calls {@link #descriptor()} when the service appears, and may call it again at any time;</li>
 *   <li>for every SR operation calls {@link #open} and then exactly one method of the returned view;</li>
 *   <li>never keeps the factory, the view, or any object they return beyond that call.</li>
 * </ul>
 * Implementations must be thread-safe: calls for different SRs, and for the same SR, may run concurrently.
 * Resources a driver keeps between calls (connections, caches, threads) belong to the component and are released in
 * its {@code @Deactivate} method.
 */
@ConsumerType
public interface StorageDriverFactory {

    /** Service property carrying the SR type id, so the host can filter without loading classes. */
    String SR_TYPE_PROPERTY = "storagegateway.sr.type";

    /** Describe the driver: SR type, vendor, versions, configuration schema and capabilities. Never {@code null}. */
    DriverDescriptor descriptor();

    /**
     * Open a view of one SR for the duration of one host call.
     *
     * <p>This must be cheap and must not touch storage: the host calls it before every operation.
     *
     * @param config the SR's identity and non-secret device-config; secrets come from {@link DriverContext#secret}
     * @param context the host services for this call
     * @throws StorageException with kind USER if the device-config is invalid for this driver
     */
    StorageRepository open(RepositoryConfig config, DriverContext context);

    /**
     * Discover what could become an SR with the given device-config, without creating anything.
     *
     * <p>Arrays answer in two levels, as StorageLink did: with no system selected, the storage systems; with a system
     * selected in the device-config, its pools. File-based drivers return the SRs found at the location.
     *
     * @throws StorageException with code {@link StandardErrorCode#UNSUPPORTED_OPERATION} unless the driver declares
     *     {@link org.storagegateway.spi.model.Capability#SR_PROBE}
     */
    default List<ProbeEntry> probe(Map<String, String> deviceConfig, DriverContext context) {
        throw StorageException.unsupported("probe");
    }
}
