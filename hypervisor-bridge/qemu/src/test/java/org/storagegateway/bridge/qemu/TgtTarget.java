package org.storagegateway.bridge.qemu;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A private user-space iSCSI target (Debian package tgt) for tests: its own {@code tgtd} on a free loopback port with
 * its own control port, so it never meets another tgtd on the machine. One target with one LUN (LUN 1; tgtd's LUN 0
 * is its controller) backed by a file, open to one initiator name only. Killed with SIGKILL on close: tgtd ignores
 * SIGTERM while it has targets.
 */
final class TgtTarget implements AutoCloseable {
    private final int control;
    private final Process daemon;
    private final String portal;
    private String lastOutput = "";

    private TgtTarget(int control, Process daemon, String portal) {
        this.control = control;
        this.daemon = daemon;
        this.portal = portal;
    }

    static TgtTarget start(String targetIqn, Path backingFile, String initiatorName) throws IOException, InterruptedException {
        Assumptions.assumeTrue(ProcessLauncher.findOnPath("tgtd").isPresent() || Path.of("/usr/sbin/tgtd").toFile().canExecute(),
                "tgtd is not installed (Debian package tgt)");
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        // tgtd takes control ports up to 32767; skip one that another tgtd on this machine already answers on.
        int control = 1000 + (int) (ProcessHandle.current().pid() % 30000);
        while (new TgtTarget(control, null, null).admin("--op", "show", "--mode", "system") == 0) {
            control = 1000 + (control + 1) % 30000;
        }
        String portal = "127.0.0.1:" + port;
        Process daemon = new ProcessBuilder(List.of("setpriv", "--pdeathsig", "KILL", "--", "/usr/sbin/tgtd", "-f",
                "-C", Integer.toString(control), "--iscsi", "portal=" + portal))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        TgtTarget target = new TgtTarget(control, daemon, portal);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (target.admin("--op", "show", "--mode", "system") != 0) {
                if (!daemon.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("tgtd did not come up on control port " + control);
                }
                Thread.sleep(50);
            }
            target.require("--op", "new", "--mode", "target", "--tid", "1", "-T", targetIqn);
            target.require("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "-b", backingFile.toString());
            target.require("--op", "bind", "--mode", "target", "--tid", "1", "--initiator-name", initiatorName);
            return target;
        } catch (RuntimeException | IOException | InterruptedException e) {
            target.close();
            throw e;
        }
    }

    String portal() {
        return portal;
    }

    private void require(String... arguments) throws IOException, InterruptedException {
        if (admin(arguments) != 0) {
            throw new IllegalStateException("tgtadm " + String.join(" ", arguments) + " failed: " + lastOutput);
        }
    }

    private int admin(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/sbin/tgtadm", "-C", Integer.toString(control), "--lld", "iscsi"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        lastOutput = output.strip();
        return status;
    }

    @Override
    public void close() {
        if (daemon == null) {
            return;
        }
        daemon.destroyForcibly();
        try {
            daemon.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
