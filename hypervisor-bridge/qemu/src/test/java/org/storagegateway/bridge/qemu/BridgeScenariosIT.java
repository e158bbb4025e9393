package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.bridge.BridgeTask;
import org.storagegateway.bridge.MigrationOptions;
import org.storagegateway.bridge.MigrationReport;
import org.storagegateway.bridge.Vbd;
import org.storagegateway.bridge.VbdBus;
import org.storagegateway.bridge.VbdSpec;
import org.storagegateway.bridge.VmEvent;
import org.storagegateway.bridge.VmPowerState;
import org.storagegateway.bridge.VmSnapshot;
import org.storagegateway.bridge.VmSpec;
import org.storagegateway.bridge.qemu.guest.GuestAgent;
import org.storagegateway.bridge.qemu.guest.GuestDisk;
import org.storagegateway.bridge.qemu.guest.GuestPattern;
import org.storagegateway.bridge.qemu.guest.TestGuest;

/**
 * Issue 5's scenarios 1, 3, 4 and 5 through the bridge SPI on QEMU, with the real test guest and raw-file datapaths
 * (plus a qemu-nbd datapath for the mirror target that dies). The guest writes with O_DIRECT and reports checksums;
 * the host checks them against {@link GuestPattern} and against the files.
 */
class BridgeScenariosIT {
    private static final long MIB = 1 << 20;
    private static final long DISK = 32 * MIB;
    private static final Duration SEEN = Duration.ofSeconds(20);
    private static final Duration UNPLUG = Duration.ofSeconds(20);
    private static final Duration BOOT = Duration.ofSeconds(90);
    private static TestGuest.Image guest;

    private Path dir;
    private FolderStoragePort storage;
    private final List<QemuHost> hosts = new ArrayList<>();
    private final List<GuestAgent> agents = new ArrayList<>();

    @BeforeAll
    static void needGuest() {
        guest = TestGuest.require();
    }

    @BeforeEach
    void storage() throws IOException {
        dir = Files.createTempDirectory("br");
        for (String sr : List.of("sr1", "sr2", "sr3")) {
            Files.createDirectories(dir.resolve(sr));
        }
        storage = new FolderStoragePort(dir);
        storage.addSr("sr1", dir.resolve("sr1"));
        storage.addSr("sr2", dir.resolve("sr2"));
        storage.addNbdSr("sr3", dir.resolve("sr3"));
    }

