package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.storagegateway.smis.simulator.TestSimulators.service;
import static org.storagegateway.smis.simulator.TestSimulators.url;

import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.simulator.array.TgtdExports;

/**
 * The LUN behind a volume, as initiators no one here wrote see it: a volume exposed to an initiator is published by
 * the simulator's own tgtd, listed by libiscsi's iscsi-ls for that initiator only, identified by iscsi-inq, and read
 * and written by QEMU's iSCSI driver (qemu-io) against the very bytes of the volume's file.
 */
class IscsiTests {
    static final Path ISCSI_LS = Path.of("/usr/bin/iscsi-ls");
    static final Path ISCSI_INQ = Path.of("/usr/bin/iscsi-inq");
    static final Path ISCSI_READCAPACITY16 = Path.of("/usr/bin/iscsi-readcapacity16");
    static final Path QEMU_IO = Path.of("/usr/bin/qemu-io");
    static final String HOST_A = "iqn.2026-01.org.example:host-a";
    static final String HOST_B = "iqn.2026-01.org.example:host-b";
    static final long SIZE = 8L << 20;

    @TempDir
    Path state;
    int iscsiPort;
    SmisSimulator sim;

    @BeforeEach
    void start() throws Exception {
        Wbemcli.assumePresent();
        assumeTrue(TgtdExports.installed(), "tgtd is not installed (Debian package tgt)");
        assumeTrue(Files.isExecutable(ISCSI_LS), "iscsi-ls is not installed (Debian package libiscsi-bin)");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            iscsiPort = s.getLocalPort();
        }
        sim = startSimulator();
    }

    private SmisSimulator startSimulator() throws Exception {
        return SmisSimulator.start(SimulatorConfig.builder(state).httpPort(0).httpsPort(-1).iscsiPort(iscsiPort)
                .build());
    }

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void anExposedVolumeIsReadableByItsInitiatorOnlyAndHidingRemovesIt() throws Exception {
        String deviceId = TestSimulators.createVolume(sim, "iscsi-vol", SIZE);
        byte[] pattern = "written by the array, read by the initiator".getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile f = new RandomAccessFile(sim.lunFile(deviceId).toFile(), "rw")) {
            f.seek(1 << 20);
            f.write(pattern);
        }
        assertThat(expose(deviceId, HOST_A)).contains("<VALUE>0</VALUE>");
        String target = sim.targetIqn() + ":spc-" + sim.state().views().get(0).number();

        Wbemcli.Result listed = Wbemcli.run(ISCSI_LS, "-i", HOST_A, "-s", portal());
        assertThat(listed.exitCode()).as(listed.all()).isZero();
        assertThat(listed.out()).contains("Target:" + target + " Portal:127.0.0.1:" + iscsiPort)
                .contains("Lun:1    Type:DIRECT_ACCESS");
        Wbemcli.Result other = Wbemcli.run(ISCSI_LS, "-i", HOST_B, "-s", portal());
        assertThat(other.out()).as("another initiator sees nothing").doesNotContain(target);

        String lun = portal() + "/" + target + "/1";
        Wbemcli.Result serial = Wbemcli.run(ISCSI_INQ, "-i", HOST_A, "--evpd=1", "--pagecode=128", lun);
        assertThat(serial.out()).as(serial.all()).contains(sim.state().volume(deviceId).naaId());
        Wbemcli.Result capacity = Wbemcli.run(ISCSI_READCAPACITY16, "-i", HOST_A, lun);
        assertThat(capacity.out()).as(capacity.all()).contains("Total size:" + SIZE);

        assumeTrue(Files.isExecutable(QEMU_IO), "qemu-io is not installed (Debian package qemu-utils)");
        Wbemcli.Result read = Wbemcli.run(QEMU_IO, "-r", "-c", "read -v 1048576 " + pattern.length,
                "--image-opts", qemuIscsi(target, HOST_A));
        assertThat(read.exitCode()).as(read.all()).isZero();
        assertThat(hexOf(read.out())).contains(HexFormat.of().formatHex(pattern));
        Wbemcli.Result written = Wbemcli.run(QEMU_IO, "-c", "write -P 0x5a 0 4096", "--image-opts",
                qemuIscsi(target, HOST_A));
        assertThat(written.exitCode()).as(written.all()).isZero();
        byte[] head = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(sim.lunFile(deviceId).toFile(), "r")) {
            f.readFully(head);
        }
        assertThat(head).containsOnly((byte) 0x5a);
        Wbemcli.Result refused = Wbemcli.run(QEMU_IO, "-r", "-c", "read 0 512", "--image-opts",
                qemuIscsi(target, HOST_B));
        assertThat(refused.exitCode()).as("host B may not log in").isNotZero();

        Wbemcli.Result hidden = Wbemcli.run("cmx", url(sim) + "/" + service(sim, "ControllerConfigurationService"),
                "HidePaths.InitiatorPortIDs=\"" + HOST_A + "\"");
        assertThat(hidden.out()).as(hidden.all()).contains("<VALUE>0</VALUE>");
        assertThat(Wbemcli.run(ISCSI_LS, "-i", HOST_A, "-s", portal()).out()).doesNotContain(target);
    }

    @Test
    void exposuresArePublishedAgainAfterARestart() throws Exception {
        String deviceId = TestSimulators.createVolume(sim, "kept", SIZE);
        assertThat(expose(deviceId, HOST_A)).contains("<VALUE>0</VALUE>");
        sim.close();
        sim = null;
        sim = startSimulator();
        Wbemcli.Result listed = Wbemcli.run(ISCSI_LS, "-i", HOST_A, "-s", portal());
        assertThat(listed.out()).as(listed.all()).contains(sim.targetIqn() + ":spc-").contains("Lun:1");
    }

    @Test
    void aTargetDaemonLeftByACrashedRunIsEndedAndReplaced() throws Exception {
        String deviceId = TestSimulators.createVolume(sim, "survivor", SIZE);
        assertThat(expose(deviceId, HOST_A)).contains("<VALUE>0</VALUE>");
        sim.close();
        sim = null;
        // What a killed simulator leaves: its tgtd still holding the portal, its pid on record, no targets in it.
        Process orphan = new ProcessBuilder(TgtdExports.TGTD.toString(), "-f", "-C",
                Integer.toString(TgtdExports.controlPortFor(iscsiPort)), "--iscsi", "portal=127.0.0.1:" + iscsiPort)
                .redirectErrorStream(true).redirectOutput(state.resolve("orphan.log").toFile()).start();
        try {
            Files.writeString(state.resolve("tgtd.pid"), Long.toString(orphan.pid()));
            sim = startSimulator();
            assertThat(orphan.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the orphan is ended").isTrue();
            Wbemcli.Result listed = Wbemcli.run(ISCSI_LS, "-i", HOST_A, "-s", portal());
            assertThat(listed.out()).as(listed.all()).contains(sim.targetIqn() + ":spc-").contains("Lun:1");
        } finally {
            orphan.destroyForcibly();
        }
    }

    private String expose(String deviceId, String initiator) throws Exception {
        Wbemcli.Result exposed = Wbemcli.run("cmx", url(sim) + "/" + service(sim, "ControllerConfigurationService"),
                "ExposePaths.LUNames=\"" + sim.state().volume(deviceId).naaId() + "\",InitiatorPortIDs=\""
                        + initiator + "\"");
        return exposed.out();
    }

    private String portal() {
        return "iscsi://127.0.0.1:" + iscsiPort;
    }

    private String qemuIscsi(String target, String initiator) {
        return "driver=iscsi,transport=tcp,portal=127.0.0.1:" + iscsiPort + ",target=" + target
                + ",lun=1,initiator-name=" + initiator;
    }

    /** The hex digits of a qemu-io {@code read -v} dump, without offsets and the text column. */
    private static String hexOf(String dump) {
        StringBuilder hex = new StringBuilder();
        Matcher m = Pattern.compile("(?m)^[0-9a-f]{8}:\\s+((?:[0-9a-f]{2} )+)").matcher(dump);
        while (m.find()) {
            hex.append(m.group(1).replace(" ", ""));
        }
        return hex.toString();
    }
}
