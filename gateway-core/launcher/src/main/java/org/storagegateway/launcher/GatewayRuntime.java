package org.storagegateway.launcher;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.bridge.qemu.QemuHost;
import org.storagegateway.engine.GatewayEngine;
import org.storagegateway.engine.GatewayOperations;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.engine.vm.VirtualMachineService;
import org.storagegateway.persistence.DerbyGatewayStore;
import org.storagegateway.soap.GatewayCredentials;
import org.storagegateway.soap.SoapServer;
import org.storagegateway.soap.SoapServerConfig;

/**
 * A running gateway: store, engine, embedded framework and SOAP endpoint, over one gateway home.
 *
 * <p>Start order: home and secrets, store, engine (which marks interrupted tasks before anything else runs),
 * framework and driver registry, built-in drivers, the default SR, and last the SOAP endpoint. {@link #close()} stops
 * in reverse order. One JVM may start and stop gateways one after another on the same home (the itests do).
 */
public final class GatewayRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayRuntime.class);
    static final String LOCAL_SR_NAME = "Local storage";

    private final Settings settings;
    private final GatewayHome home;
    private final FileLock homeLock;
    private final GatewayStore store;
    private final GatewayEngine engine;
    private final EmbeddedFramework framework;
    private final FelixDriverRegistry registry;
    private final SoapServer soap;
    private final GatewayCredentials credentials;
    private final Duration startup;
    private final Optional<EmbeddedArray> array;
    private final Hypervisors hypervisors;

    /**
     * How to start.
     *
     * @param home the gateway home folder
     * @param bindAddress the address the SOAP endpoint listens on
     * @param port the HTTPS port; 0 picks a free one
     * @param deployBuiltinDrivers whether to copy the shipped driver bundles into deploy/
     * @param createLocalStorage whether to create the default "Local storage" file SR when it is missing
     * @param deployPollMillis how often FileInstall looks at deploy/
     * @param gcInterval how long after start-up or a delete garbage is collected
     * @param embedArray whether to serve the SMI-S simulator as the default array, with an smis SR on it
     */
    public record Settings(
            Path home, String bindAddress, int port, boolean deployBuiltinDrivers, boolean createLocalStorage,
            long deployPollMillis, Duration gcInterval, boolean embedArray) {
        public Settings {
            Objects.requireNonNull(home, "home is null");
            Objects.requireNonNull(bindAddress, "bindAddress is null");
            Objects.requireNonNull(gcInterval, "gcInterval is null");
        }

        /** Return the settings of {@code ./gateway start} for a home. */
        public static Settings defaults(Path home) {
            return new Settings(home, "0.0.0.0", 8443, true, true, 500, GatewayEngine.DEFAULT_GC_INTERVAL, true);
        }
    }

    private GatewayRuntime(Settings settings, GatewayHome home, FileLock homeLock, GatewayStore store, GatewayEngine engine,
            EmbeddedFramework framework, FelixDriverRegistry registry, SoapServer soap, GatewayCredentials credentials,
            Duration startup, Optional<EmbeddedArray> array, Hypervisors hypervisors) {
        this.array = array;
        this.hypervisors = hypervisors;
        this.settings = settings;
        this.home = home;
        this.homeLock = homeLock;
        this.store = store;
        this.engine = engine;
        this.framework = framework;
        this.registry = registry;
        this.soap = soap;
        this.credentials = credentials;
        this.startup = startup;
    }

    /** Start a gateway and return once it serves SOAP calls. */
    public static GatewayRuntime start(Settings settings) throws Exception {
        long begin = System.nanoTime();
        GatewayHome home = new GatewayHome(settings.home()).prepare();
        FileLock homeLock = home.lock();
        GatewayCredentials credentials;
        GatewayStore store;
        try {
            credentials = GatewayCredentials.loadOrCreate(home.root());
            store = DerbyGatewayStore.open(home.database(), home.loadOrCreateStoreKey());
        } catch (Exception | Error e) {
            homeLock.channel().close();
            throw e;
        }
        GatewayEngine engine = null;
        EmbeddedFramework framework = null;
        FelixDriverRegistry registry = null;
        Optional<EmbeddedArray> array = Optional.empty();
        Hypervisors hypervisors = null;
        try {
            framework = EmbeddedFramework.start(home.frameworkCache(), home.deploy(), settings.deployPollMillis());
            registry = new FelixDriverRegistry(framework.systemContext());
            engine = new GatewayEngine(store, registry, Clock.systemUTC(), settings.gcInterval(),
                    GatewayEngine.DEFAULT_GC_LIMITS);
            int interrupted = engine.start();
            if (interrupted > 0) {
                LOG.warn("{} tasks were interrupted by the last stop; they are reconciled as their drivers load",
                        interrupted);
            }
            if (settings.deployBuiltinDrivers()) {
                BuiltinDrivers.deploy(home.deploy());
                for (String srType : BuiltinDrivers.SR_TYPES) {
                    awaitDriver(registry, srType);
                }
            }
            if (settings.createLocalStorage()) {
                ensureLocalStorage(engine.operations(), registry, home);
            }
            if (settings.embedArray()) {
                array = EmbeddedArray.start(home.root());
                if (array.isPresent()) {
                    awaitDriver(registry, EmbeddedArray.SR_TYPE);
                    array.get().ensureRepository(engine.operations());
                }
            }
            // Drivers loaded so far have been recorded and their interrupted tasks reconciled before calls arrive.
            engine.awaitDriverEvents();
            hypervisors = Hypervisors.start(home.root(), engine);
            SoapServer soap = SoapServer.start(SoapServerConfig.builder(credentials)
                    .bindAddress(settings.bindAddress()).port(settings.port()).build(), engine.operations(),
                    Optional.of(hypervisors.virtualMachines()));
            Duration startup = Duration.ofNanos(System.nanoTime() - begin);
            return new GatewayRuntime(settings, home, homeLock, store, engine, framework, registry, soap, credentials,
                    startup, array, hypervisors);
        } catch (Exception | Error e) {
            if (hypervisors != null) {
                hypervisors.close();
            }
            array.ifPresent(EmbeddedArray::close);
            if (engine != null) {
                engine.close();
            }
            if (registry != null) {
                registry.close();
            }
            if (framework != null) {
                framework.close();
            }
            store.close();
            homeLock.channel().close();
            throw e;
        }
    }

    /** Create the default file SR on first start; later starts find it by name and leave it alone. */
    private static void ensureLocalStorage(GatewayOperations operations, FelixDriverRegistry registry, GatewayHome home)
            throws InterruptedException {
        List<StorageRepositoryRecord> existing = operations.listStorageRepositories();
        if (existing.stream().anyMatch(sr -> sr.nameLabel().equals(LOCAL_SR_NAME))) {
            return;
        }
        awaitDriver(registry, "file");
        StorageRepositoryRecord sr = operations.createStorageRepository("file", LOCAL_SR_NAME,
                Map.of("path", home.localStorage().toString()), Optional.of("default-local-storage"));
        LOG.info("Created SR '{}' ({}) in {}", LOCAL_SR_NAME, sr.uuid(), home.localStorage());
    }

    /** Wait until the driver for {@code srType} is loaded (FileInstall installs bundles on its own thread). */
    private static void awaitDriver(FelixDriverRegistry registry, String srType) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (registry.descriptor(srType).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The '" + srType + "' SR driver did not load within 60 s; see the log");
            }
            Thread.sleep(20);
        }
    }

    /** Return the VM operations (hypervisor bridge), for in-process callers. */
    public VirtualMachineService virtualMachines() {
        return hypervisors.virtualMachines();
    }

    /** Return the QEMU hosts this gateway drives; tests reach a guest's channel socket through them. */
    public List<QemuHost> hypervisorHosts() {
        return hypervisors.hosts();
    }

    /** Return the operations, for in-process callers. */
    public GatewayOperations operations() {
        return engine.operations();
    }

    public int port() {
        return soap.port();
    }

    /** Return the WSDL address a local client uses (localhost when listening on every interface). */
    public String wsdlUrl() {
        String host = settings.bindAddress().equals("0.0.0.0") ? "localhost" : settings.bindAddress();
        return "https://" + host + ":" + port() + soap.address().getPath() + "?wsdl";
    }

    public GatewayCredentials credentials() {
        return credentials;
    }

    public Path home() {
        return home.root();
    }

    public Path deployFolder() {
        return home.deploy();
    }

    /** Return how long {@link #start} took, from its call to serving SOAP. */
    public Duration startup() {
        return startup;
    }

    /** Return the class loader of the bundle serving {@code srType}; for class-loader leak tests. */
    public Optional<ClassLoader> driverClassLoader(String srType) {
        return registry.bundleClassLoader(srType);
    }

    /** Return the version the framework's system bundle exports for a package. */
    public Optional<String> exportedVersion(String packageName) {
        return SystemExports.exportedVersion(framework.framework(), packageName);
    }

    @Override
    public void close() {
        soap.close();
        hypervisors.close();
        engine.close();
        array.ifPresent(EmbeddedArray::close);
        registry.close();
        framework.close();
        store.close();
        try {
            homeLock.channel().close();
        } catch (IOException e) {
            LOG.warn("Releasing the lock of {} failed: {}", home.root(), e.getMessage());
        }
    }

}