    @AfterEach
    void cleanUp() throws IOException {
        agents.forEach(GuestAgent::close);
        hosts.forEach(QemuHost::close);
        storage.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // --- scenario 1 --------------------------------------------------------------------------------

    @Test
    void scenario1_aPatternWrittenByTheGuestSurvivesUnplugAndReplugOfAVbd() throws Exception {
        QemuHost host = host("a");
        BlockingQueue<VmEvent> events = events(host);
        QemuDomain vm = host.start(vmSpec("plug", List.of()));
        GuestAgent agent = agent(vm);
        assertThat(events.poll(5, TimeUnit.SECONDS)).extracting(VmEvent::powerState).isEqualTo(VmPowerState.RUNNING);

        String vdi = storage.createVdi("sr1", "data", DISK);
        Vbd vbd = vm.createVbd(VbdSpec.of(UUID.randomUUID().toString(), vdi));
        String serial = vbd.spec().serial();
        long offset = 5 * MIB;
        long length = 2 * MIB;
        String expected = GuestPattern.sha256("plugged", offset, length);

        vbd.plug();
        assertThat(vbd.currentlyAttached()).isTrue();
        assertThat(storage.attachments()).containsEntry(vdi, java.util.Set.of(host.uuid()));
        GuestDisk disk = agent.awaitDisk(serial, SEEN);
        assertThat(disk.sizeBytes()).isEqualTo(DISK);
        assertThat(agent.write(disk.name(), offset, length, "plugged")).isEqualTo(expected);

        vbd.unplug(UNPLUG);
        agent.awaitDiskGone(serial, SEEN);
        assertThat(vbd.currentlyAttached()).isFalse();
        assertThat(storage.attachments()).doesNotContainKey(vdi);
        assertThat(GuestPattern.sha256OfFile(storage.file(vdi), offset, length)).isEqualTo(expected);
        assertThatThrownBy(() -> vbd.unplug(UNPLUG)).isInstanceOfSatisfying(BridgeException.class,
                e -> assertThat(e.error()).isEqualTo(BridgeError.DEVICE_STATE_CONFLICT));

        vbd.plug();
        GuestDisk again = agent.awaitDisk(serial, SEEN);
        assertThat(agent.read(again.name(), offset, length)).isEqualTo(expected);
        assertThatThrownBy(vbd::unplugForce).isInstanceOfSatisfying(BridgeException.class,
                e -> assertThat(e.error()).isEqualTo(BridgeError.UNSUPPORTED));

        // Plug and unplug latency through the bridge (storage attach + blockdev-add x2 + device_add, and back).
        List<Double> plugMs = new ArrayList<>();
        List<Double> unplugMs = new ArrayList<>();
        vbd.unplug(UNPLUG);
        agent.awaitDiskGone(serial, SEEN);
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            vbd.plug();
            long t1 = System.nanoTime();
            agent.awaitDisk(serial, SEEN);
            long t2 = System.nanoTime();
            vbd.unplug(UNPLUG);
            long t3 = System.nanoTime();
            agent.awaitDiskGone(serial, SEEN);
            plugMs.add((t1 - t0) / 1e6);
            unplugMs.add((t3 - t2) / 1e6);
        }
        System.out.printf("[figures] bridge VBD.plug median %.1f ms, VBD.unplug (guest releases, DEVICE_DELETED, blockdev-del x2, "
                + "detach) median %.1f ms, over 5 cycles, virtio-blk, TCG%n", median(plugMs), median(unplugMs));

        // A SCSI VBD goes without the guest, even with the CPUs stopped.
        Vbd scsi = vm.createVbd(new VbdSpec(UUID.randomUUID().toString(), storage.createVdi("sr1", "scsi", DISK), VbdBus.SCSI, false));
        scsi.plug();
        agent.awaitDisk(scsi.spec().serial(), SEEN);
        vm.pause();
        assertThat(vm.powerState()).isEqualTo(VmPowerState.PAUSED);
        scsi.unplugForce();
        vm.unpause();
        agent.awaitDiskGone(scsi.spec().serial(), SEEN);
        assertThat(vm.process().disks().blockNodeNames()).isEmpty();

        // Crash detection: QEMU killed from outside halts the VM as CRASHED, with an event, and detaches its VDIs.
        vbd.plug();
        events.clear();
        ProcessHandle.of(vm.process().pid()).orElseThrow().destroyForcibly();
        VmEvent crash = events.poll(30, TimeUnit.SECONDS);
        assertThat(crash).isNotNull();
        assertThat(crash.powerState()).isEqualTo(VmPowerState.CRASHED);
        assertThat(crash.reason()).contains("process died");
        assertThat(vm.powerState()).isEqualTo(VmPowerState.CRASHED);
        assertThat(host.residentVms()).isEmpty();
        assertThat(storage.attachments()).isEmpty();
        assertThatThrownBy(vbd::plug).isInstanceOfSatisfying(BridgeException.class,
                e -> assertThat(e.error()).isEqualTo(BridgeError.VM_BAD_POWER_STATE));
    }

