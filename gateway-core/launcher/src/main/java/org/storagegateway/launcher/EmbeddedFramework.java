package org.storagegateway.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.spi.SpiVersion;

/**
 * The embedded OSGi framework (Apache Felix) that hosts driver bundles.
 *
 * <ul>
 *   <li>The system bundle exports only the SPI packages, with their version, through
 *       {@code org.osgi.framework.system.packages.extra}.</li>
 *   <li>The runtime bundles (SCR, ConfigAdmin, FileInstall and what SCR needs) are installed at every start from the
 *       launcher's own resources ({@value #RUNTIME_FOLDER}), never from the deploy folder.</li>
 *   <li>FileInstall watches {@code deploy/}: a jar renamed into it is installed and started, a jar removed from it is
 *       uninstalled and the framework refreshed. Files whose names do not end in {@code .jar} are ignored, so copies are
 *       staged under another name and renamed.</li>
 *   <li>The bundle cache is cleaned at each start, so the deploy folder is the only source of driver bundles.</li>
 *   <li>Once a bundle is uninstalled or unresolved (an update), nothing of its classes is left in the JDK's caches
 *       of record methods ({@link RecordMethodCaches}), so its old class loader can be collected.</li>
 * </ul>
 */
final class EmbeddedFramework implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFramework.class);

    /** The SPI packages the host exports to bundles, with the SPI version. */
    static final String SPI_EXPORTS = "org.storagegateway.spi;version=" + SpiVersion.VERSION
            + ",org.storagegateway.spi.model;version=" + SpiVersion.VERSION;
    static final String RUNTIME_FOLDER = "/felix-runtime/";
    /** Installed and started in this order; SCR needs the component API, promise and function. */
    static final List<String> RUNTIME_BUNDLES = List.of(
            "org.osgi.util.function.jar",
            "org.osgi.util.promise.jar",
            "org.osgi.service.component.jar",
            "org.apache.felix.configadmin.jar",
            "org.apache.felix.scr.jar",
            "org.apache.felix.fileinstall.jar");

    private final Framework framework;

    private EmbeddedFramework(Framework framework) {
        this.framework = framework;
    }

    /** Start the framework with its cache in {@code cacheDir}, watching {@code deployDir}. */
    static EmbeddedFramework start(Path cacheDir, Path deployDir, long pollMillis) throws BundleException, IOException {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, cacheDir.toAbsolutePath().toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SPI_EXPORTS);
        config.put("felix.fileinstall.dir", deployDir.toAbsolutePath().toString());
        config.put("felix.fileinstall.filter", ".*\\.jar");
        config.put("felix.fileinstall.poll", Long.toString(pollMillis));
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.bundles.new.start", "true");
        config.put("felix.fileinstall.log.level", "2");
        // Felix's own diagnostics go to stderr only for errors.
        config.put("felix.log.level", "1");

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, EmbeddedFramework.class.getClassLoader())
                .findFirst().orElseThrow(() -> new IllegalStateException("No OSGi framework on the class path"));
        Framework framework = factory.newFramework(config);
        framework.init();
        // Delivered after the bundle stopped: its components are deactivated and its calls drained.
        framework.getBundleContext().addBundleListener(event -> {
            if (event.getType() == BundleEvent.UNINSTALLED || event.getType() == BundleEvent.UNRESOLVED) {
                RecordMethodCaches.release();
            }
        });
        EmbeddedFramework embedded = new EmbeddedFramework(framework);
        try {
            List<Bundle> runtime = embedded.installRuntime();
            framework.start();
            for (Bundle bundle : runtime) {
                if (bundle.getState() != Bundle.ACTIVE) {
                    throw new BundleException("Runtime bundle " + bundle.getSymbolicName()
                            + " did not start; see the framework's messages above");
                }
            }
        } catch (BundleException | IOException | RuntimeException e) {
            embedded.close();
            throw e;
        }
        return embedded;
    }

    private List<Bundle> installRuntime() throws BundleException, IOException {
        BundleContext context = framework.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        for (String name : RUNTIME_BUNDLES) {
            try (InputStream in = EmbeddedFramework.class.getResourceAsStream(RUNTIME_FOLDER + name)) {
                if (in == null) {
                    throw new IOException("Runtime bundle " + name + " is missing from the launcher");
                }
                installed.add(context.installBundle("gateway-runtime:" + name, in));
            }
        }
        for (Bundle bundle : installed) {
            bundle.start();
        }
        return installed;
    }

    /** Return the system bundle's context, through which the host follows driver services. */
    BundleContext systemContext() {
        return framework.getBundleContext();
    }

    /** Return the framework itself, for reading what its system bundle really exports (see SystemExports). */
    Framework framework() {
        return framework;
    }

    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(60_000);
        } catch (BundleException e) {
            LOG.warn("Stopping the framework failed: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
