package org.storagegateway.bridge.qemu;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One supervised {@code qemu-system-x86_64} process with its QMP session.
 *
 * <p>{@link #start} launches QEMU as {@link QemuConfig} describes and returns once QMP is negotiated.
 * The process is watched: when it exits, {@link #exitFuture()} completes and exit listeners run with a
 * {@link QemuExit} that says whether the exit was asked for, the guest powered off, or QEMU crashed;
 * operations of {@link #disks()} then fail with {@link QemuExitedException}.
 *
 * <p>No process outlives its owner: {@link #close()} stops QEMU (QMP {@code quit}, then SIGKILL), a
 * JVM shutdown hook kills what is still running, and the kernel kills QEMU if the JVM dies without
 * running hooks (see {@code ProcessLauncher}).
 */
public final class QemuVm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QemuVm.class);
    private static final Set<QemuVm> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Executor EXIT_WATCHERS = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "qemu-exit-watcher");
        thread.setDaemon(true);
        return thread;
    });
    private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(5);
    private static final int LOG_TAIL_BYTES = 4096;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (QemuVm vm : RUNNING) {
                vm.exitRequested = true;
                vm.process.destroyForcibly();
            }
        }, "qemu-reaper"));
    }

    private final QemuConfig config;
    private final Path runDirectory;
    private final boolean ownsRunDirectory;
    private final Process process;
    private final CompletableFuture<QemuExit> exit = new CompletableFuture<>();
    private final List<Consumer<QemuExit>> exitListeners = new CopyOnWriteArrayList<>();
    private final Instant startedAt;
    private volatile boolean exitRequested;
    private volatile QmpClient qmp;
    private volatile PendingEvent shutdownEvent;
    private volatile DiskHotplug disks;
    private volatile boolean closed;

    private QemuVm(QemuConfig config, Path runDirectory, boolean ownsRunDirectory, Process process, Instant startedAt) {
        this.config = config;
        this.runDirectory = runDirectory;
        this.ownsRunDirectory = ownsRunDirectory;
        this.process = process;
        this.startedAt = startedAt;
    }

    /**
     * Starts QEMU and connects QMP.
     *
     * @throws QemuExitedException when QEMU exits during start-up (its output is in the exit's log tail)
     * @throws QemuException       when QEMU cannot be launched or QMP does not come up in time
     */
    public static QemuVm start(QemuConfig config) {
        Path runDirectory;
        boolean owned = config.runDirectory().isEmpty();
        try {
            runDirectory = owned ? Files.createTempDirectory(config.name() + "-") : Files.createDirectories(config.runDirectory().get());
            for (String stale : List.of(QemuConfig.QMP_SOCKET, QemuConfig.AGENT_SOCKET)) {
                Files.deleteIfExists(runDirectory.resolve(stale));
            }
        } catch (IOException e) {
            throw new QemuException("cannot prepare the run directory: " + e.getMessage(), e);
        }
        if (runDirectory.resolve(QemuConfig.AGENT_SOCKET).toString().getBytes(StandardCharsets.UTF_8).length > 107) {
            throw new QemuException("run directory path too long for unix sockets: " + runDirectory);
        }
        List<String> command = ProcessLauncher.withParentDeathSignal(config.commandLine(runDirectory));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(runDirectory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(runDirectory.resolve(QemuConfig.QEMU_LOG).toFile()));
        Instant startedAt = Instant.now();
        Process process;
        try {
            process = ProcessLauncher.start(builder);
        } catch (IOException e) {
            if (owned) {
                deleteTree(runDirectory);
            }
            throw new QemuException("cannot start " + config.binary() + ": " + e.getMessage(), e);
        }
        QemuVm vm = new QemuVm(config, runDirectory, owned, process, startedAt);
        RUNNING.add(vm);
        LOG.debug("started QEMU {} (pid {}): {}", config.name(), process.pid(), String.join(" ", command));
        process.onExit().thenRunAsync(vm::processExited, EXIT_WATCHERS).exceptionally(failure -> {
            // Never leave waiters hanging: record the exit even if classifying it failed.
            LOG.error("exit watcher of {} failed", config.name(), failure);
            vm.exit.complete(new QemuExit(process.exitValue(), QemuExit.Reason.CRASHED, null, Instant.now(), ""));
            return null;
        });
        try {
            vm.connectQmp();
            return vm;
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    private void connectQmp() {
        Path socket = runDirectory.resolve(QemuConfig.QMP_SOCKET);
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        QmpConnectionException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new QemuExitedException(awaitExitRecord(), last);
            }
            if (Files.exists(socket)) {
                try {
                    QmpClient client = QmpClient.connect(socket, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
                            config.commandTimeout());
                    shutdownEvent = client.expectEvent("SHUTDOWN", e -> true);
                    qmp = client;
                    disks = new DiskHotplug(client, config, this::connectionLost);
                    return;
                } catch (QmpConnectionException e) {
                    last = e;
                }
            }
            sleep(20);
        }
        if (!process.isAlive()) {
            throw new QemuExitedException(awaitExitRecord(), last);
        }
        throw new QemuException("QEMU " + config.name() + " did not open QMP within " + config.startTimeout().toMillis()
                + " ms" + (last == null ? "" : ": " + last.getMessage()), last);
    }

    /** Runs on an exit-watcher thread once the process is gone. */
    private void processExited() {
        QmpClient client = qmp;
        String shutdownReason = null;
        if (client != null) {
            // The reader handles every line QEMU wrote before it notices the end of the stream, so once
            // the session is closed the SHUTDOWN expectation has its final state.
            try {
                client.closeFuture().get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("QMP of {} still open after the process exited", config.name());
            }
            client.close();
            PendingEvent shutdown = shutdownEvent;
            if (shutdown != null && shutdown.future().isDone() && !shutdown.future().isCompletedExceptionally()) {
                shutdownReason = shutdown.future().join().text("reason");
            }
        }
        QemuExit.Reason reason;
        if (exitRequested) {
            reason = QemuExit.Reason.REQUESTED;
        } else if ("guest-shutdown".equals(shutdownReason)) {
            reason = QemuExit.Reason.GUEST_POWEROFF;
        } else if (shutdownReason != null && shutdownReason.startsWith("guest-")) {
            reason = QemuExit.Reason.GUEST_RESET;
        } else {
            reason = QemuExit.Reason.CRASHED;
        }
        QemuExit record = new QemuExit(process.exitValue(), reason, shutdownReason, Instant.now(), logTail());
        RUNNING.remove(this);
        if (record.unexpected()) {
            LOG.warn("QEMU {} (pid {}) exited unexpectedly: {}", config.name(), process.pid(), record.describe());
        } else {
            LOG.debug("QEMU {} (pid {}) exited: {}", config.name(), process.pid(), record.describe());
        }
        exit.complete(record);
        for (Consumer<QemuExit> listener : exitListeners) {
            try {
                listener.accept(record);
            } catch (RuntimeException e) {
                LOG.warn("exit listener of {} failed", config.name(), e);
            }
        }
    }

    // --- accessors ------------------------------------------------------------------------------

    public QemuConfig config() {
        return config;
    }

    /** The QMP session. Commands fail with {@link QmpConnectionException} once QEMU is gone. */
    public QmpClient qmp() {
        return qmp;
    }

    /** Disk plug and unplug for this VM. */
    public DiskHotplug disks() {
        return disks;
    }

    public long pid() {
        return process.pid();
    }

    public Instant startedAt() {
        return startedAt;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    public Path runDirectory() {
        return runDirectory;
    }

    /** The guest's serial console output. */
    public Path consoleLog() {
        return runDirectory.resolve(QemuConfig.CONSOLE_LOG);
    }

    /** QEMU's own stdout and stderr. */
    public Path qemuLog() {
        return runDirectory.resolve(QemuConfig.QEMU_LOG);
    }

    /** The unix socket of the guest agent channel, when the machine has one. */
    public Optional<Path> agentSocket() {
        return config.agentChannel().map(name -> runDirectory.resolve(QemuConfig.AGENT_SOCKET));
    }

    /** QMP {@code query-status}: running, paused, prelaunch, shutdown, ... */
    public String status() {
        try {
            return qmp.execute("query-status").path("status").asText();
        } catch (QmpConnectionException e) {
            throw connectionLost(e);
        }
    }

    /** Completes when the process has exited. */
    public CompletableFuture<QemuExit> exitFuture() {
        return exit.copy();
    }

    /** Runs {@code listener} once the process exits (at once if it already has). */
    public void addExitListener(Consumer<QemuExit> listener) {
        exitListeners.add(listener);
        QemuExit done = exit.getNow(null);
        if (done != null && exitListeners.remove(listener)) {
            listener.accept(done);
        }
    }

    /** Waits for the process to exit; empty if it is still running after {@code timeout}. */
    public Optional<QemuExit> awaitExit(Duration timeout) {
        try {
            return Optional.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new QemuException("exit watcher failed", e.getCause());
        }
    }

    // --- lifecycle ------------------------------------------------------------------------------

    /**
     * Stops QEMU at once with QMP {@code quit} (the guest gets no notice), killing it if it has not
     * exited within {@code timeout}.
     */
    public QemuExit shutdown(Duration timeout) {
        exitRequested = true;
        if (process.isAlive() && qmp != null && qmp.isOpen()) {
            try {
                qmp.execute("quit", min(timeout, QUIT_TIMEOUT));
            } catch (QemuException e) {
                // QEMU may close the socket before the reply arrives; the exit below is what counts.
                LOG.debug("quit on {}: {}", config.name(), e.getMessage());
            }
        }
        return awaitExit(timeout).orElseGet(this::kill);
    }

    /**
     * Presses the ACPI power button ({@code system_powerdown}) and waits for the guest to power off.
     *
     * @throws QemuException when the guest did not power off in time; the VM keeps running
     */
    public QemuExit powerdown(Duration timeout) {
        exitRequested = true;
        try {
            qmp.execute("system_powerdown", min(timeout, QUIT_TIMEOUT));
        } catch (QmpConnectionException e) {
            throw connectionLost(e);
        }
        Optional<QemuExit> done = awaitExit(timeout);
        if (done.isEmpty()) {
            exitRequested = false;
            throw new QemuException("guest of " + config.name() + " did not power off within " + timeout.toMillis() + " ms");
        }
        return done.get();
    }

    /** Kills QEMU with SIGKILL and waits for the exit to be recorded. */
    public QemuExit kill() {
        exitRequested = true;
        process.destroyForcibly();
        return awaitExitRecord();
    }

    /** Stops QEMU if it still runs ({@link #shutdown}), closes QMP and deletes a temporary run directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                shutdown(QUIT_TIMEOUT);
            }
            awaitExitRecord();
        } finally {
            QmpClient client = qmp;
            if (client != null) {
                client.close();
            }
            RUNNING.remove(this);
            if (ownsRunDirectory) {
                deleteTree(runDirectory);
            }
        }
    }

    /**
     * What to throw when the QMP session is lost: if the process is gone (or goes within two seconds),
     * a {@link QemuExitedException} that says how; otherwise the connection failure itself.
     */
    QemuException connectionLost(QmpConnectionException cause) {
        try {
            QemuExit record = exit.get(2, TimeUnit.SECONDS);
            return new QemuExitedException(record, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return cause;
        } catch (ExecutionException | TimeoutException e) {
            return cause;
        }
    }

    private QemuExit awaitExitRecord() {
        try {
            return exit.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QemuException("interrupted while waiting for QEMU " + config.name() + " to exit", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new QemuException("QEMU " + config.name() + " (pid " + process.pid() + ") did not exit", e);
        }
    }

    private String logTail() {
        Path log = qemuLog();
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long from = Math.max(0, length - LOG_TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - from)];
            file.seek(from);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QemuException("interrupted", e);
        }
    }

    static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}", path, e);
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot delete {}", root, e);
        }
    }

    @Override
    public String toString() {
        return "QemuVm[" + config.name() + ", pid " + process.pid() + (process.isAlive() ? "" : ", exited") + "]";
    }
}