    @Test
    void anIscsiDatapathIsReachedByQemusOwnInitiatorLoggingInAsTheHost() throws Exception {
        QemuHost host = host("a");
        String vdi = storage.createVdi("sr1", "lun", DISK);
        String iqn = "iqn.2026-11.org.storagegateway.test:bridge-lun";
        try (TgtTarget target = TgtTarget.start(iqn, storage.file(vdi), host.initiatorName())) {
            storage.serveAs(vdi, new org.storagegateway.spi.model.Datapath.Iscsi(target.portal(), iqn, 1));
            QemuDomain vm = host.start(vmSpec("iscsi", List.of()));
            GuestAgent agent = agent(vm);
            Vbd vbd = vm.createVbd(VbdSpec.of(UUID.randomUUID().toString(), vdi));

            vbd.plug();

            assertThat(vm.process().qmp().execute("query-named-block-nodes", Map.of("flat", true)).findValuesAsText("drv"))
                    .contains("iscsi", "raw");
            GuestDisk disk = agent.awaitDisk(vbd.spec().serial(), SEEN);
            assertThat(disk.sizeBytes()).isEqualTo(DISK);
            String written = agent.write(disk.name(), 3 * MIB, MIB, "iscsi");
            vbd.unplug(UNPLUG);
            // The target wrote the guest's data into the LUN's backing file.
            assertThat(GuestPattern.sha256OfFile(storage.file(vdi), 3 * MIB, MIB)).isEqualTo(written)
                    .isEqualTo(GuestPattern.sha256("iscsi", 3 * MIB, MIB));
        }
    }

    // --- scenario 3 --------------------------------------------------------------------------------

    @Test
    void scenario3_aLiveSnapshotOfTwoDisksIsAtomicAndBootsWithTheDataOfItsMoment() throws Exception {
        QemuHost host = host("a");
        List<VbdSpec> vbds = List.of(VbdSpec.of(UUID.randomUUID().toString(), storage.createVdi("sr1", "a", DISK)),
                VbdSpec.of(UUID.randomUUID().toString(), storage.createVdi("sr1", "b", DISK)));
        QemuDomain vm = host.start(vmSpec("snap", vbds));
        GuestAgent agent = agent(vm);
        List<String> devices = List.of(agent.awaitDisk(vbds.get(0).serial(), SEEN).name(), agent.awaitDisk(vbds.get(1).serial(), SEEN).name());
        List<String> statusDuringSnapshots = new java.util.concurrent.CopyOnWriteArrayList<>();
        storage.onSnapshot(() -> statusDuringSnapshots.add(vm.process().status()));

        VmSnapshot snapshot;
        int ackedBefore;
        int sentAfter;
        List<GuestWriter.Write> written;
        try (GuestWriter writer = new GuestWriter(agent, devices, 0, DISK, "s")) {
            writer.awaitAcked(12, Duration.ofSeconds(60));
            ackedBefore = writer.acked().size();
            snapshot = vm.snapshot("before-upgrade");
            sentAfter = writer.sent();
            writer.awaitAcked(sentAfter + 6, Duration.ofSeconds(60));
            written = writer.stop();
        }
        System.out.printf("[figures] VM.snapshot of 2 disks (2 x 32 MiB raw copies while paused): paused %.1f ms%n",
                snapshot.paused().toNanos() / 1e6);
        assertThat(statusDuringSnapshots).containsExactly("paused", "paused");
        assertThat(vm.process().status()).isEqualTo("running");
        assertThat(snapshot.snapshot().vbds()).hasSize(2).allMatch(VbdSpec::readOnly);

        // Revert: clone the snapshot and boot it.
        VmSpec revert = host.cloneVm(snapshot.snapshot(), "reverted");
        QemuDomain reverted = host.start(revert);
        GuestAgent revertedAgent = agent(reverted);
        List<String> revertedDevices = new ArrayList<>();
        for (VbdSpec vbd : revert.vbds()) {
            revertedDevices.add(revertedAgent.awaitDisk(vbd.serial(), SEEN).name());
        }
        int cut = GuestWriter.assertSnapshotHoldsAPrefix(written,
                write -> revertedAgent.read(revertedDevices.get(devices.indexOf(write.device())), write.offset(),
                        GuestWriter.LENGTH), ackedBefore, sentAfter);
        System.out.printf("[figures] snapshot cut after write %d of %d (acknowledged before: %d, sent before it returned: %d)%n",
                cut, written.size(), ackedBefore, sentAfter);

        // The running VM has everything, and the snapshot's own VDIs are untouched by the clone's boot.
        for (GuestWriter.Write write : written) {
            assertThat(agent.read(write.device(), write.offset(), GuestWriter.LENGTH)).isEqualTo(write.sha256());
        }
        reverted.cleanShutdown(Duration.ofSeconds(30));
        assertThat(reverted.powerState()).isEqualTo(VmPowerState.HALTED);
        for (VbdSpec vbd : revert.vbds()) {
            assertThat(storage.attachments()).doesNotContainKey(vbd.vdiUuid());
        }
    }

