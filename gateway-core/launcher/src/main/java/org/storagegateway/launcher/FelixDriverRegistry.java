package org.storagegateway.launcher;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.StorageService;
import org.storagegateway.engine.port.DriverRegistry;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.DriverDescriptor;

/**
 * The drivers registered in the embedded framework, followed with a {@link ServiceTracker} on the system bundle.
 *
 * <p>Rules this class keeps:
 * <ul>
 *   <li>A driver is offered once its descriptor is read and its required SPI version is satisfied; the first driver
 *       registered for an SR type wins, later ones are ignored with a warning until it leaves.</li>
 *   <li>Callers never receive the driver object: {@link #call} runs their work with the driver bundle's class loader
 *       as the thread context class loader and returns SPI values only. Exceptions leave as host classes.</li>
 *   <li>When a driver's service goes away, new calls fail at once with {@code DRIVER_UNAVAILABLE}, and the service is
 *       released only after the calls already inside it have returned (bounded by a timeout), so in-flight calls
 *       finish against a live component.</li>
 * </ul>
 */
final class FelixDriverRegistry implements DriverRegistry, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FelixDriverRegistry.class);
    private static final long DRAIN_TIMEOUT_SECONDS = 120;

    private final ServiceTracker<StorageDriverFactory, TrackedDriver> tracker;
    private final Map<String, TrackedDriver> byType = new ConcurrentHashMap<>();
    private final List<DriverListener> listeners = new CopyOnWriteArrayList<>();

    FelixDriverRegistry(BundleContext systemContext) {
        this.tracker = new ServiceTracker<>(systemContext, StorageDriverFactory.class, new Customizer(systemContext));
        this.tracker.open();
    }

    @Override
    public List<DriverDescriptor> loadedDrivers() {
        List<DriverDescriptor> loaded = new ArrayList<>();
        byType.values().forEach(d -> loaded.add(d.descriptor));
        loaded.sort(Comparator.comparing(DriverDescriptor::srType));
        return loaded;
    }

    @Override
    public Optional<DriverDescriptor> descriptor(String srType) {
        return Optional.ofNullable(byType.get(srType)).map(d -> d.descriptor);
    }

    @Override
    public <T> T call(String srType, Function<StorageDriverFactory, T> work) {
        TrackedDriver driver = byType.get(srType);
        if (driver == null || !driver.enter()) {
            throw new StorageException(StandardErrorCode.DRIVER_UNAVAILABLE,
                    "The driver for SR type '" + srType + "' is not loaded");
        }
        try {
            return driver.invoke(work);
        } finally {
            driver.exit();
        }
    }

    @Override
    public void addListener(DriverListener listener) {
        listeners.add(listener);
        byType.values().forEach(d -> listener.driverAdded(d.descriptor));
    }

    @Override
    public void removeListener(DriverListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
        tracker.close();
    }

    /** Return the class loader of the bundle serving {@code srType}; for class-loader leak tests only. */
    Optional<ClassLoader> bundleClassLoader(String srType) {
        return Optional.ofNullable(byType.get(srType)).map(d -> d.classLoader);
    }

    private final class Customizer implements ServiceTrackerCustomizer<StorageDriverFactory, TrackedDriver> {
        private final BundleContext context;

        Customizer(BundleContext context) {
            this.context = context;
        }

        @Override
        public TrackedDriver addingService(ServiceReference<StorageDriverFactory> reference) {
            StorageDriverFactory factory = context.getService(reference);
            if (factory == null) {
                return null;
            }
            ClassLoader loader = reference.getBundle().adapt(BundleWiring.class).getClassLoader();
            TrackedDriver driver = new TrackedDriver(factory, loader, reference.getBundle().getSymbolicName());
            DriverDescriptor descriptor;
            try {
                descriptor = driver.invoke(StorageDriverFactory::descriptor);
            } catch (StorageException e) {
                LOG.error("Driver in bundle {} failed to describe itself: {}", driver.bundleName, e.getMessage());
                context.ungetService(reference);
                return null;
            }
            if (!StorageService.spiCompatible(descriptor.requiredSpiVersion())) {
                LOG.error("Driver '{}' in bundle {} needs SPI {}, which this host does not provide; ignored",
                        descriptor.srType(), driver.bundleName, descriptor.requiredSpiVersion());
                context.ungetService(reference);
                return null;
            }
            driver.descriptor = descriptor;
            TrackedDriver existing = byType.putIfAbsent(descriptor.srType(), driver);
            if (existing != null) {
                LOG.warn("SR type '{}' is already served by bundle {}; the driver in bundle {} is ignored",
                        descriptor.srType(), existing.bundleName, driver.bundleName);
                context.ungetService(reference);
                return null;
            }
            LOG.info("Driver for SR type '{}' loaded: {} {} from bundle {}", descriptor.srType(),
                    descriptor.vendor(), descriptor.version(), driver.bundleName);
            listeners.forEach(l -> l.driverAdded(descriptor));
            return driver;
        }

        @Override
        public void modifiedService(ServiceReference<StorageDriverFactory> reference, TrackedDriver driver) {
        }

        @Override
        public void removedService(ServiceReference<StorageDriverFactory> reference, TrackedDriver driver) {
            byType.remove(driver.descriptor.srType(), driver);
            driver.closeAndDrain();
            listeners.forEach(l -> l.driverRemoved(driver.descriptor.srType()));
            LOG.info("Driver for SR type '{}' unloaded", driver.descriptor.srType());
            context.ungetService(reference);
        }
    }

    /** One tracked driver service and the count of calls inside it. */
    private static final class TrackedDriver {
        private final StorageDriverFactory factory;
        private final ClassLoader classLoader;
        private final String bundleName;
        private final AtomicInteger inFlight = new AtomicInteger();
        private volatile boolean closed;
        private volatile DriverDescriptor descriptor;

        TrackedDriver(StorageDriverFactory factory, ClassLoader classLoader, String bundleName) {
            this.factory = factory;
            this.classLoader = classLoader;
            this.bundleName = bundleName;
        }

        boolean enter() {
            inFlight.incrementAndGet();
            if (closed) {
                exit();
                return false;
            }
            return true;
        }

        void exit() {
            if (inFlight.decrementAndGet() == 0 && closed) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        /** Refuse new calls and wait for the calls inside the driver to return. */
        void closeAndDrain() {
            closed = true;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
            synchronized (this) {
                while (inFlight.get() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.warn("{} calls still inside the driver of bundle {} after {} s; releasing it anyway",
                                inFlight.get(), bundleName, DRAIN_TIMEOUT_SECONDS);
                        return;
                    }
                    try {
                        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        /** Run work inside the driver with its bundle's class loader as context loader; exceptions become host ones. */
        <T> T invoke(Function<StorageDriverFactory, T> work) {
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(classLoader);
            try {
                return work.apply(factory);
            } catch (StorageException e) {
                ErrorCode code = e.errorCode();
                // A new instance, without the cause: nothing of the bundle's classes survives the call.
                throw new StorageException(ErrorCode.of(code.code(), code.name(), code.kind()), e.getMessage());
            } catch (RuntimeException | LinkageError e) {
                LOG.error("Driver in bundle {} failed unexpectedly: {}", bundleName, e.toString());
                throw new StorageException(StandardErrorCode.INTERNAL_ERROR,
                        "The driver failed unexpectedly; see the gateway log");
            } finally {
                thread.setContextClassLoader(previous);
            }
        }
    }
}
