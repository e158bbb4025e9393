package org.storagegateway.smis.simulator.array;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimStatus;

/**
 * The iSCSI data path: a tgtd of the simulator's own (Debian {@code tgt}, user space) that serves each masking view
 * as a target named like the view's SPC, one logical unit per mapped volume (LUN = the view's DeviceNumber) backed by
 * the volume's file, with an ACL of exactly the view's initiators.
 *
 * <p>The daemon listens on the portal (loopback) and is managed through the control socket whose number is derived
 * from the portal's port ({@code tgtd -C <n>}, see {@link #controlPortFor}), so it never touches a system tgtd
 * (control socket 0). It starts when the
 * first view is published; its pid is kept in {@code <state>/tgtd.pid} so that a simulator started after a crash ends
 * the daemon its predecessor left (and only that one) before starting its own. Commands run without a shell.
 */
public final class TgtdExports implements LunExports {
    private static final Logger LOG = LoggerFactory.getLogger(TgtdExports.class);
    public static final Path TGTD = Path.of("/usr/sbin/tgtd");
    public static final Path TGTADM = Path.of("/usr/sbin/tgtadm");
    private static final long START_TIMEOUT_MILLIS = 10_000;

    /** One published target: its IQN, backing file and size per LUN, admitted initiators. */
    private record Target(String iqn, Map<Integer, Unit> units, Set<String> initiators) {
    }

    private record Unit(Path file, long sizeBytes, String serial) {
    }

    private final Path stateDir;
    private final IscsiPortal portal;
    private final int controlPort;
    private final Path tgtd;
    private final Path tgtadm;
    private Process daemon;
    private Map<Integer, Target> published = new HashMap<>();

    public TgtdExports(Path stateDir, IscsiPortal portal) {
        this(stateDir, portal, TGTD, TGTADM);
    }

    /** With other binaries (tests: a daemon that is not there). */
    TgtdExports(Path stateDir, IscsiPortal portal, Path tgtd, Path tgtadm) {
        this.stateDir = stateDir;
        this.portal = portal;
        this.controlPort = controlPortFor(portal.port());
        this.tgtd = tgtd;
        this.tgtadm = tgtadm;
    }

    /**
     * The control socket number of the tgtd serving a portal port: tgtd takes 1 to 32767 and a system tgtd uses 0,
     * so ports above 32767 fold down (two simulators on ports 32768 apart would share one: do not do that).
     */
    public static int controlPortFor(int port) {
        int folded = port <= 32767 ? port : port - 32768;
        return folded == 0 ? 32767 : folded;
    }

    /** Whether tgtd and tgtadm are installed (Debian package tgt). */
    public static boolean installed() {
        return Files.isExecutable(TGTD) && Files.isExecutable(TGTADM);
    }

