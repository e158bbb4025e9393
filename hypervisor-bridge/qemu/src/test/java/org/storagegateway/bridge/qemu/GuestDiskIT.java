package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.storagegateway.bridge.qemu.guest.GuestAgent;
import org.storagegateway.bridge.qemu.guest.GuestDisk;
import org.storagegateway.bridge.qemu.guest.GuestPattern;
import org.storagegateway.bridge.qemu.guest.TestGuest;

/**
 * End to end with the real test guest: one VM booted for the class, disks hot-plugged into it, data
 * written and read by the guest with O_DIRECT and compared with checksums computed on the host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestDiskIT {
    private static final long MIB = 1 << 20;
    private static final Duration SEEN = Duration.ofSeconds(20);
    private static final Duration UNPLUG = Duration.ofSeconds(20);

    private Path dir;
    private QemuVm vm;
    private GuestAgent agent;
    private DiskHotplug disks;

    @BeforeAll
    void boot() throws IOException {
        TestGuest.Image guest = TestGuest.require();
        dir = Files.createTempDirectory("guest-disk-it");
        long start = System.nanoTime();
        vm = QemuVm.start(TestGuest.vm("guest-disk", guest).build());
        agent = GuestAgent.connect(vm.agentSocket().orElseThrow(), Duration.ofSeconds(90));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("[figures] boot to agent-ready under %s: %.2f s (kernel %s, %s)%n",
                vm.config().accelerator(), seconds, agent.kernelRelease(), guest.kernel().getFileName());
        disks = vm.disks();
    }

    @AfterAll
    void shutDown() throws IOException {
        if (agent != null) {
            agent.close();
        }
        if (vm != null) {
            vm.close();
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @AfterEach
    void nothingLeftBehind() {
        if (vm.isRunning()) {
            assertThat(disks.blockNodeNames()).as("block nodes left behind").isEmpty();
            assertThat(disks.freeRootPorts()).hasSize(8);
        }
    }

    private Path rawFile(String name, long size) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        return file;
    }

    @Test
    void aPatternWrittenByTheGuestSurvivesUnplugAndReplug() throws IOException {
        Path file = rawFile("vdi-1.raw", 64 * MIB);
        DiskSpec spec = DiskSpec.rawFile("vbd1", file).withSerial("VDI-1");
        long offset = 3 * MIB;
        long length = 2 * MIB;
        String expected = GuestPattern.sha256("alpha", offset, length);

        PluggedDisk plugged = disks.plug(spec);
        GuestDisk seen = agent.awaitDisk("VDI-1", SEEN);
        assertThat(seen.sizeBytes()).isEqualTo(64 * MIB);
        assertThat(seen.name()).startsWith("vd");
        assertThat(agent.write(seen.name(), offset, length, "alpha")).isEqualTo(expected);
        assertThat(agent.read(seen.name(), offset, length)).isEqualTo(expected);

        disks.unplug(plugged, UNPLUG);
        agent.awaitDiskGone("VDI-1", SEEN);
        // The bytes are in the file once QEMU has closed it, at the place the guest wrote them.
        assertThat(GuestPattern.sha256OfFile(file, offset, length)).isEqualTo(expected);
        assertThat(GuestPattern.sha256OfFile(file, offset - MIB, MIB)).isEqualTo(GuestPattern.sha256OfFile(file, 40 * MIB, MIB));

        PluggedDisk again = disks.plug(spec);
        GuestDisk back = agent.awaitDisk("VDI-1", SEEN);
        assertThat(agent.read(back.name(), offset, length)).isEqualTo(expected);
        // Neighbouring sectors were not touched.
        assertThat(agent.read(back.name(), offset + length, MIB)).isEqualTo(GuestPattern.sha256OfFile(file, offset + length, MIB));
        disks.unplug(again, UNPLUG);
        agent.awaitDiskGone("VDI-1", SEEN);
    }

    @Test
    void plugAndUnplugLatency() throws IOException {
        Path file = rawFile("latency.raw", 16 * MIB);
        DiskSpec spec = DiskSpec.rawFile("lat", file).withSerial("LAT");
        List<Double> plugMs = new ArrayList<>();
        List<Double> visibleMs = new ArrayList<>();
        List<Double> unplugMs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            PluggedDisk disk = disks.plug(spec);
            long t1 = System.nanoTime();
            agent.awaitDisk("LAT", SEEN);
            long t2 = System.nanoTime();
            disks.unplug(disk, UNPLUG);
            long t3 = System.nanoTime();
            agent.awaitDiskGone("LAT", SEEN);
            plugMs.add((t1 - t0) / 1e6);
            visibleMs.add((t2 - t0) / 1e6);
            unplugMs.add((t3 - t2) / 1e6);
        }
        System.out.printf("[figures] virtio-blk over 5 cycles, median: plug (blockdev-add x2 + device_add) %.1f ms, "
                + "plug until the guest lists the disk %.1f ms, unplug (device_del .. DEVICE_DELETED + blockdev-del x2) %.1f ms%n",
                median(plugMs), median(visibleMs), median(unplugMs));
    }

    @Test
    void unplugForceOfAScsiDiskWorksWithTheGuestCpusStopped() throws IOException {
        Path file = rawFile("scsi.raw", 32 * MIB);
        PluggedDisk disk = disks.plug(DiskSpec.rawFile("scsi1", file).onBus(DiskBus.SCSI).withSerial("SCSI-1"));
        GuestDisk seen = agent.awaitDisk("SCSI-1", SEEN);
        assertThat(seen.name()).startsWith("sd");
        String written = agent.write(seen.name(), MIB, MIB, "scsi");

        vm.qmp().execute("stop");
        try {
            assertThat(vm.status()).isEqualTo("paused");
            long start = System.nanoTime();
            disks.unplugForce(disk);
            System.out.printf("[figures] scsi-hd unplug-force with the guest CPUs stopped: %.1f ms%n", (System.nanoTime() - start) / 1e6);
            assertThat(disks.deviceExists("scsi1")).isFalse();
        } finally {
            vm.qmp().execute("cont");
        }
        agent.awaitDiskGone("SCSI-1", SEEN);
        assertThat(GuestPattern.sha256OfFile(file, MIB, MIB)).isEqualTo(written).isEqualTo(GuestPattern.sha256("scsi", MIB, MIB));
    }

    @Test
    void aVirtioUnplugRejectedWhilePausedFinishesOnRetryAfterResume() throws IOException {
        Path file = rawFile("paused.raw", 16 * MIB);
        PluggedDisk disk = disks.plug(DiskSpec.rawFile("vpause", file).withSerial("PAUSE"));
        agent.awaitDisk("PAUSE", SEEN);

        vm.qmp().execute("stop");
        try {
            assertThatThrownBy(() -> disks.unplug(disk, Duration.ofMillis(800))).isInstanceOf(UnplugTimeoutException.class);
            assertThat(disks.blockNodeNames()).contains("vpause-fmt", "vpause-proto");
            assertThatThrownBy(() -> disks.unplugForce(disk)).isInstanceOf(HotplugException.class);
        } finally {
            vm.qmp().execute("cont");
        }
        disks.unplug(disk, UNPLUG);
        agent.awaitDiskGone("PAUSE", SEEN);
    }

    @Test
    void aFailedDeviceAddInARunningGuestLeavesNoBlockNode() throws IOException {
        Path file = rawFile("rollback.raw", 16 * MIB);
        List<String> before = disks.blockNodeNames();

        // vser0 is the agent's virtio-serial controller: the id is taken, so device_add fails last.
        assertThatThrownBy(() -> disks.plug(DiskSpec.rawFile(QemuConfig.SERIAL_BUS_ID, file).withSerial("NEVER")))
                .isInstanceOfSatisfying(QmpErrorException.class, e -> assertThat(e.command()).isEqualTo("device_add"));

        assertThat(disks.blockNodeNames()).isEqualTo(before).isEmpty();
        assertThat(agent.list()).noneMatch(d -> d.serial().equals("NEVER"));
        agent.ping();
    }

    @Test
    void severalDisksAtOnceKeepTheirOwnData() throws IOException {
        List<PluggedDisk> plugged = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path file = rawFile("multi-" + i + ".raw", 16 * MIB);
            DiskBus bus = i == 2 ? DiskBus.SCSI : DiskBus.VIRTIO_BLK;
            plugged.add(disks.plug(DiskSpec.rawFile("multi" + i, file).onBus(bus).withSerial("MULTI-" + i)));
        }
        for (int i = 0; i < 3; i++) {
            names.add(agent.awaitDisk("MULTI-" + i, SEEN).name());
        }
        assertThat(names).doesNotHaveDuplicates();
        for (int i = 0; i < 3; i++) {
            agent.write(names.get(i), 0, 256 * 1024, "disk" + i);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(agent.read(names.get(i), 0, 256 * 1024)).isEqualTo(GuestPattern.sha256("disk" + i, 0, 256 * 1024));
        }
        for (int i = 0; i < 3; i++) {
            disks.unplug(plugged.get(i), UNPLUG);
            agent.awaitDiskGone("MULTI-" + i, SEEN);
            assertThat(GuestPattern.sha256OfFile(dir.resolve("multi-" + i + ".raw"), 0, 256 * 1024))
                    .isEqualTo(GuestPattern.sha256("disk" + i, 0, 256 * 1024));
        }
    }

    @Test
    void aLateAgentReplyIsNeverTakenForTheAnswerToTheNextCommand() throws IOException {
        Path file = rawFile("late.raw", 16 * MIB);
        PluggedDisk disk = disks.plug(DiskSpec.rawFile("late", file).withSerial("LATE"));
        String name = agent.awaitDisk("LATE", SEEN).name();

        // An 8 MiB write takes far longer than 1 ms: the command times out and its reply arrives later.
        assertThatThrownBy(() -> agent.command("WRITE " + name + " 0 " + 8 * MIB + " slow", Duration.ofMillis(1)))
                .isInstanceOf(org.storagegateway.bridge.qemu.guest.GuestAgentException.class);

        // The agent answers in order, so the late WRITE reply comes first; it must not pass for the READ's answer.
        assertThat(agent.read(name, 8 * MIB, MIB)).isEqualTo(GuestPattern.sha256OfFile(file, 12 * MIB, MIB));
        assertThat(agent.read(name, 0, 8 * MIB)).isEqualTo(GuestPattern.sha256("slow", 0, 8 * MIB));
        disks.unplug(disk, UNPLUG);
        agent.awaitDiskGone("LATE", SEEN);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
