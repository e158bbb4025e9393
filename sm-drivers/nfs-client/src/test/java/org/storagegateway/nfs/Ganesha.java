package org.storagegateway.nfs;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One nfs-ganesha (Debian package, VFS FSAL, NFSv3 over TCP) on 127.0.0.1 for the whole test run, exporting a temporary
 * directory; started and stopped by {@code src/test/ganesha/ganesha-fixture.sh}, which installs the packages and
 * starts rpcbind when needed. Stopped when JUnit closes the root store (or by the JVM shutdown hook).
 */
public final class Ganesha implements ExtensionContext.Store.CloseableResource {

    static final String HOST = "127.0.0.1";

    private final Path script;
    private final Path work;
    private final Path export;
    private final String unavailable;
    private final Thread shutdownHook;

    private Ganesha(Path script, Path work, Path export, String unavailable) {
        this.script = script;
        this.work = work;
        this.export = export;
        this.unavailable = unavailable;
        this.shutdownHook = new Thread(this::stopQuietly, "ganesha-fixture-stop");
        if (unavailable == null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    static Ganesha start() {
        Path script = Path.of(System.getProperty("ganesha.script", "src/test/ganesha/ganesha-fixture.sh"));
        try {
            Path work = Files.createTempDirectory("sg-ganesha-fixture-");
            Path export = work.resolve("export");
            Files.createDirectories(export);
            Result r = run(script, "start", work.toString(), export.toString());
            System.out.println("[ganesha] " + r.output().trim());
            return switch (r.exitCode()) {
                case 0 -> new Ganesha(script, work, export, null);
                case 2, 3 -> new Ganesha(script, work, export,
                        "nfs-ganesha cannot be installed or started here (exit " + r.exitCode() + "): " + r.output().trim());
                default -> throw new IllegalStateException("ganesha fixture failed: " + r.output());
            };
        } catch (IOException e) {
            return new Ganesha(script, null, null, "cannot run " + script + ": " + e);
        }
    }

    boolean available() {
        return unavailable == null;
    }

    String whyUnavailable() {
        return unavailable;
    }

    /** {@code nfs3://127.0.0.1/<export>}: what a driver would be configured with. */
    public URI exportUri() {
        return URI.create("nfs3://" + HOST + export);
    }

    /** The exported directory on the local disk: where the files written over NFS must appear. */
    public Path localExport() {
        return export;
    }

    Path log() {
        return work.resolve("ganesha.log");
    }

    /** Stops ganesha and starts it again on the same export (a server restart, as clients see one). */
    synchronized void restart() throws IOException {
        Result stop = run(script, "stop", work.toString());
        Result start = run(script, "start", work.toString(), export.toString());
        if (stop.exitCode() != 0 || start.exitCode() != 0) {
            throw new IOException("ganesha restart failed: " + stop.output() + start.output());
        }
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // shutting down already, or never registered
        }
    }

    private synchronized void stopQuietly() {
        if (work == null || !Files.exists(work)) {
            return;
        }
        try {
            run(script, "stop", work.toString());
            try (Stream<Path> all = Files.walk(work)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("[ganesha] stop failed: " + e);
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Path script, String... args) throws IOException {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "bash";
        cmd[1] = script.toString();
        System.arraycopy(args, 0, cmd, 2, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(3, "timed out: " + out);
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }
}