    // --- scenario 4 --------------------------------------------------------------------------------

    @Test
    void scenario4_liveMigrationKeepsTheGuestWritingWithUnbrokenChecksums() throws Exception {
        QemuHost source = host("a");
        QemuHost destination = host("b");
        BlockingQueue<VmEvent> sourceEvents = events(source);
        BlockingQueue<VmEvent> destinationEvents = events(destination);
        VbdSpec vbd = VbdSpec.of(UUID.randomUUID().toString(), storage.createVdi("sr1", "shared", DISK));
        QemuDomain vm = source.start(vmSpec("move", List.of(vbd)));
        GuestAgent agent = agent(vm);
        String device = agent.awaitDisk(vbd.serial(), SEEN).name();
        sourceEvents.clear();

        // A cancelled migration leaves the VM where it was, and no process on the destination.
        assertThatThrownBy(() -> vm.poolMigrate(destination, MigrationOptions.DEFAULTS.withMaxBytesPerSecond(4 * MIB),
                cancelledAfter(Duration.ofMillis(1500))))
                .isInstanceOfSatisfying(BridgeException.class, e -> assertThat(e.error()).isEqualTo(BridgeError.TASK_CANCELLED));
        assertThat(vm.powerState()).isEqualTo(VmPowerState.RUNNING);
        assertThat(vm.process().status()).isEqualTo("running");
        assertThat(destination.residentVms()).isEmpty();
        assertThat(storage.attachments()).containsOnlyKeys(vbd.vdiUuid()).containsEntry(vbd.vdiUuid(), java.util.Set.of(source.uuid()));
        agent.ping();

        // A destination that cannot load the state (it lacks the source's SCSI controller) dies during the move; the
        // source hears of it over the return path and reports failed instead of completed: the VM runs on at the source.
        QemuHost mismatched = new QemuHost(UUID.randomUUID().toString(), "mismatched", dir.resolve("m"), storage,
                () -> QemuConfig.builder().scsiController(false));
        hosts.add(mismatched);
        assertThatThrownBy(() -> vm.poolMigrate(mismatched, MigrationOptions.DEFAULTS, BridgeTask.NONE))
                .isInstanceOfSatisfying(BridgeException.class, e -> {
                    assertThat(e.error()).isEqualTo(BridgeError.MIGRATION_FAILED);
                    assertThat(e.getMessage()).contains("ended failed");
                });
        assertThat(vm.powerState()).isEqualTo(VmPowerState.RUNNING);
        assertThat(vm.process().status()).isEqualTo("running");
        assertThat(mismatched.residentVms()).isEmpty();
        assertThat(storage.attachments()).containsOnlyKeys(vbd.vdiUuid()).containsEntry(vbd.vdiUuid(), java.util.Set.of(source.uuid()));
        agent.ping();

        MigrationReport report;
        GuestAgent moved;
        List<GuestWriter.Write> written;
        try (GuestWriter writer = new GuestWriter(agent, List.of(device), 0, DISK, "m")) {
            writer.awaitAcked(8, Duration.ofSeconds(60));
            int ackedBefore = writer.acked().size();
            report = vm.poolMigrate(destination, MigrationOptions.DEFAULTS, BridgeTask.NONE);
            System.out.printf("[figures] guest writes acknowledged while the migration ran: %d%n", writer.acked().size() - ackedBefore);
            moved = GuestAgent.attach(((QemuDomain) report.vm()).channelSocket().orElseThrow(), Duration.ofSeconds(30));
            agents.add(moved);
            writer.agent.set(moved);
            agent.close(); // a write stuck on the stopped source fails now and is repeated on the destination
            int acked = writer.acked().size();
            writer.awaitAcked(acked + 8, Duration.ofSeconds(60));
            written = writer.stop();
        }
        System.out.printf("[figures] live migration, %d MiB guest, unix socket, TCG: total %d ms, downtime %d ms, %.1f MiB of RAM sent%n",
                256, report.totalTime().toMillis(), report.downtime().toMillis(), report.memoryBytes() / (double) MIB);

        QemuDomain after = (QemuDomain) report.vm();
        assertThat(after.residentOn()).isSameAs(destination);
        assertThat(after.powerState()).isEqualTo(VmPowerState.RUNNING);
        assertThat(after.process().status()).isEqualTo("running");
        assertThat(vm.powerState()).isEqualTo(VmPowerState.HALTED);
        assertThat(source.residentVms()).isEmpty();
        assertThat(destination.vm(vm.uuid())).containsSame(after);
        assertThat(sourceEvents.poll(10, TimeUnit.SECONDS)).satisfies(e -> {
            assertThat(e.powerState()).isEqualTo(VmPowerState.HALTED);
            assertThat(e.reason()).isEqualTo("migrated to b");
        });
        assertThat(destinationEvents.poll(10, TimeUnit.SECONDS)).extracting(VmEvent::powerState).isEqualTo(VmPowerState.RUNNING);
        for (String capability : List.of("return-path", "events")) {
            assertThat(after.process().qmp().execute("query-migrate-capabilities").findValues("capability").toString()).contains(capability);
        }
        assertThat(storage.attachments()).containsEntry(vbd.vdiUuid(), java.util.Set.of(destination.uuid()));

        // Unbroken: every write the guest acknowledged, before, during and after the move, in sequence, is on the disk.
        for (int i = 0; i < written.size(); i++) {
            GuestWriter.Write write = written.get(i);
            assertThat(write.index()).isEqualTo(i);
            assertThat(moved.read(device, write.offset(), GuestWriter.LENGTH)).isEqualTo(write.sha256());
        }

        // Figures: four more moves of the idle guest, back and forth; QEMU's own transfer time is the anchor.
        List<Double> totals = new ArrayList<>(List.of((double) report.totalTime().toMillis()));
        List<Double> downtimes = new ArrayList<>(List.of((double) report.downtime().toMillis()));
        List<Double> transfers = new ArrayList<>(List.of((double) report.transferTime().toMillis()));
        QemuDomain current = after;
        for (int i = 0; i < 4; i++) {
            MigrationReport next = current.poolMigrate(current.residentOn() == source ? destination : source,
                    MigrationOptions.DEFAULTS, BridgeTask.NONE);
            totals.add((double) next.totalTime().toMillis());
            downtimes.add((double) next.downtime().toMillis());
            transfers.add((double) next.transferTime().toMillis());
            current = (QemuDomain) next.vm();
        }
        System.out.printf("[figures] live migration of the 256 MiB guest, median of 5: bridge total %.0f ms, QEMU total-time %.0f ms "
                + "(bridge/QEMU %.2f), downtime %.0f ms; all: totals %s, downtimes %s%n", median(totals), median(transfers),
                median(totals) / median(transfers), median(downtimes), totals, downtimes);
        assertThat(current.residentOn()).isSameAs(destination);
        try (GuestAgent last = GuestAgent.attach(current.channelSocket().orElseThrow(), Duration.ofSeconds(30))) {
            GuestWriter.Write first = written.get(0);
            assertThat(last.read(device, first.offset(), GuestWriter.LENGTH)).isEqualTo(first.sha256());
        }
        after = current;

        after.cleanShutdown(Duration.ofSeconds(30));
        for (GuestWriter.Write write : written) {
            assertThat(GuestPattern.sha256OfFile(storage.file(vbd.vdiUuid()), write.offset(), GuestWriter.LENGTH)).isEqualTo(write.sha256());
        }
        assertThat(storage.attachments()).isEmpty();
    }

