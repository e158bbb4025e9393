package org.storagegateway.smis.simulator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code wbemcli} (Debian sblim-wbemcli), the independent CIM-XML client the simulator is checked against.
 * Tests that need it are skipped when the binary is absent.
 */
final class Wbemcli {
    static final Path BINARY = Path.of("/usr/bin/wbemcli");

    /** What one wbemcli run printed. */
    record Result(int exitCode, String out, String err) {
        String all() {
            return out + err;
        }

        /** The CIM status code wbemcli reported ("Cim: (5) ..."), or -1. */
        int cimError() {
            Matcher m = Pattern.compile("Cim: \\((\\d+)\\)").matcher(all());
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }

        /** The return value of a {@code cm} call ("Method: 0, ..."), or -1. */
        long returnValue(String method) {
            Matcher m = Pattern.compile(Pattern.quote(method) + ": (\\d+)").matcher(out);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }

        /** The value of a property in {@code -nl} output ("-Name=value"), or null. */
        String property(String name) {
            Matcher m = Pattern.compile("(?m)^-" + Pattern.quote(name) + "=(.*)$").matcher(out);
            return m.find() ? m.group(1) : null;
        }

        /** Non-empty lines of standard output. */
        List<String> lines() {
            List<String> lines = new ArrayList<>();
            for (String l : out.split("\n")) {
                if (!l.isBlank()) {
                    lines.add(l);
                }
            }
            return lines;
        }
    }

    private Wbemcli() {
    }

    static void assumePresent() {
        assumeTrue(Files.isExecutable(BINARY), "wbemcli is not installed (Debian package sblim-wbemcli)");
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return run(BINARY, args);
    }

    /** Run any command-line client (no shell), with a 30 s limit. */
    static Result run(Path binary, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        Path outFile = Files.createTempFile("client", ".out");
        Path errFile = Files.createTempFile("client", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(binary.getFileName() + " " + (args.length > 0 ? args[0] : "")
                        + " did not finish");
            }
            return new Result(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8),
                    Files.readString(errFile, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }
}
