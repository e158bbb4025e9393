package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.storagegateway.bridge.qemu.guest.TestGuest;

/** QEMU process supervision without a guest: the CPUs never start ({@code -S}), which is enough for QMP. */
class QemuProcessIT {

    @BeforeAll
    static void needQemu() {
        TestGuest.requireQemu();
    }

    private static QemuConfig.Builder paused(String name) {
        return QemuConfig.builder().name(name).startPaused(true);
    }

    @Test
    void startsNegotiatesQmpAndQuitsOnRequest() {
        QemuVm vm = QemuVm.start(paused("proc-quit").build());
        Path runDirectory = vm.runDirectory();
        try {
            assertThat(vm.isRunning()).isTrue();
            assertThat(vm.status()).isEqualTo("prelaunch");
            assertThat(vm.qmp().greeting().atLeast(7, 2)).isTrue();
            assertThat(vm.disks().freeRootPorts()).containsExactly("rp0", "rp1", "rp2", "rp3", "rp4", "rp5", "rp6", "rp7");

            QemuExit exit = vm.shutdown(Duration.ofSeconds(10));

            assertThat(exit.reason()).isEqualTo(QemuExit.Reason.REQUESTED);
            assertThat(exit.exitCode()).isZero();
            assertThat(exit.shutdownReason()).isEqualTo("host-qmp-quit");
            assertThat(vm.isRunning()).isFalse();
            assertThat(ProcessHandle.of(vm.pid())).isEmpty();
        } finally {
            vm.close();
        }
        assertThat(runDirectory).doesNotExist();
    }

    @Test
    void aKilledQemuIsReportedAsACrashToListenersAndCallers() throws Exception {
        try (QemuVm vm = QemuVm.start(paused("proc-crash").build())) {
            CompletableFuture<QemuExit> heard = new CompletableFuture<>();
            vm.addExitListener(heard::complete);

            // Killed from outside, as the OOM killer or an operator would.
            assertThat(ProcessHandle.of(vm.pid()).orElseThrow().destroyForcibly()).isTrue();

            QemuExit exit = heard.get(10, TimeUnit.SECONDS);
            assertThat(exit.reason()).isEqualTo(QemuExit.Reason.CRASHED);
            assertThat(exit.unexpected()).isTrue();
            assertThat(exit.exitCode()).isEqualTo(128 + 9);
            assertThat(vm.exitFuture().get(1, TimeUnit.SECONDS)).isSameAs(exit);
            assertThatThrownBy(() -> vm.qmp().execute("query-status")).isInstanceOf(QmpConnectionException.class);
            assertThatThrownBy(() -> vm.disks().blockNodeNames())
                    .isInstanceOfSatisfying(QemuExitedException.class, e -> assertThat(e.exit()).isSameAs(exit));
            assertThatThrownBy(vm::status).isInstanceOf(QemuExitedException.class);

            List<QemuExit> late = new java.util.ArrayList<>();
            vm.addExitListener(late::add);
            assertThat(late).containsExactly(exit);
        }
    }

    @Test
    void aQemuThatFailsToStartReportsItsOwnError() {
        QemuConfig config = paused("proc-bad").extraArguments(List.of("-device", "no-such-device-model")).build();

        assertThatThrownBy(() -> QemuVm.start(config))
                .isInstanceOfSatisfying(QemuExitedException.class, e -> {
                    assertThat(e.exit().reason()).isEqualTo(QemuExit.Reason.CRASHED);
                    assertThat(e.exit().exitCode()).isNotZero();
                    assertThat(e.exit().logTail()).contains("no-such-device-model");
                    assertThat(e.getMessage()).contains("no-such-device-model");
                });
    }

    @Test
    void aQemuThatStopsAnsweringIsKilledByShutdown() throws Exception {
        try (QemuVm vm = QemuVm.start(paused("proc-hung").build())) {
            Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(vm.pid())).start();
            assertThat(stop.waitFor(5, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();

            QemuExit exit = vm.shutdown(Duration.ofMillis(500));

            assertThat(exit.reason()).isEqualTo(QemuExit.Reason.REQUESTED);
            assertThat(exit.exitCode()).isEqualTo(128 + 9);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(ProcessHandle.of(vm.pid())).isEmpty();
        }
    }

    /** Gone or a zombie: an orphan is reaped by whoever is PID 1, which may take its time. */
    private static boolean isGone(long pid) throws java.io.IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) {
            return true;
        }
        try {
            String text = Files.readString(stat);
            return text.substring(text.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.nio.file.NoSuchFileException e) {
            return true;
        }
    }

    @Test
    void qemuDiesWithItsJvmEvenWhenTheJvmIsKilled() throws Exception {
        Assumptions.assumeTrue(ProcessLauncher.killsChildrenWithJvm(), "setpriv (util-linux) is not installed");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", classPath, LeakProbeMain.class.getName())
                .redirectErrorStream(true).start();
        long qemuPid;
        Path runDirectory;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
                assertThat(line).as("the probe JVM's output").isNotNull();
            } while (!line.startsWith("PID "));
            String[] parts = line.split(" ", 3);
            qemuPid = Long.parseLong(parts[1]);
            runDirectory = Path.of(parts[2]);
            Optional<ProcessHandle> qemu = ProcessHandle.of(qemuPid);
            assertThat(qemu).isPresent();
            assertThat(qemu.get().info().command().orElse("")).endsWith("qemu-system-x86_64");

            child.destroyForcibly(); // SIGKILL: no shutdown hook runs in the child
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(10)).until(() -> isGone(qemuPid));
        } finally {
            child.destroyForcibly();
        }
        try (var paths = Files.walk(runDirectory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
