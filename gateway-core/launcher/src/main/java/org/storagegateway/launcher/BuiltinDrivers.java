package org.storagegateway.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver bundles that ship with the gateway. They are deployed like any vendor bundle: copied into
 * {@code deploy/} under a temporary name and renamed, so FileInstall never sees a half-written jar. A shipped bundle
 * is copied when the deploy folder lacks it or holds a different build of it.
 */
final class BuiltinDrivers {
    private static final Logger LOG = LoggerFactory.getLogger(BuiltinDrivers.class);
    static final String FOLDER = "/builtin-drivers/";
    static final List<String> BUNDLES =
            List.of("file-sr-driver.jar", "nfs-sr-driver.jar", "smis-adapter.jar", "smis-quirks-3par.jar");
    /** The SR types the shipped bundles register; start-up waits for each before it reports ready. */
    static final List<String> SR_TYPES = List.of("file", "nfs", "smis");

    private BuiltinDrivers() {
    }

    /** Deploy the shipped drivers into {@code deployDir}; returns the names copied. */
    static List<String> deploy(Path deployDir) throws IOException {
        List<String> copied = new java.util.ArrayList<>();
        for (String name : BUNDLES) {
            byte[] shipped;
            try (InputStream in = BuiltinDrivers.class.getResourceAsStream(FOLDER + name)) {
                if (in == null) {
                    throw new IOException("Built-in driver " + name + " is missing from the launcher");
                }
                shipped = in.readAllBytes();
            }
            Path target = deployDir.resolve(name);
            if (Files.exists(target) && Arrays.equals(Files.readAllBytes(target), shipped)) {
                continue;
            }
            atomicCopy(shipped, target);
            copied.add(name);
            LOG.info("Deployed built-in driver bundle {}", name);
        }
        return copied;
    }

    /** Write {@code content} to {@code target} through a staging file that FileInstall ignores, then rename. */
    static void atomicCopy(byte[] content, Path target) throws IOException {
        Path staging = target.resolveSibling("." + target.getFileName() + ".partial");
        Files.write(staging, content);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