    // --- scenario 5 --------------------------------------------------------------------------------

    @Test
    void scenario5_storageMigrationMovesTheDiskLiveAndRollsBackCleanlyWhenCancelledOrKilled() throws Exception {
        QemuHost host = host("a");
        RunningVm running = bootOnRandomDisk(host, "storage", 42);
        QemuDomain vm = running.vm();
        GuestAgent agent = running.agent();
        String vdi = running.vdi();
        String device = running.device();
        List<String> nodesBefore = running.nodesBefore();
        String untouched = running.untouched();

        // Cancel midway: the VM keeps running on its source VDI, the copy is gone, no block node or job remains.
        MigrationOptions slow = MigrationOptions.DEFAULTS.withMaxBytesPerSecond(4 * MIB);
        assertThatThrownBy(() -> vm.migrateSend(host, Map.of(vdi, "sr2"), slow, cancelledAfter(Duration.ofMillis(1500))))
                .isInstanceOfSatisfying(BridgeException.class, e -> assertThat(e.error()).isEqualTo(BridgeError.TASK_CANCELLED));
        assertNothingOrphaned(vm, vdi, nodesBefore);
        agent.ping();

        // Kill midway: the target SR's NBD server dies during the copy; same outcome, reported as a mirror failure.
        java.util.concurrent.atomic.AtomicLong killedAt = new java.util.concurrent.atomic.AtomicLong();
        Thread killer = new Thread(() -> {
            sleep(1500);
            List<Process> servers = storage.attachments().keySet().stream().filter(v -> !v.equals(vdi))
                    .map(storage::nbdServer).filter(java.util.Objects::nonNull).toList();
            assertThat(servers).hasSize(1);
            killedAt.set(System.nanoTime());
            servers.forEach(Process::destroyForcibly);
        });
        killer.start();
        assertThatThrownBy(() -> vm.migrateSend(host, Map.of(vdi, "sr3"), slow, BridgeTask.NONE))
                .isInstanceOfSatisfying(BridgeException.class, e -> assertThat(e.error()).isEqualTo(BridgeError.MIRROR_FAILED));
        long reportedAt = System.nanoTime();
        killer.join();
        assertThat(killedAt.get()).as("the NBD server was killed during the copy").isPositive();
        System.out.printf("[figures] storage migration onto an NBD target killed midway: rolled back and reported %d ms after the kill%n",
                (reportedAt - killedAt.get()) / 1_000_000);
        assertNothingOrphaned(vm, vdi, nodesBefore);
        assertThat(agent.read(device, 24 * MIB, 8 * MIB)).isEqualTo(untouched);

        // The move itself, with the guest writing all along.
        MigrationReport report;
        List<GuestWriter.Write> written;
        try (GuestWriter writer = new GuestWriter(agent, List.of(device), 0, 16 * MIB, "d")) {
            writer.awaitAcked(4, Duration.ofSeconds(60));
            report = vm.migrateSend(host, Map.of(vdi, "sr2"), MigrationOptions.DEFAULTS.withMaxBytesPerSecond(16 * MIB), BridgeTask.NONE);
            writer.awaitAcked(writer.acked().size() + 6, Duration.ofSeconds(60));
            written = writer.stop();
        }
        System.out.printf("[figures] storage migration of a 32 MiB disk (mirror capped at 16 MiB/s, guest writing): %d ms%n",
                report.totalTime().toMillis());
        assertThat(report.disks()).singleElement().satisfies(move -> {
            assertThat(move.sourceVdiUuid()).isEqualTo(vdi);
            assertThat(move.targetSrUuid()).isEqualTo("sr2");
            assertThat(move.bytesCopied()).isGreaterThanOrEqualTo(DISK);
        });
        String target = report.disks().get(0).targetVdiUuid();
        assertThat(vm.vbds().get(0).spec().vdiUuid()).isEqualTo(target);
        assertThat(storage.exists(vdi)).as("source destroyed after the switch").isFalse();
        assertThat(storage.calls()).containsSubsequence("attach " + target + " " + host.uuid(), "destroy " + vdi);
        assertThat(storage.file(target).getParent()).isEqualTo(dir.resolve("sr2"));
        for (GuestWriter.Write write : written) {
            assertThat(agent.read(device, write.offset(), GuestWriter.LENGTH)).isEqualTo(write.sha256());
        }
        assertThat(agent.read(device, 24 * MIB, 8 * MIB)).isEqualTo(untouched);
        assertThat(vm.process().disks().blockNodeNames()).containsExactlyInAnyOrder("vbd0-mfmt", "vbd0-mproto");

        // The copy is a complete disk: after the guest stops, the file has the original data and every write.
        vm.cleanShutdown(Duration.ofSeconds(30));
        assertThat(GuestPattern.sha256OfFile(storage.file(target), 24 * MIB, 8 * MIB)).isEqualTo(untouched);
        for (GuestWriter.Write write : written) {
            assertThat(GuestPattern.sha256OfFile(storage.file(target), write.offset(), GuestWriter.LENGTH)).isEqualTo(write.sha256());
        }
        assertThat(storage.attachments()).isEmpty();
    }

