package org.storagegateway.bridge.qemu.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.storagegateway.bridge.qemu.QemuConfig;

/**
 * The tiny Debian test guest for end-to-end tests: built once per JVM by
 * {@code hypervisor-bridge/guest/build-guest.sh} (which itself caches across runs).
 *
 * <p>Tests skip, through JUnit assumptions, only when {@code qemu-system-x86_64} is missing or the
 * guest packages cannot be fetched (the script's exit status 75: no network, no apt lists). Any
 * other build failure fails the test.
 */
public final class TestGuest {
    /** The virtio-serial port name the guest's agent listens on. */
    public static final String AGENT_PORT = "org.storagegateway.agent";
    /** Exit status of build-guest.sh when the packages cannot be fetched. */
    public static final int UNAVAILABLE = 75;

    /** A built guest. {@code kernel} is the uncompressed vmlinux (PVH boot) when the build has one. */
    public record Image(Path directory, Path kernel, Path initrd) {}

    private static Image image;
    private static String unavailable;

    private TestGuest() {
    }

    /** The QEMU binary, or a skipped test when there is none. */
    public static Path requireQemu() {
        Optional<Path> qemu = QemuConfig.findDefaultBinary();
        Assumptions.assumeTrue(qemu.isPresent(),
                QemuConfig.DEFAULT_BINARY + " is not installed (Debian package qemu-system-x86): skipping the QEMU tests");
        return qemu.get();
    }

    /** The guest, or a skipped test when its packages cannot be fetched. */
    public static Image require() {
        requireQemu();
        Optional<Image> built = build();
        Assumptions.assumeTrue(built.isPresent(), () -> "the test guest cannot be built: " + unavailable);
        return built.get();
    }

    /** A VM configuration that boots the guest with its agent channel (TCG, 256 MiB, 8 root ports, SCSI). */
    public static QemuConfig.Builder vm(String name, Image guest) {
        return QemuConfig.builder()
                .name(name)
                .kernel(guest.kernel(), guest.initrd())
                .agentChannel(AGENT_PORT);
    }

    /** Runs the builder once per JVM. Empty when the packages are unavailable; throws on other failures. */
    public static synchronized Optional<Image> build() {
        if (image != null || unavailable != null) {
            return Optional.ofNullable(image);
        }
        Path script = script();
        Path log;
        try {
            log = Files.createTempFile("build-guest-", ".log");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            Process process = new ProcessBuilder("bash", script.toString())
                    .redirectError(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(15, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("build-guest.sh did not finish within 15 minutes");
            }
            String errors = Files.readString(log);
            if (process.exitValue() == UNAVAILABLE) {
                unavailable = errors.strip();
                return Optional.empty();
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("build-guest.sh failed with status " + process.exitValue() + ":\n" + errors);
            }
            List<String> lines = stdout.lines().toList();
            Path directory = Path.of(lines.get(lines.size() - 1));
            Path vmlinux = directory.resolve("vmlinux");
            Path kernel = Files.isRegularFile(vmlinux) ? vmlinux : directory.resolve("vmlinuz");
            image = new Image(directory, kernel, directory.resolve("initrd.gz"));
            return Optional.of(image);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the guest", e);
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a temporary file
            }
        }
    }

    /** The builder script: system property {@code guest.script}, else found from the working directory upwards. */
    static Path script() {
        String property = System.getProperty("guest.script");
        if (property != null) {
            return Path.of(property);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("hypervisor-bridge/guest/build-guest.sh");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            Path sibling = dir.resolve("guest/build-guest.sh");
            if (Files.isRegularFile(sibling)) {
                return sibling;
            }
        }
        throw new IllegalStateException("cannot find hypervisor-bridge/guest/build-guest.sh; set -Dguest.script");
    }
}
