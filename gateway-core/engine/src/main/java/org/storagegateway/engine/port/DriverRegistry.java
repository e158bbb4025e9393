package org.storagegateway.engine.port;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.model.DriverDescriptor;

/**
 * The drivers loaded now. The launcher implements it on top of the OSGi service registry.
 *
 * <p>Implementations never hand out driver objects: a caller passes the work to {@link #call}, which finds the driver,
 * runs the work with the driver bundle's class loader as the thread context class loader, and returns only SPI values.
 */
public interface DriverRegistry {

    /** Return the descriptors of the drivers loaded now, by SR type. */
    List<DriverDescriptor> loadedDrivers();

    /** Return the descriptor of the loaded driver for {@code srType}, if any. */
    Optional<DriverDescriptor> descriptor(String srType);

    /**
     * Run {@code work} against the driver for {@code srType}.
     *
     * <p>A {@link org.storagegateway.spi.StorageException} thrown by the driver is rethrown as a new instance holding
     * only host classes (the same code number, name, kind and message), so no driver class outlives the call. Any other
     * exception becomes {@code INTERNAL_ERROR}.
     *
     * @throws org.storagegateway.spi.StorageException {@code DRIVER_UNAVAILABLE} if no driver for the type is loaded
     */
    <T> T call(String srType, Function<StorageDriverFactory, T> work);

    /** Register a listener told about drivers as they come and go; it is told at once about those loaded now. */
    void addListener(DriverListener listener);

    /** Stop telling {@code listener}; removing an unknown listener does nothing. */
    void removeListener(DriverListener listener);

    /** Told about driver arrivals and departures. Called on the registry's thread; must return quickly. */
    interface DriverListener {
        void driverAdded(DriverDescriptor descriptor);

        void driverRemoved(String srType);
    }
}
