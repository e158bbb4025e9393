package org.storagegateway.engine;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.port.DriverRegistry;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.engine.vm.GatewayStoragePort;
import org.storagegateway.engine.vm.VirtualMachineService;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.GarbageCollectionLimits;
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
 *   <li>A collector looks for garbage on each SR once after start-up and after deletes, every
 *       {@code gcInterval}, as journaled tasks.</li>
 *   <li>{@link #close()} stops following drivers and collecting garbage; it does not close the store or the registry, which their owner
 *       closes.</li>
 * </ol>
 */
public final class GatewayEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayEngine.class);

    private final GatewayStore store;
    private final DriverRegistry registry;
    private final Clock clock;
    private final StorageService service;
    private final TaskRunner tasks;
    private final GatewayStoragePort storagePort;
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

    /** Garbage is looked for this long after a delete, or after start-up. */
    public static final Duration DEFAULT_GC_INTERVAL = Duration.ofSeconds(30);
    /** Coalescing copies at most 64 MiB/s and 8 chain links per driver call. */
    public static final GarbageCollectionLimits DEFAULT_GC_LIMITS = new GarbageCollectionLimits(64L << 20, 8);

    private final Duration gcInterval;
    private final GarbageCollectionLimits gcLimits;
    private final ScheduledExecutorService garbageCollector = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "gateway-garbage-collector");
        thread.setDaemon(true);
        return thread;
    });

    public GatewayEngine(GatewayStore store, DriverRegistry registry, Clock clock) {
        this(store, registry, clock, DEFAULT_GC_INTERVAL, DEFAULT_GC_LIMITS);
    }

    public GatewayEngine(GatewayStore store, DriverRegistry registry, Clock clock, Duration gcInterval,
            GarbageCollectionLimits gcLimits) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.registry = Objects.requireNonNull(registry, "registry is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.gcInterval = Objects.requireNonNull(gcInterval, "gcInterval is null");
        this.gcLimits = Objects.requireNonNull(gcLimits, "gcLimits is null");
        this.tasks = new TaskRunner(store, clock);
        this.service = new StorageService(store, registry, tasks, clock);
        this.storagePort = new GatewayStoragePort(service);
        this.recovery = new TaskRecovery(store, registry, service, clock);
    }

    /** Recover interrupted tasks and start following drivers. Returns the number of tasks found interrupted. */
    public int start() {
        int interrupted = recovery.markInterrupted();
        VirtualMachineService.resolveInterrupted(store);
        registry.addListener(driverListener);
        // Every SR is visited once after start-up, then those where VDIs were deleted.
        store.inTransaction(tx -> tx.repositories().list()).forEach(sr -> service.suspectGarbage(sr.uuid()));
        garbageCollector.scheduleWithFixedDelay(this::collectGarbage, gcInterval.toMillis(), gcInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        return interrupted;
    }

    /** Return the operations callers use. */
    public GatewayOperations operations() {
        return service;
    }

    // ---- hypervisor bridge

    /** The bridge's storage port on this engine's VDIs: what a host is built with. */
    public GatewayStoragePort storagePort() {
        return storagePort;
    }

    /**
     * The VM operations over the given hosts (built with {@link #storagePort()}); the caller closes it. From now on the
     * storage operations ask it which VDIs are attached, and a VDI resize tells its guests.
     */
    public VirtualMachineService virtualMachines(List<VirtualMachineService.HostEntry> hosts) {
        VirtualMachineService virtualMachines = new VirtualMachineService(service, storagePort, tasks, store, hosts);
        service.useAttachedDisks(virtualMachines);
        return virtualMachines;
    }

    /** Wait until the driver events queued so far are handled; for start-up and tests. */
    public void awaitDriverEvents() throws InterruptedException {
        try {
            driverEvents.submit(() -> { }).get(1, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Driver events did not drain", e);
        }
    }

    private void collectGarbage() {
        try {
            service.collectSuspectedGarbage(gcLimits);
        } catch (RuntimeException e) {
            LOG.warn("Garbage collection failed; it is tried again later: {}", e.getMessage());
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
        // A coalesce under way stops at its next run and leaves a valid chain; the next start finishes it.
        garbageCollector.shutdownNow();
        driverEvents.shutdown();
        try {
            garbageCollector.awaitTermination(30, TimeUnit.SECONDS);
            driverEvents.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
