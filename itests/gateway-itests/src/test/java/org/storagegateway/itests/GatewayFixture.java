package org.storagegateway.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.storagegateway.launcher.GatewayRuntime;

/** Starts the real launcher in this JVM (Felix, Derby, CXF on an ephemeral loopback port) and opens zeep clients. */
final class GatewayFixture {
    private GatewayFixture() {
    }

    /** Start a gateway as {@code ./gateway start} does, on loopback and a free port, without the embedded array. */
    static GatewayRuntime startDefault(Path home) throws Exception {
        return GatewayRuntime.start(new GatewayRuntime.Settings(home, "127.0.0.1", 0, true, true, 200,
                Duration.ofSeconds(30), false));
    }

    /** Start a gateway with an empty deploy folder and no SR: drivers arrive only when a test deploys them. */
    static GatewayRuntime startBare(Path home) throws Exception {
        return GatewayRuntime.start(new GatewayRuntime.Settings(home, "127.0.0.1", 0, false, false, 200,
                Duration.ofSeconds(30), false));
    }

    static ZeepClient zeep(GatewayRuntime gateway) throws IOException {
        return new ZeepClient(gateway.wsdlUrl(), gateway.credentials().adminPasswordFile(),
                gateway.credentials().certificatePemFile());
    }

    /** Return a bundle built by the reactor for the tests, such as {@code latch-driver.jar}. */
    static Path testBundle(String name) {
        return Path.of(System.getProperty("test.bundles")).resolve(name);
    }

    /** Deploy a bundle the way admins are told to: copy under a name FileInstall ignores, then rename. */
    static void deploy(GatewayRuntime gateway, Path bundle) throws IOException {
        Path target = gateway.deployFolder().resolve(bundle.getFileName());
        Path staging = target.resolveSibling("." + bundle.getFileName() + ".partial");
        Files.copy(bundle, staging, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    }

    static void undeploy(GatewayRuntime gateway, String bundleFileName) throws IOException {
        Files.delete(gateway.deployFolder().resolve(bundleFileName));
    }
}
