package org.storagegateway.engine;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.port.DriverRegistry;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.RepositoryConfig;

/**
 * The engine assembled: operations, tasks and recovery over a store and a driver registry.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>{@link #start()} marks the tasks the previous process left running as interrupted, before any call is served,
 *       then follows drivers.</li>
 *   <li>When a driver arrives, on the engine's own thread: it is recorded as seen, its SRs are attached, and the
 *       interrupted tasks that waited for it are reconciled.</li>
 *   <li>{@link #close()} stops following drivers; it does not close the store or the registry, which their owner
 *       closes.</li>
 * </ol>
 */
public final class GatewayEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayEngine.class);

    private final GatewayStore store;
    private final DriverRegistry registry;
    private final Clock clock;
    private final StorageService service;
    private final TaskRecovery recovery;
    private final DriverRegistry.DriverListener driverListener = new DriverRegistry.DriverListener() {
        @Override
        public void driverAdded(DriverDescriptor descriptor) {
            driverEvents.execute(() -> onDriverAdded(descriptor));
        }

        @Override
        public void driverRemoved(String srType) {
            LOG.info("Driver for SR type '{}' removed; its SRs are unavailable until it returns", srType);
        }
    };
    private final ExecutorService driverEvents = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "gateway-driver-events");
        thread.setDaemon(true);
        return thread;
    });

    public GatewayEngine(GatewayStore store, DriverRegistry registry, Clock clock) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.service = new StorageService(store, registry, new TaskRunner(store, clock), clock);
        this.recovery = new TaskRecovery(store, registry, service, clock);
    }

    /** Recover interrupted tasks and start following drivers. Returns the number of tasks found interrupted. */
    public int start() {
        int interrupted = recovery.markInterrupted();
        registry.addListener(driverListener);
        return interrupted;
    }

    /** Return the operations callers use. */
    public GatewayOperations operations() {
        return service;
    }

    /** Wait until the driver events queued so far are handled; for start-up and tests. */
    public void awaitDriverEvents() throws InterruptedException {
        try {
            driverEvents.submit(() -> { }).get(1, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Driver events did not drain", e);
        }
    }

    private void onDriverAdded(DriverDescriptor descriptor) {
        try {
            service.recordDriverSeen(descriptor);
            for (var sr : store.inTransaction(tx -> tx.repositories().list())) {
                if (sr.type().equals(descriptor.srType())) {
                    attach(sr);
                }
            }
            recovery.reconcileAvailable();
        } catch (RuntimeException e) {
            LOG.error("Handling the arrival of driver '{}' failed", descriptor.srType(), e);
        }
    }

    private void attach(StorageRepositoryRecord sr) {
        try {
            Map<String, String> secrets = sr.secretKeys().isEmpty()
                    ? Map.of() : store.inTransaction(tx -> tx.repositories().secrets(sr.uuid()));
            registry.call(sr.type(), factory -> {
                factory.open(new RepositoryConfig(sr.uuid(), sr.nameLabel(), sr.deviceConfig()),
                        new HostDriverContext(sr.type(), secrets, store, clock, HostDriverContext.NO_TASK)).attach();
                return null;
            });
        } catch (StorageException e) {
            LOG.error("Attaching SR {} ('{}') failed: {}", sr.uuid(), sr.nameLabel(), e.getMessage());
        }
    }

    @Override
    public void close() {
        registry.removeListener(driverListener);
        driverEvents.shutdown();
        try {
            driverEvents.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
