package org.storagegateway.bridge.qemu;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts child processes so that they die with the JVM, even when the JVM is killed with SIGKILL and
 * no shutdown hook runs.
 *
 * <p>The child is started through util-linux {@code setpriv --pdeathsig KILL}, which asks the kernel
 * to send SIGKILL to the child when its parent goes away. Linux ties that "parent" to the
 * <em>thread</em> that forked the child, so every child is started from one launcher thread that
 * lives as long as the JVM; a child started from a short-lived worker thread would otherwise be
 * killed when that worker ends. Without setpriv the child is started directly and only the
 * shutdown hook of {@link QemuVm} protects against leaks.
 */
final class ProcessLauncher {
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "process-launcher");
        thread.setDaemon(true);
        return thread;
    });
    private static final Optional<Path> SETPRIV = findOnPath("setpriv");

    private ProcessLauncher() {
    }

    /** True when children get the parent-death signal. */
    static boolean killsChildrenWithJvm() {
        return SETPRIV.isPresent();
    }

    /** The command, prefixed so that the kernel kills the process when the JVM dies. */
    static List<String> withParentDeathSignal(List<String> command) {
        if (SETPRIV.isEmpty()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(SETPRIV.get().toString(), "--pdeathsig", "KILL", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Starts the process from the launcher thread. */
    static Process start(ProcessBuilder builder) throws IOException {
        try {
            return LAUNCHER.submit(builder::start).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot start " + builder.command().get(0), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + builder.command().get(0), e);
        }
    }

    static Optional<Path> findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