    @Override
    public synchronized void publish(ArrayState state, LunStore luns) {
        Map<Integer, Target> desired = new LinkedHashMap<>();
        for (ViewRecord view : state.views()) {
            Map<Integer, Unit> units = new LinkedHashMap<>();
            for (ViewRecord.Unit u : view.units()) {
                VolumeRecord v = state.volume(u.deviceId());
                units.put(u.lun(), new Unit(luns.file(u.deviceId()), v.sizeBytes(), v.naaId()));
            }
            desired.put((int) view.number(), new Target(state.targetIqn() + ":spc-" + view.number(), units,
                    new TreeSet<>(state.viewInitiators(view))));
        }
        if (desired.equals(published)) {
            return;
        }
        try {
            ensureRunning();
            for (Integer tid : List.copyOf(published.keySet())) {
                if (!desired.containsKey(tid) || !desired.get(tid).iqn().equals(published.get(tid).iqn())) {
                    tgtadm("--mode", "target", "--op", "delete", "--force", "--tid", tid.toString());
                    published.remove(tid);
                }
            }
            for (Map.Entry<Integer, Target> e : desired.entrySet()) {
                update(e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new CimException(CimStatus.FAILED, "The iSCSI target daemon is unavailable: " + e.getMessage());
        }
    }

    /** Bring one target from what is published to what is wanted, recording each step as it succeeds. */
    private void update(int tid, Target wanted) throws IOException {
        String t = Integer.toString(tid);
        Target current = published.get(tid);
        if (current == null) {
            tgtadm("--mode", "target", "--op", "new", "--tid", t, "--targetname", wanted.iqn());
            current = new Target(wanted.iqn(), new HashMap<>(), new HashSet<>());
            published.put(tid, current);
        }
        for (Map.Entry<Integer, Unit> u : new ArrayList<>(current.units().entrySet())) {
            if (!u.getValue().equals(wanted.units().get(u.getKey()))) {
                tgtadm("--mode", "logicalunit", "--op", "delete", "--tid", t, "--lun", u.getKey().toString());
                current.units().remove(u.getKey());
            }
        }
        for (Map.Entry<Integer, Unit> u : wanted.units().entrySet()) {
            if (!current.units().containsKey(u.getKey())) {
                String lun = u.getKey().toString();
                tgtadm("--mode", "logicalunit", "--op", "new", "--tid", t, "--lun", lun,
                        "--backing-store", u.getValue().file().toString());
                current.units().put(u.getKey(), u.getValue());
                // The unit serial number (VPD page 0x80) is the volume's NAA name, so an initiator can tell volumes apart.
                tgtadm("--mode", "logicalunit", "--op", "update", "--tid", t, "--lun", lun, "--params",
                        "vendor_id=SGSIM,product_id=SIM_StorageVol,scsi_sn=" + u.getValue().serial());
            }
        }
        for (String initiator : List.copyOf(current.initiators())) {
            if (!wanted.initiators().contains(initiator)) {
                tgtadm("--mode", "target", "--op", "unbind", "--tid", t, "--initiator-name", initiator);
                current.initiators().remove(initiator);
            }
        }
        for (String initiator : wanted.initiators()) {
            if (!current.initiators().contains(initiator)) {
                tgtadm("--mode", "target", "--op", "bind", "--tid", t, "--initiator-name", initiator);
                current.initiators().add(initiator);
            }
        }
    }

    private void ensureRunning() throws IOException {
        if (daemon != null && daemon.isAlive()) {
            return;
        }
        if (!Files.isExecutable(tgtd) || !Files.isExecutable(tgtadm)) {
            throw new IOException(tgtd + " is not installed (Debian package tgt)");
        }
        endPredecessor();
        published = new HashMap<>();
        Path log = stateDir.resolve("tgtd.log");
        daemon = new ProcessBuilder(tgtd.toString(), "-f", "-C", Integer.toString(controlPort), "--iscsi",
                "portal=" + portal.address() + ":" + portal.port())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Files.writeString(pidFile(), Long.toString(daemon.pid()), StandardCharsets.US_ASCII);
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (true) {
            if (!daemon.isAlive()) {
                throw new IOException("tgtd exited with " + daemon.exitValue() + " (see " + log + ")");
            }
            if (run(List.of(tgtadm.toString(), "-C", Integer.toString(controlPort), "--mode", "sys", "--op",
                    "show")).exitCode == 0) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                stopDaemon();
                throw new IOException("tgtd did not answer on control port " + controlPort + " (see " + log + ")");
            }
            sleep(50);
        }
        LOG.info("Started tgtd (pid {}) on iSCSI portal {}:{}", daemon.pid(), portal.address(), portal.port());
    }

    /** End a tgtd that an earlier simulator on this state started and did not stop (it holds the portal). */
    private void endPredecessor() throws IOException {
        Path pidFile = pidFile();
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            Files.delete(pidFile);
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        String controlOption = "-C " + controlPort + " ";
        if (handle.isPresent() && handle.get().info().commandLine().orElse("").startsWith(tgtd.toString())
                && handle.get().info().commandLine().orElse("").contains(controlOption)) {
            LOG.info("Ending tgtd {} left by an earlier run", pid);
            // tgtd ignores SIGTERM; it keeps nothing that a kill loses (units write through to their files).
            handle.get().destroyForcibly();
            try {
                handle.get().onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException("tgtd " + pid + " left by an earlier run does not end", e);
            }
        }
        Files.delete(pidFile);
    }

    private Path pidFile() {
        return stateDir.resolve("tgtd.pid");
    }

    private void tgtadm(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(tgtadm.toString(), "-C", Integer.toString(controlPort),
                "--lld", "iscsi"));
        command.addAll(List.of(args));
        Result r = run(command);
        if (r.exitCode != 0) {
            throw new IOException(String.join(" ", command.subList(3, command.size())) + " failed: "
                    + r.output.strip());
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return new Result(p.exitValue(), output);
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void stopDaemon() {
        if (daemon == null) {
            return;
        }
        // tgtd ignores SIGTERM and its system delete needs every target gone first; a kill loses nothing.
        daemon.destroyForcibly();
        try {
            daemon.waitFor(5, TimeUnit.SECONDS);
            Files.deleteIfExists(pidFile());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("Cannot remove {}: {}", pidFile(), e.toString());
        }
        LOG.info("Stopped tgtd (pid {})", daemon.pid());
        daemon = null;
        published = new HashMap<>();
    }

    @Override
    public synchronized void close() {
        stopDaemon();
    }
}