    @Test
    void scenario5_migrateSendToAnotherHostCopiesTheDiskAndTheMemoryWhileTheGuestWrites() throws Exception {
        QemuHost source = host("a");
        QemuHost destination = host("b");
        RunningVm running = bootOnRandomDisk(source, "xenmotion", 7);
        QemuDomain vm = running.vm();
        GuestAgent agent = running.agent();
        String vdi = running.vdi();
        String device = running.device();
        String untouched = running.untouched();

        // Cancelled while the disk is being copied: the VM stays, on its source VDI; nothing is left on the destination.
        assertThatThrownBy(() -> vm.migrateSend(destination, Map.of(vdi, "sr2"), MigrationOptions.DEFAULTS.withMaxBytesPerSecond(4 * MIB),
                cancelledAfter(Duration.ofMillis(1500))))
                .isInstanceOfSatisfying(BridgeException.class, e -> assertThat(e.error()).isEqualTo(BridgeError.TASK_CANCELLED));
        assertThat(destination.residentVms()).isEmpty();
        assertNothingOrphaned(vm, vdi, running.nodesBefore());
        assertThat(storage.attachments()).containsEntry(vdi, java.util.Set.of(source.uuid()));

        MigrationReport report;
        GuestAgent moved;
        List<GuestWriter.Write> written;
        try (GuestWriter writer = new GuestWriter(agent, List.of(device), 0, 16 * MIB, "x")) {
            writer.awaitAcked(6, Duration.ofSeconds(60));
            report = vm.migrateSend(destination, Map.of(vdi, "sr2"), MigrationOptions.DEFAULTS, BridgeTask.NONE);
            moved = GuestAgent.attach(((QemuDomain) report.vm()).channelSocket().orElseThrow(), Duration.ofSeconds(30));
            agents.add(moved);
            writer.agent.set(moved);
            agent.close();
            writer.awaitAcked(writer.acked().size() + 6, Duration.ofSeconds(60));
            written = writer.stop();
        }
        System.out.printf("[figures] migrate_send to another host, 256 MiB guest + 32 MiB disk over NBD, guest writing: total %d ms, "
                + "downtime %d ms%n", report.totalTime().toMillis(), report.downtime().toMillis());
        QemuDomain after = (QemuDomain) report.vm();
        String target = report.disks().get(0).targetVdiUuid();
        assertThat(report.disks()).singleElement().satisfies(move -> {
            assertThat(move.sourceVdiUuid()).isEqualTo(vdi);
            assertThat(move.bytesCopied()).isGreaterThanOrEqualTo(DISK);
        });
        assertThat(after.residentOn()).isSameAs(destination);
        assertThat(after.vbds().get(0).spec().vdiUuid()).isEqualTo(target);
        assertThat(storage.file(target).getParent()).isEqualTo(dir.resolve("sr2"));
        assertThat(storage.exists(vdi)).as("source VDI destroyed after the move").isFalse();
        assertThat(storage.attachments()).containsOnlyKeys(target).containsEntry(target, java.util.Set.of(destination.uuid()));
        assertThat(after.process().disks().blockNodeNames()).containsExactlyInAnyOrder("vbd0-fmt", "vbd0-proto");
        for (GuestWriter.Write write : written) {
            assertThat(moved.read(device, write.offset(), GuestWriter.LENGTH)).isEqualTo(write.sha256());
        }
        assertThat(moved.read(device, 24 * MIB, 8 * MIB)).isEqualTo(untouched);
        after.cleanShutdown(Duration.ofSeconds(30));
        assertThat(GuestPattern.sha256OfFile(storage.file(target), 24 * MIB, 8 * MIB)).isEqualTo(untouched);
        for (GuestWriter.Write write : written) {
            assertThat(GuestPattern.sha256OfFile(storage.file(target), write.offset(), GuestWriter.LENGTH)).isEqualTo(write.sha256());
        }
    }

