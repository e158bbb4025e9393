package org.storagegateway.itests;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.storagegateway.spi.CrashPoints;

/**
 * The gateway as its own process, started as {@code ./gateway start} starts it, so that a test can kill it: either
 * with a crash point armed (the process halts there, as after {@code kill -9}) or with {@link #kill()}.
 */
final class GatewayProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int port;
    private final Path home;

    private GatewayProcess(Process process, Path log, int port, Path home) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.home = home;
    }

    /** Start a gateway on {@code home} and wait until it is ready; with a crash point, it halts when it reaches it. */
    static GatewayProcess start(Path home, Optional<String> crashPoint) throws IOException, InterruptedException {
        // With a crash point armed, garbage collection waits an hour, so that only the operation under test reaches it.
        GatewayProcess gateway = launch(home, crashPoint, crashPoint.isPresent() ? 3600 : 30);
        gateway.awaitReady(Duration.ofSeconds(120));
        return gateway;
    }

    /** Start a gateway on {@code home} without waiting for it, collecting garbage every {@code gcSeconds}. */
    static GatewayProcess launch(Path home, Optional<String> crashPoint, long gcSeconds) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        crashPoint.ifPresent(point -> command.add("-D" + CrashPoints.PROPERTY + "=" + point));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "org.storagegateway.launcher.GatewayMain", "start", "--home", home.toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--gc-interval", Long.toString(gcSeconds),
                // The simulated array's fixed ports are not this test's to hold, and an array that comes up on a
                // later start would create its SR there, reaching a task crash point before the one under test.
                "--no-embedded-array"));
        Path log = Files.createTempFile(home.getParent(), "gateway-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new GatewayProcess(process, log, port, home);
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains("ready in")) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("The gateway exited with " + process.exitValue() + ":\n" + output());
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("The gateway was not ready in " + timeout + ":\n" + output());
    }

    ZeepClient zeep() throws IOException {
        return new ZeepClient("https://127.0.0.1:" + port + "/storage-gateway?wsdl", home.resolve("admin-password"),
                home.resolve("tls").resolve("gateway-cert.pem"));
    }

    /** Wait for the process to end on its own (a crash point) and return its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("The gateway is still running after " + timeout);
        }
        return process.exitValue();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** Stop the gateway as an admin would (SIGTERM) and wait for it. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
