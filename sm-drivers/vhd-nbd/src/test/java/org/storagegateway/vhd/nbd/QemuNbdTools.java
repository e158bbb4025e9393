package org.storagegateway.vhd.nbd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * QEMU's own NBD client, as the independent judge of the server: {@code qemu-io}, {@code qemu-img compare} and
 * {@code qemu-img map} over {@code nbd+unix://} URIs. Shared with the driver tests through this module's test jar.
 */
public final class QemuNbdTools {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QemuNbdTools() {
    }

    /** One extent of {@code qemu-img map --output=json}. */
    public record MapExtent(long start, long length, boolean data, boolean zero) {
    }

    /** Run {@code qemu-io -f raw <target>} with the given {@code -c} commands; fails on any failed command. */
    public static String qemuIo(String target, String... commands) {
        return qemuIo(false, target, commands);
    }

    /** As {@link #qemuIo(String, String...)}, opening the target read-only ({@code -r}) if asked. */
    public static String qemuIo(boolean readOnly, String target, String... commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        if (readOnly) {
            command.add("-r");
        }
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        command.add(target);
        String output = run(command, 120);
        if (output.contains("failed") || output.contains("Pattern verification") || output.contains("qemu-io:")) {
            throw new AssertionError("qemu-io on " + target + " reported a failure:\n" + output);
        }
        return output;
    }

    /** Whether {@code qemu-img compare} finds the two raw images identical (exit status 0; 1 means they differ). */
    public static boolean identical(String target, Path rawReference) {
        Result r = exec(List.of("qemu-img", "compare", "-f", "raw", "-F", "raw", target, rawReference.toString()), 300);
        if (r.exitCode > 1) {
            throw new AssertionError("qemu-img compare failed: " + r.output);
        }
        return r.exitCode == 0;
    }

    /** The export's size as a new connection learns it at the handshake ({@code qemu-img info}). */
    public static long exportSize(String target) {
        String output = run(List.of("qemu-img", "info", "--output=json", "-f", "raw", target), 60);
        try {
            return JSON.readTree(output).get("virtual-size").asLong();
        } catch (IOException e) {
            throw new AssertionError("qemu-img info printed no JSON: " + output, e);
        }
    }

    /** {@code qemu-img map --output=json -f raw <target>}: what the server's block status reports. */
    public static List<MapExtent> map(String target) {
        String output = run(List.of("qemu-img", "map", "--output=json", "-f", "raw", target), 120);
        try {
            List<MapExtent> extents = new ArrayList<>();
            for (JsonNode node : JSON.readTree(output)) {
                extents.add(new MapExtent(node.get("start").asLong(), node.get("length").asLong(),
                        node.get("data").asBoolean(), node.get("zero").asBoolean()));
            }
            return extents;
        } catch (IOException e) {
            throw new AssertionError("qemu-img map printed no JSON: " + output, e);
        }
    }

    /** Start {@code qemu-io} in the background (for writes that run while something else happens). */
    public static Process qemuIoInBackground(String target, List<String> commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        command.add(target);
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Wait for a background {@code qemu-io} and fail if any of its commands failed. */
    public static String finish(Process qemuIo) {
        try {
            String output = new String(qemuIo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!qemuIo.waitFor(120, TimeUnit.SECONDS)) {
                qemuIo.destroyForcibly();
                throw new AssertionError("qemu-io did not finish");
            }
            if (qemuIo.exitValue() != 0 || output.contains("failed") || output.contains("qemu-io:")) {
                throw new AssertionError("qemu-io failed (" + qemuIo.exitValue() + "):\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Run a command, failing on a non-zero exit status; returns its output. */
    public static String run(List<String> command, int timeoutSeconds) {
        Result r = exec(command, timeoutSeconds);
        if (r.exitCode != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + r.exitCode + ":\n" + r.output);
        }
        return r.output;
    }

    private record Result(int exitCode, String output) {
    }

    private static Result exec(List<String> command, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
