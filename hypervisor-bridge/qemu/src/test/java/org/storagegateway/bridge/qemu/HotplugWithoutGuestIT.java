package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.bridge.qemu.guest.TestGuest;

/**
 * Plug, unplug and rollback on a QEMU whose CPUs never start ({@code -S}). SCSI unplug does not need
 * the guest, so the full plug/unplug cycle is checked here in milliseconds; virtio-blk unplug does,
 * which makes this the place to check the timeout path. Every test checks the block graph with
 * {@code query-named-block-nodes} afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HotplugWithoutGuestIT {
    private static final Duration UNPLUG = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private QemuVm vm;
    private DiskHotplug disks;

    @BeforeAll
    void start() {
        TestGuest.requireQemu();
        vm = QemuVm.start(QemuConfig.builder().name("hotplug-noguest").startPaused(true).build());
        disks = vm.disks();
    }

    @AfterAll
    void stop() {
        if (vm != null) {
            vm.close();
        }
    }

    @AfterEach
    void graphIsClean() {
        // Tests that leave a disk plugged on purpose remove it themselves; nothing else may remain.
        assertThat(disks.blockNodeNames()).as("block nodes left behind").isEmpty();
    }

    private Path rawFile(String name, long size) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        return file;
    }

    @Test
    void scsiDisksPlugAndUnplugWithoutTheGuestAndReuseTargetIds() throws Exception {
        Path a = rawFile("a.raw", 8 << 20);
        Path b = rawFile("b.raw", 8 << 20);
        Path c = rawFile("c.raw", 8 << 20);

        PluggedDisk first = disks.plug(DiskSpec.rawFile("sa", a).onBus(DiskBus.SCSI).withSerial("SER-A"));
        PluggedDisk second = disks.plug(DiskSpec.rawFile("sb", b).onBus(DiskBus.SCSI));
        assertThat(first.slot()).isEqualTo("scsi0.0:0");
        assertThat(second.scsiId()).isEqualTo(1);
        assertThat(disks.blockNodeNames()).containsExactlyInAnyOrder("sa-proto", "sa-fmt", "sb-proto", "sb-fmt");
        assertThat(disks.deviceExists("sa")).isTrue();

        disks.unplugForce(first);
        assertThat(disks.deviceExists("sa")).isFalse();
        PluggedDisk third = disks.plug(DiskSpec.rawFile("sc", c).onBus(DiskBus.SCSI));
        assertThat(third.scsiId()).isZero();

        disks.unplug(second, UNPLUG);
        disks.unplugForce(third);
        // Unplug is idempotent: the device and its nodes are already gone.
        disks.unplug(second, UNPLUG);
    }

    @Test
    void aFailedDeviceAddRollsBackBothNodes() throws Exception {
        Path file = rawFile("dup.raw", 8 << 20);
        List<String> portsBefore = disks.freeRootPorts();

        // "rp7" is the id of an existing root port, so device_add fails after both blockdev-adds.
        assertThatThrownBy(() -> disks.plug(DiskSpec.rawFile("rp7", file)))
                .isInstanceOfSatisfying(QmpErrorException.class, e -> {
                    assertThat(e.command()).isEqualTo("device_add");
                    assertThat(e.description()).contains("rp7");
                    assertThat(e.getSuppressed()).isEmpty();
                });

        assertThat(disks.blockNodeNames()).isEmpty();
        assertThat(disks.freeRootPorts()).isEqualTo(portsBefore);
    }

    @Test
    void aFailedFormatNodeRollsBackTheProtocolNode() throws Exception {
        Path raw = rawFile("notqcow.raw", 8 << 20);

        assertThatThrownBy(() -> disks.plug(DiskSpec.rawFile("fmt", raw).withFormat(DiskFormat.QCOW2)))
                .isInstanceOfSatisfying(QmpErrorException.class, e -> {
                    assertThat(e.command()).isEqualTo("blockdev-add");
                    assertThat(e.description()).contains("qcow2");
                });
        assertThat(disks.blockNodeNames()).isEmpty();
    }

    @Test
    void aMissingImageCreatesNothing() {
        assertThatThrownBy(() -> disks.plug(DiskSpec.rawFile("missing", dir.resolve("nowhere.raw"))))
                .isInstanceOfSatisfying(QmpErrorException.class, e -> assertThat(e.description()).contains("nowhere.raw"));
        assertThat(disks.blockNodeNames()).isEmpty();
    }

    @Test
    void aDuplicateIdFailsWithoutTouchingThePluggedDisk() throws Exception {
        PluggedDisk original = disks.plug(DiskSpec.rawFile("dd", rawFile("dd1.raw", 8 << 20)).onBus(DiskBus.SCSI));

        assertThatThrownBy(() -> disks.plug(DiskSpec.rawFile("dd", rawFile("dd2.raw", 8 << 20)).onBus(DiskBus.SCSI)))
                .isInstanceOf(QmpErrorException.class)
                .hasMessageContaining("dd-proto");

        assertThat(disks.blockNodeNames()).containsExactlyInAnyOrder("dd-proto", "dd-fmt");
        assertThat(disks.deviceExists("dd")).isTrue();
        disks.unplug(original, UNPLUG);
    }

    @Test
    void virtioUnplugWithoutAGuestTimesOutKeepsTheNodesAndRefusesForce() throws Exception {
        // Only a guest can release a virtio-blk device, and this VM never runs one: it gets its own VM.
        try (QemuVm stuck = QemuVm.start(QemuConfig.builder().name("hotplug-stuck").startPaused(true).build())) {
            DiskHotplug stuckDisks = stuck.disks();
            PluggedDisk disk = stuckDisks.plug(DiskSpec.rawFile("vstuck", rawFile("v.raw", 8 << 20)));
            assertThat(disk.slot()).isEqualTo("rp0");
            assertThat(stuckDisks.freeRootPorts()).doesNotContain("rp0").hasSize(7);

            assertThatThrownBy(() -> stuckDisks.unplug(disk, Duration.ofMillis(500)))
                    .isInstanceOfSatisfying(UnplugTimeoutException.class, e -> assertThat(e.deviceId()).isEqualTo("vstuck"));
            assertThat(stuckDisks.blockNodeNames()).containsExactlyInAnyOrder("vstuck-proto", "vstuck-fmt");
            // A second attempt waits again ("already in the process of unplug") and times out again.
            assertThatThrownBy(() -> stuckDisks.unplug(disk, Duration.ofMillis(300))).isInstanceOf(UnplugTimeoutException.class);
            assertThatThrownBy(() -> stuckDisks.unplugForce(disk)).isInstanceOf(HotplugException.class).hasMessageContaining("SCSI");
            assertThat(stuckDisks.deviceExists("vstuck")).isTrue();
        }
    }

    @Test
    void qcow2OverNbdPlugsAndUnplugs() throws Exception {
        Assumptions.assumeTrue(ProcessLauncher.findOnPath("qemu-nbd").isPresent() && ProcessLauncher.findOnPath("qemu-img").isPresent(),
                "qemu-nbd/qemu-img (Debian package qemu-utils) not installed");
        Path image = dir.resolve("n.qcow2");
        Process create = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "16M").inheritIO().start();
        assertThat(create.waitFor(30, TimeUnit.SECONDS) && create.exitValue() == 0).isTrue();
        Path socket = dir.resolve("n.sock");
        // qemu-nbd decodes the qcow2 itself, so the client stacks raw on the NBD node.
        Process nbd = new ProcessBuilder("qemu-nbd", "--socket=" + socket, "--export-name=vdi", "--format=qcow2",
                "--persistent", "--shared=4", image.toString()).redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 250 && !Files.exists(socket); i++) {
                Thread.sleep(20);
            }
            DiskSpec spec = new DiskSpec("nbd1", new DiskSource.Nbd(socket, "vdi"), DiskFormat.RAW, DiskBus.SCSI, false, "NBD-1");
            PluggedDisk disk = disks.plug(spec);
            assertThat(disks.blockNodeNames()).containsExactlyInAnyOrder("nbd1-proto", "nbd1-fmt");
            var nodes = vm.qmp().execute("query-named-block-nodes", java.util.Map.of("flat", true));
            assertThat(nodes.findValuesAsText("drv")).contains("nbd", "raw");
            disks.unplugForce(disk);
        } finally {
            nbd.destroy();
            nbd.waitFor(10, TimeUnit.SECONDS);
        }

        // The qcow2 file itself, plugged with its format named explicitly.
        PluggedDisk direct = disks.plug(DiskSpec.rawFile("q1", image).withFormat(DiskFormat.QCOW2).onBus(DiskBus.SCSI));
        var graph = vm.qmp().execute("query-named-block-nodes", java.util.Map.of("flat", true));
        assertThat(graph.findValuesAsText("drv")).contains("qcow2", "file");
        disks.unplugForce(direct);
    }

    @Test
    void noFreeRootPortAndNoScsiControllerAreRefusedBeforeAnythingIsCreated() throws Exception {
        try (QemuVm small = QemuVm.start(QemuConfig.builder().name("hotplug-small").startPaused(true)
                .rootPorts(1).scsiController(false).build())) {
            DiskHotplug smallDisks = small.disks();
            smallDisks.plug(DiskSpec.rawFile("only", rawFile("only.raw", 8 << 20)));
            List<String> before = smallDisks.blockNodeNames();

            assertThatThrownBy(() -> smallDisks.plug(DiskSpec.rawFile("more", rawFile("more.raw", 8 << 20))))
                    .isInstanceOf(HotplugException.class).hasMessageContaining("no free PCIe root port");
            assertThatThrownBy(() -> smallDisks.plug(DiskSpec.rawFile("scsi", rawFile("s.raw", 8 << 20)).onBus(DiskBus.SCSI)))
                    .isInstanceOf(HotplugException.class).hasMessageContaining("no SCSI controller");
            assertThat(smallDisks.blockNodeNames()).isEqualTo(before);
        }
    }
}