    private void assertNothingOrphaned(QemuDomain vm, String vdi, List<String> nodesBefore) throws IOException {
        assertThat(vm.powerState()).isEqualTo(VmPowerState.RUNNING);
        assertThat(vm.process().status()).isEqualTo("running");
        assertThat(vm.vbds().get(0).spec().vdiUuid()).isEqualTo(vdi);
        assertThat(vm.process().disks().blockNodeNames()).containsExactlyInAnyOrderElementsOf(nodesBefore);
        assertThat(vm.process().qmp().execute("query-block-jobs")).isEmpty();
        assertThat(storage.attachments()).containsOnlyKeys(vdi);
        for (String sr : List.of("sr2", "sr3")) {
            try (var files = Files.list(dir.resolve(sr))) {
                assertThat(files).as("files left in " + sr).isEmpty();
            }
        }
    }

    // --- helpers -----------------------------------------------------------------------------------

    private QemuHost host(String name) {
        QemuHost host = new QemuHost(UUID.randomUUID().toString(), name, dir.resolve(name), storage);
        hosts.add(host);
        return host;
    }

    private VmSpec vmSpec(String name, List<VbdSpec> vbds) {
        return new VmSpec(UUID.randomUUID().toString(), name, 256, 1,
                new Boot.DirectKernel(guest.kernel().toString(), guest.initrd().toString(), "console=ttyS0 quiet panic=-1"),
                vbds, Map.of(QemuHost.PLATFORM_CHANNEL, TestGuest.AGENT_PORT));
    }

    private GuestAgent agent(QemuDomain vm) {
        GuestAgent agent = GuestAgent.connect(vm.channelSocket().orElseThrow(), BOOT);
        agents.add(agent);
        return agent;
    }

    private static BlockingQueue<VmEvent> events(QemuHost host) {
        BlockingQueue<VmEvent> queue = new LinkedBlockingQueue<>();
        host.addListener(queue::add);
        return queue;
    }

    /** A task whose caller asks to cancel it {@code delay} after it was made. */
    private static BridgeTask cancelledAfter(Duration delay) {
        long cancelAt = System.nanoTime() + delay.toNanos();
        return new BridgeTask() {
            @Override
            public void progress(double fraction) {
            }

            @Override
            public boolean isCancelRequested() {
                return System.nanoTime() > cancelAt;
            }
        };
    }

    /** A booted VM with one 32 MiB disk full of random bytes, as the guest sees it. */
    private record RunningVm(QemuDomain vm, GuestAgent agent, String vdi, String device, List<String> nodesBefore, String untouched) {}

    /** Boots a VM on a VDI of SR sr1 filled with random bytes; {@code untouched} is the checksum of its last 8 MiB. */
    private RunningVm bootOnRandomDisk(QemuHost host, String name, long seed) throws IOException {
        String vdi = storage.createVdi("sr1", name, DISK);
        byte[] original = new byte[(int) DISK];
        new Random(seed).nextBytes(original);
        Files.write(storage.file(vdi), original);
        VbdSpec vbd = VbdSpec.of(UUID.randomUUID().toString(), vdi);
        QemuDomain vm = host.start(vmSpec(name, List.of(vbd)));
        GuestAgent agent = agent(vm);
        String device = agent.awaitDisk(vbd.serial(), SEEN).name();
        return new RunningVm(vm, agent, vdi, device, vm.process().disks().blockNodeNames(),
                GuestPattern.sha256OfFile(storage.file(vdi), 24 * MIB, 8 * MIB));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
