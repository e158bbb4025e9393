package org.storagegateway.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.bridge.qemu.GuestWriter;
import org.storagegateway.bridge.qemu.QemuDomain;
import org.storagegateway.bridge.qemu.QemuHost;
import org.storagegateway.bridge.qemu.guest.GuestAgent;
import org.storagegateway.bridge.qemu.guest.GuestDisk;
import org.storagegateway.bridge.qemu.guest.GuestPattern;
import org.storagegateway.bridge.qemu.guest.TestGuest;
import org.storagegateway.launcher.GatewayRuntime;
import org.storagegateway.vhd.IndependentTools;

/**
 * Issue 5's end-to-end scenarios through SOAP (python3-zeep): VMs of the test guest on the gateway's QEMU hosts, their
 * disks VDIs of the file SR served over the gateway's own NBD datapath. The guest's agent is reached through the
 * channel socket of its QEMU process; everything else is a SOAP call.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmScenariosIT {
    private static final long MIB = 1 << 20;
    private static final long DISK = 16 * MIB;
    private static final Duration BOOT = Duration.ofSeconds(120);
    private static final Duration SEEN = Duration.ofSeconds(30);

    @TempDir
    static Path home;
    static GatewayRuntime gateway;
    static ZeepClient zeep;
    static TestGuest.Image guest;
    static String srUuid;
    static Path srFolder;
    static String hostA;
    static String hostB;

    @BeforeAll
    static void start() throws Exception {
        assumeThat(IndependentTools.libvhdiAvailable()).as("python3-libvhdi is installed by ./gateway test").isTrue();
        guest = TestGuest.require();
        gateway = GatewayFixture.startDefault(home);
        zeep = GatewayFixture.zeep(gateway);
        srUuid = zeep.call("listStorageRepositories", Map.of()).get(0).get("uuid").asText();
        srFolder = home.resolve("storage").resolve(srUuid);
        JsonNode hosts = zeep.call("listHosts", Map.of());
        assertThat(hosts).hasSize(2);
        hostA = hosts.get(0).get("uuid").asText();
        hostB = hosts.get(1).get("uuid").asText();
        assertThat(hosts.get(0).get("backend").asText()).isEqualTo("qemu");
        assertThat(hosts.get(0).get("iscsiInitiatorName").asText()).endsWith(hostA);
    }

    @AfterAll
    static void stop() throws Exception {
        if (zeep != null) {
            zeep.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    // --- scenario 1 ----------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void scenario1_aHotPluggedVdiKeepsTheGuestsPatternAcrossUnplugAndReplug() throws Exception {
        String vdi = createVdi(zeep, "data");
        String vm = createVm(zeep, "plug", List.of());
        start(zeep, vm, hostA);
        try (GuestAgent agent = agent(vm)) {
            JsonNode vbd = zeep.call("createVirtualBlockDevice", Map.of("vmUuid", vm, "vdiUuid", vdi));
            assertThat(vbd.get("currentlyAttached").asBoolean()).isFalse();
            String vbdUuid = vbd.get("uuid").asText();
            String serial = vbd.get("serial").asText();

            long t0 = System.nanoTime();
            JsonNode plugged = zeep.call("plugVirtualBlockDevice", Map.of("vbdUuid", vbdUuid));
            long plugNanos = System.nanoTime() - t0;
            assertThat(plugged.get("currentlyAttached").asBoolean()).isTrue();
            String device = agent.awaitDisk(serial, SEEN).name();
            String sha = agent.write(device, MIB, 2 * MIB, "scenario1");
            assertThat(sha).isEqualTo(GuestPattern.sha256("scenario1", MIB, 2 * MIB));

            // Typed faults for bad input.
            assertFault(() -> zeep.call("plugVirtualBlockDevice", Map.of("vbdUuid", vbdUuid)),
                    "UserFault", "DEVICE_STATE_CONFLICT");
            assertFault(() -> zeep.call("startVirtualMachine", Map.of("vmUuid", vm, "hostUuid", hostA)),
                    "UserFault", "VM_BAD_POWER_STATE");
            assertFault(() -> zeep.call("getVirtualMachine", Map.of("vmUuid", "00000000-0000-4000-8000-000000000000")),
                    "UserFault", "HANDLE_INVALID");
            assertFault(() -> zeep.call("createVirtualBlockDevice", Map.of("vmUuid", vm,
                    "vdiUuid", "00000000-0000-4000-8000-000000000000")), "UserFault", "VDI_NOT_FOUND");
            String second = zeep.call("createVirtualBlockDevice", Map.of("vmUuid", vm, "vdiUuid", vdi))
                    .get("uuid").asText();
            assertFault(() -> zeep.call("plugVirtualBlockDevice", Map.of("vbdUuid", second)),
                    "UserFault", "DEVICE_STATE_CONFLICT");
            assertThat(zeep.call("destroyVirtualBlockDevice", Map.of("vbdUuid", second)).get("uuid").asText())
                    .isEqualTo(second);
            assertFault(() -> zeep.call("plugVirtualBlockDevice", Map.of("vbdUuid", second)),
                    "UserFault", "HANDLE_INVALID");
            assertFault(() -> zeep.call("destroyVirtualBlockDevice", Map.of("vbdUuid", vbdUuid)),
                    "UserFault", "DEVICE_STATE_CONFLICT");

            long t1 = System.nanoTime();
            JsonNode unplugged = zeep.call("unplugVirtualBlockDevice", Map.of("vbdUuid", vbdUuid));
            long unplugNanos = System.nanoTime() - t1;
            assertThat(unplugged.get("currentlyAttached").asBoolean()).isFalse();
            agent.awaitDiskGone(serial, SEEN);
            assertFault(() -> zeep.call("unplugVirtualBlockDevice", Map.of("vbdUuid", vbdUuid)),
                    "UserFault", "DEVICE_STATE_CONFLICT");
            // Unplugged, the VDI is detached: its VHD reads back with the pattern through an independent reader.
            assertThat(libvhdiSha(vdi)).isEqualTo(expectedMedia(Map.of(MIB, new Fill("scenario1", 2 * MIB))));

            // Re-plug: the pattern is there. Then four more rounds for the latency figures (medians of 5).
            List<Long> plugs = new ArrayList<>(List.of(plugNanos));
            List<Long> unplugs = new ArrayList<>(List.of(unplugNanos));
            List<Long> roundTrips = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                long p0 = System.nanoTime();
                zeep.call("plugVirtualBlockDevice", Map.of("vbdUuid", vbdUuid));
                if (round > 0) {
                    plugs.add(System.nanoTime() - p0);
                }
                String again = agent.awaitDisk(serial, SEEN).name();
                assertThat(agent.read(again, MIB, 2 * MIB)).as("the pattern after re-plug %d", round).isEqualTo(sha);
                if (round == 4) {
                    break;
                }
                long u0 = System.nanoTime();
                zeep.call("unplugVirtualBlockDevice", Map.of("vbdUuid", vbdUuid));
                unplugs.add(System.nanoTime() - u0);
                agent.awaitDiskGone(serial, SEEN);
                long r0 = System.nanoTime();
                zeep.call("getVirtualMachine", Map.of("vmUuid", vm));
                roundTrips.add(System.nanoTime() - r0);
            }
            assertThat(zeep.call("pauseVirtualMachine", Map.of("vmUuid", vm)).get("powerState").asText())
                    .isEqualTo("PAUSED");
            assertFault(() -> zeep.call("pauseVirtualMachine", Map.of("vmUuid", vm)), "UserFault",
                    "VM_BAD_POWER_STATE");
            assertThat(zeep.call("unpauseVirtualMachine", Map.of("vmUuid", vm)).get("powerState").asText())
                    .isEqualTo("RUNNING");
            agent.ping();
            System.out.printf("[figures] SOAP plugVirtualBlockDevice median %.1f ms, unplugVirtualBlockDevice median"
                    + " %.1f ms (file SR over NBD, TCG guest); SOAP round trip of getVirtualMachine median %.1f ms%n",
                    median(plugs), median(unplugs), median(roundTrips));
        }
        zeep.call("shutdownVirtualMachine", Map.of("vmUuid", vm, "hard", true));
        assertThat(zeep.call("getVirtualMachine", Map.of("vmUuid", vm)).get("powerState").asText())
                .isEqualTo("HALTED");
        assertFault(() -> zeep.call("shutdownVirtualMachine", Map.of("vmUuid", vm)), "UserFault",
                "VM_BAD_POWER_STATE");
    }

    // --- scenario 2 ----------------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void scenario2_twentyFastClonesOfAGoldenVdiBootConcurrentlyAndKeepTheirOwnData() throws Exception {
        String golden = createVdi(zeep, "golden");
        String writerVm = createVm(zeep, "golden-writer", List.of(golden));
        start(zeep, writerVm, hostA);
        try (GuestAgent agent = agent(writerVm)) {
            String device = agent.awaitDisk(serialOf(writerVm, 0), SEEN).name();
            agent.write(device, 0, 2 * MIB, "golden");
        }
        zeep.call("shutdownVirtualMachine", Map.of("vmUuid", writerVm, "hard", true));
        String goldenMedia = expectedMedia(Map.of(0L, new Fill("golden", 2 * MIB)));
        assertThat(libvhdiSha(golden)).isEqualTo(goldenMedia);

        List<String> clones = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            clones.add(zeep.call("cloneVirtualDisk", Map.of("vdiUuid", golden, "nameLabel", "clone-" + i))
                    .get("uuid").asText());
        }
        System.out.printf("[figures] 20 SOAP cloneVirtualDisk of a 16 MiB VDI: %.0f ms each on average%n",
                (System.nanoTime() - t0) / 1e6 / 20);

        // Three VMs on three clones, booted and written concurrently, each through its own SOAP client.
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<String>> done = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    try (ZeepClient own = GatewayFixture.zeep(gateway)) {
                        String vm = createVm(own, "clone-vm-" + n, List.of(clones.get(n)));
                        start(own, vm, hostA);
                        try (GuestAgent agent = agent(vm)) {
                            String device = agent.awaitDisk(serialOf(vm, 0), SEEN).name();
                            assertThat(agent.read(device, 0, 2 * MIB)).as("golden data in clone %d", n)
                                    .isEqualTo(GuestPattern.sha256("golden", 0, 2 * MIB));
                            agent.write(device, 4 * MIB, MIB, "own-" + n);
                        }
                        own.call("shutdownVirtualMachine", Map.of("vmUuid", vm, "hard", true));
                        return vm;
                    }
                }));
            }
            for (Future<String> vm : done) {
                vm.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(libvhdiSha(golden)).as("the golden VDI is unchanged").isEqualTo(goldenMedia);
        for (int i = 0; i < 3; i++) {
            assertThat(libvhdiSha(clones.get(i))).as("clone %d holds the golden data and only its own", i)
                    .isEqualTo(expectedMedia(Map.of(0L, new Fill("golden", 2 * MIB), 4 * MIB,
                            new Fill("own-" + i, MIB))));
        }
        assertThat(libvhdiSha(clones.get(19))).as("an unused clone").isEqualTo(goldenMedia);
    }

    // --- scenario 3 ----------------------------------------------------------------------------------------------

    @Test
    @Order(3)
    void scenario3_aLiveSnapshotOfTwoDisksIsAtomicAndItsRevertHoldsTheDataOfItsMoment() throws Exception {
        String vm = createVm(zeep, "snap", List.of(createVdi(zeep, "a"), createVdi(zeep, "b")));
        start(zeep, vm, hostA);
        GuestAgent agent = agent(vm);
        List<String> devices = List.of(agent.awaitDisk(serialOf(vm, 0), SEEN).name(),
                agent.awaitDisk(serialOf(vm, 1), SEEN).name());
        JsonNode snapshot;
        int ackedBefore;
        int sentAfter;
        List<GuestWriter.Write> written;
        try (GuestWriter writer = new GuestWriter(agent, devices, 0, DISK, "s")) {
            writer.awaitAcked(12, Duration.ofSeconds(60));
            ackedBefore = writer.acked().size();
            snapshot = zeep.call("snapshotVirtualMachine", Map.of("vmUuid", vm, "nameLabel", "before-upgrade"));
            sentAfter = writer.sent();
            writer.awaitAcked(sentAfter + 6, Duration.ofSeconds(60));
            written = writer.stop();
        }
        assertThat(snapshot.get("isSnapshot").asBoolean()).isTrue();
        assertThat(snapshot.get("snapshotOf").asText()).isEqualTo(vm);
        assertThat(snapshot.get("virtualBlockDevice")).hasSize(2).allMatch(v -> v.get("readOnly").asBoolean());
        assertThat(zeep.call("getVirtualMachine", Map.of("vmUuid", vm)).get("powerState").asText())
                .isEqualTo("RUNNING");
        assertFault(() -> zeep.call("startVirtualMachine", Map.of("vmUuid", snapshot.get("uuid").asText(),
                "hostUuid", hostA)), "UserFault", "VM_BAD_POWER_STATE");

        // Revert: clone the snapshot and boot it.
        String reverted = zeep.call("cloneVirtualMachine", Map.of("vmUuid", snapshot.get("uuid").asText(),
                "nameLabel", "reverted")).get("uuid").asText();
        start(zeep, reverted, hostB);
        try (GuestAgent revertedAgent = agent(reverted)) {
            List<String> revertedDevices = List.of(revertedAgent.awaitDisk(serialOf(reverted, 0), SEEN).name(),
                    revertedAgent.awaitDisk(serialOf(reverted, 1), SEEN).name());
            GuestWriter.assertSnapshotHoldsAPrefix(written,
                    write -> revertedAgent.read(revertedDevices.get(devices.indexOf(write.device())), write.offset(),
                            GuestWriter.LENGTH), ackedBefore, sentAfter);
        }
        agent.close();
        zeep.call("shutdownVirtualMachine", Map.of("vmUuid", reverted, "hard", true));
        zeep.call("shutdownVirtualMachine", Map.of("vmUuid", vm, "hard", true));
    }

    // --- scenario 4 ----------------------------------------------------------------------------------------------

    @Test
    @Order(4)
    void scenario4_aLiveMigrationBetweenTwoQemuHostsKeepsEveryAcknowledgedWrite() throws Exception {
        String vm = createVm(zeep, "mover", List.of(createVdi(zeep, "moving")));
        start(zeep, vm, hostA);
        GuestAgent agent = agent(vm);
        String device = agent.awaitDisk(serialOf(vm, 0), SEEN).name();
        List<GuestWriter.Write> written;
        JsonNode task;
        try (GuestWriter writer = new GuestWriter(agent, List.of(device), 0, DISK, "m")) {
            writer.awaitAcked(5, Duration.ofSeconds(60));
            long m0 = System.nanoTime();
            task = zeep.call("migrateVirtualMachine", Map.of("vmUuid", vm, "hostUuid", hostB));
            System.out.printf("[figures] SOAP migrateVirtualMachine (256 MiB guest writing, NBD disk): %.0f ms%n",
                    (System.nanoTime() - m0) / 1e6);
            GuestAgent moved = GuestAgent.attach(domain(vm).channelSocket().orElseThrow(), SEEN);
            writer.agent.set(moved);
            int after = writer.sent();
            writer.awaitAcked(after + 5, Duration.ofSeconds(60));
            written = writer.stop();
            assertThat(task.get("state").asText()).isEqualTo("success");
            assertThat(task.get("operation").asText()).isEqualTo("vm.migrate");
            JsonNode record = zeep.call("getVirtualMachine", Map.of("vmUuid", vm));
            assertThat(record.get("residentOn").asText()).isEqualTo(hostB);
            // The destination ran with return-path and events on (the bridge set them and read them back on both
            // sides; the source process has quit, the destination still tells).
            JsonNode capabilities = domain(vm).process().qmp().execute("query-migrate-capabilities");
            Map<String, Boolean> enabled = new HashMap<>();
            capabilities.forEach(c -> enabled.put(c.path("capability").asText(), c.path("state").asBoolean()));
            assertThat(enabled).containsEntry("return-path", true).containsEntry("events", true);
            assertThat(gateway.hypervisorHosts().get(0).vm(vm)).as("nothing left on the source host").isEmpty();
            assertThat(record.get("powerState").asText()).isEqualTo("RUNNING");
            // Every acknowledged write, before, during and after the move, reads back in the moved guest.
            for (GuestWriter.Write write : written) {
                assertThat(moved.read(write.device(), write.offset(), GuestWriter.LENGTH)).as("write %d", write.index())
                        .isEqualTo(write.sha256());
            }
            moved.close();
        } finally {
            agent.close();
        }
        assertThat(written).extracting(GuestWriter.Write::index).containsExactlyElementsOf(
                Stream.iterate(0, i -> i + 1).limit(written.size()).toList());
        zeep.call("shutdownVirtualMachine", Map.of("vmUuid", vm, "hard", true));
    }

    // --- scenario 5 ----------------------------------------------------------------------------------------------

    @Test
    @Order(5)
    void scenario5_aStorageMigrationMovesARunningDiskAndACancelledOneLeavesNothingBehind() throws Exception {
        Path sr2Folder = Files.createDirectories(home.resolve("sr2"));
        String sr2 = zeep.call("createStorageRepository", Map.of("type", "file", "nameLabel", "second",
                "deviceConfig", Map.of("path", sr2Folder.toString()))).get("uuid").asText();
        Path sr2Files = sr2Folder.resolve(sr2).toFile().isDirectory() ? sr2Folder.resolve(sr2) : sr2Folder;
        String source = createVdi(zeep, "to-move");
        String vm = createVm(zeep, "storage-mover", List.of(source));
        start(zeep, vm, hostA);
        QemuDomain domain = domain(vm);
        Set<String> nodesBefore = new TreeSet<>(domain.process().disks().blockNodeNames());
        GuestAgent agent = agent(vm);
        String device = agent.awaitDisk(serialOf(vm, 0), SEEN).name();
        // Allocated data for the mirror to copy (it skips what was never written).
        String filled = agent.write(device, 8 * MIB, 4 * MIB, "filled");
        try (GuestWriter writer = new GuestWriter(agent, List.of(device), 0, 8 * MIB, "d")) {
            writer.awaitAcked(5, Duration.ofSeconds(60));

            // Cancelled midway: a bandwidth cap keeps the copy going long enough to cancel it.
            JsonNode running = zeep.call("migrateSendVirtualMachine", Map.of("vmUuid", vm, "hostUuid", hostA,
                    "vdiMap", List.of(Map.of("vdiUuid", source, "srUuid", sr2)), "maxBytesPerSecond", 256 << 10,
                    "async", true));
            String taskUuid = running.get("uuid").asText();
            Thread.sleep(1500);
            zeep.call("cancelTask", Map.of("taskUuid", taskUuid));
            JsonNode ended = awaitTask(taskUuid);
            assertThat(ended.get("state").asText()).isEqualTo("cancelled");
            JsonNode record = zeep.call("getVirtualMachine", Map.of("vmUuid", vm));
            assertThat(record.get("powerState").asText()).isEqualTo("RUNNING");
            assertThat(record.get("virtualBlockDevice").get(0).get("vdiUuid").asText()).isEqualTo(source);
            assertThat(new TreeSet<>(domain.process().disks().blockNodeNames())).as("no stray block node")
                    .isEqualTo(nodesBefore);
            assertThat(zeep.call("listVirtualDisks", Map.of("srUuid", sr2))).isEmpty();
            assertNoOrphans(sr2, sr2Files);
            assertNoOrphans(srUuid, srFolder);
            int afterCancel = writer.sent();
            writer.awaitAcked(afterCancel + 3, Duration.ofSeconds(60));

            // The real move, with the guest writing.
            long s0 = System.nanoTime();
            JsonNode moved = zeep.call("migrateSendVirtualMachine", Map.of("vmUuid", vm, "hostUuid", hostA,
                    "vdiMap", List.of(Map.of("vdiUuid", source, "srUuid", sr2))));
            System.out.printf("[figures] SOAP migrateSendVirtualMachine of a 16 MiB VDI (4 MiB + the writes"
                    + " allocated) to a second file SR, uncapped, guest writing: %.0f ms%n", (System.nanoTime() - s0) / 1e6);
            assertThat(moved.get("state").asText()).isEqualTo("success");
            int afterMove = writer.sent();
            writer.awaitAcked(afterMove + 3, Duration.ofSeconds(60));
            List<GuestWriter.Write> written = writer.stop();
            String target = zeep.call("getVirtualMachine", Map.of("vmUuid", vm)).get("virtualBlockDevice").get(0)
                    .get("vdiUuid").asText();
            assertThat(target).isNotEqualTo(source);
            assertThat(zeep.call("getVirtualDisk", Map.of("vdiUuid", target)).get("srUuid").asText()).isEqualTo(sr2);
            assertFault(() -> zeep.call("getVirtualDisk", Map.of("vdiUuid", source)), "UserFault", "VDI_NOT_FOUND");
            assertThat(srFolder.resolve(source + ".vhd")).doesNotExist();
            for (GuestWriter.Write write : written) {
                assertThat(agent.read(device, write.offset(), GuestWriter.LENGTH)).as("write %d", write.index())
                        .isEqualTo(write.sha256());
            }
            assertThat(agent.read(device, 8 * MIB, 4 * MIB)).isEqualTo(filled);
            assertNoOrphans(sr2, sr2Files);
            assertNoOrphans(srUuid, srFolder);
        } finally {
            agent.close();
        }
        zeep.call("shutdownVirtualMachine", Map.of("vmUuid", vm, "hard", true));
    }

    // --- scenario 6: resize ---------------------------------------------------------------------------------------

    @Test
    @Order(6)
    void scenario6_aPluggedVdiGrowsOnlineAndTheGuestWritesAtItsNewTailAnUnpluggedOneGrowsOffline() throws Exception {
        String vdi = createVdi(zeep, "growing");
        String vm = createVm(zeep, "grower", List.of());
        start(zeep, vm, hostA);
        String head;
        String tail;
        try (GuestAgent agent = agent(vm)) {
            JsonNode vbd = zeep.call("createVirtualBlockDevice", Map.of("vmUuid", vm, "vdiUuid", vdi));
            zeep.call("plugVirtualBlockDevice", Map.of("vbdUuid", vbd.get("uuid").asText()));
            String serial = vbd.get("serial").asText();
            GuestDisk disk = agent.awaitDisk(serial, SEEN);
            assertThat(disk.sizeBytes()).isEqualTo(DISK);
            head = agent.write(disk.name(), DISK - MIB, MIB, "head");

            long r0 = System.nanoTime();
            JsonNode grown = zeep.call("resizeVirtualDisk", Map.of("vdiUuid", vdi, "virtualSizeBytes", 40 * MIB));
            System.out.printf("[figures] SOAP resizeVirtualDisk of a plugged 16 MiB VDI to 40 MiB (file SR over NBD,"
                    + " TCG guest told online): %.0f ms%n", (System.nanoTime() - r0) / 1e6);
            assertThat(grown.get("virtualSize").asLong()).isEqualTo(40 * MIB);
            long deadline = System.nanoTime() + SEEN.toNanos();
            while (agent.awaitDisk(serial, SEEN).sizeBytes() != 40 * MIB) {
                assertThat(System.nanoTime()).as("the guest sees 40 MiB in /sys/block").isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(agent.awaitDisk(serial, SEEN).name()).as("the same device, never unplugged").isEqualTo(disk.name());
            tail = agent.write(disk.name(), 38 * MIB, 2 * MIB, "tail");
            assertThat(agent.read(disk.name(), DISK - MIB, MIB)).isEqualTo(head);
            assertFault(() -> zeep.call("resizeVirtualDisk", Map.of("vdiUuid", vdi, "virtualSizeBytes", DISK)),
                    "UserFault", "INVALID_ARGUMENT");
            agent.sync();
            zeep.call("unplugVirtualBlockDevice", Map.of("vbdUuid", vbd.get("uuid").asText()));
            agent.awaitDiskGone(serial, SEEN);
        }
        zeep.call("shutdownVirtualMachine", Map.of("vmUuid", vm, "hard", true));

        // Offline: nothing has it attached; the file grows and keeps both writes.
        JsonNode offline = zeep.call("resizeVirtualDisk", Map.of("vdiUuid", vdi, "virtualSizeBytes", 64 * MIB,
                "idempotencyKey", "grow-offline"));
        assertThat(offline.get("virtualSize").asLong()).isEqualTo(64 * MIB);
        Path vhd = srFolder.resolve(vdi + ".vhd");
        assertThat(IndependentTools.qemuImgInfo(vhd).virtualSize()).isEqualTo(64 * MIB);
        // libvhdi reads up to the VHD's original size (the 16 MiB it was created with); QEMU's vpc driver reads it all.
        assertThat(IndependentTools.readRangeWithLibvhdi(vhd, DISK - MIB, MIB).sha256()).isEqualTo(head);
        Path raw = home.resolve(vdi + ".raw");
        Process convert = new ProcessBuilder("qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd.toString(),
                raw.toString()).redirectErrorStream(true).start();
        assertThat(convert.waitFor()).as(new String(convert.getInputStream().readAllBytes())).isZero();
        assertThat(Files.size(raw)).isEqualTo(64 * MIB);
        assertThat(GuestPattern.sha256OfFile(raw, DISK - MIB, MIB)).isEqualTo(head);
        assertThat(GuestPattern.sha256OfFile(raw, 38 * MIB, 2 * MIB)).isEqualTo(tail);
        assertThat(GuestPattern.sha256OfFile(raw, 40 * MIB, 24 * MIB)).isEqualTo(zeroSha((int) (24 * MIB)));
        Files.delete(raw);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private record Fill(String seed, long length) {
    }

    static String createVdi(ZeepClient client, String name) throws IOException {
        return client.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", name,
                "virtualSizeBytes", DISK)).get("uuid").asText();
    }

    /** A halted VM of the test guest with a writable virtio VBD per VDI. */
    static String createVm(ZeepClient client, String name, List<String> vdis) throws IOException {
        Map<String, Object> boot = new LinkedHashMap<>();
        boot.put("kernel", guest.kernel().toString());
        boot.put("initrd", guest.initrd().toString());
        boot.put("arguments", "console=ttyS0 quiet panic=-1");
        String vm = client.call("createVirtualMachine", Map.of("nameLabel", name, "memoryMiB", 256, "vcpus", 1,
                "directKernelBoot", Map.of("$struct", boot),
                "platform", Map.of(QemuHost.PLATFORM_CHANNEL, TestGuest.AGENT_PORT))).get("uuid").asText();
        for (String vdi : vdis) {
            client.call("createVirtualBlockDevice", Map.of("vmUuid", vm, "vdiUuid", vdi));
        }
        return vm;
    }

    static void start(ZeepClient client, String vm, String host) throws IOException {
        JsonNode started = client.call("startVirtualMachine", Map.of("vmUuid", vm, "hostUuid", host));
        assertThat(started.get("powerState").asText()).isEqualTo("RUNNING");
        assertThat(started.get("residentOn").asText()).isEqualTo(host);
    }

    static String serialOf(String vm, int index) throws IOException {
        return zeep.call("getVirtualMachine", Map.of("vmUuid", vm)).get("virtualBlockDevice").get(index)
                .get("serial").asText();
    }

    /** The running QEMU domain of a VM, wherever it runs; the test reaches the guest agent through it. */
    static QemuDomain domain(String vm) {
        return gateway.hypervisorHosts().stream().flatMap(h -> h.vm(vm).stream())
                .map(QemuDomain.class::cast).findFirst().orElseThrow(() -> new AssertionError("VM " + vm + " runs nowhere"));
    }

    static GuestAgent agent(String vm) {
        return GuestAgent.connect(domain(vm).channelSocket().orElseThrow(), BOOT);
    }

    private JsonNode awaitTask(String taskUuid) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode task = zeep.call("getTask", Map.of("taskUuid", taskUuid));
            if (!Set.of("pending", "running").contains(task.get("state").asText())) {
                return task;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("task " + taskUuid + " did not end");
    }

    /** Every VHD file of the SR has a record (hidden ones included), and every listed VDI has its file. */
    private void assertNoOrphans(String sr, Path folder) throws IOException {
        Set<String> files;
        try (Stream<Path> listing = Files.list(folder)) {
            files = listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".vhd"))
                    .map(n -> n.substring(0, n.length() - 4)).collect(Collectors.toCollection(TreeSet::new));
        }
        for (String file : files) {
            assertThat(zeep.call("getVirtualDisk", Map.of("vdiUuid", file)).get("srUuid").asText())
                    .as("the record of %s.vhd", file).isEqualTo(sr);
        }
        for (JsonNode vdi : zeep.call("listVirtualDisks", Map.of("srUuid", sr))) {
            assertThat(files).as("the file of VDI %s", vdi.get("uuid").asText()).contains(vdi.get("uuid").asText());
        }
    }

    private static double median(List<Long> nanos) {
        List<Long> sorted = nanos.stream().sorted().toList();
        return sorted.get(sorted.size() / 2) / 1e6;
    }

    private static void assertFault(Callable<?> call, String type, String name) {
        assertThatThrownBy(call::call).isInstanceOfSatisfying(ZeepClient.SoapFault.class, f -> {
            assertThat(f.type()).as(f.raw()).isEqualTo(type);
            assertThat(f.name()).as(f.raw()).isEqualTo(name);
        });
    }

    private static String libvhdiSha(String vdi) throws IOException {
        IndependentTools.LibvhdiReading reading = IndependentTools.readWithLibvhdi(srFolder.resolve(vdi + ".vhd"));
        assertThat(reading.mediaSize()).isEqualTo(DISK);
        return reading.sha256();
    }

    /** SHA-256 of a whole disk: zeros, with the guest agent's pattern at the given offsets. */
    private static String expectedMedia(Map<Long, Fill> fills) {
        MessageDigest digest = sha256();
        Map<Long, String> seedOfSector = new HashMap<>();
        fills.forEach((offset, fill) -> {
            assertThat(sectorsSha(fill.seed(), offset, fill.length()))
                    .as("the host copy of the pattern").isEqualTo(GuestPattern.sha256(fill.seed(), offset, fill.length()));
            for (long s = offset / 512; s < (offset + fill.length()) / 512; s++) {
                seedOfSector.put(s, fill.seed());
            }
        });
        byte[] zero = new byte[512];
        for (long s = 0; s < DISK / 512; s++) {
            String seed = seedOfSector.get(s);
            digest.update(seed == null ? zero : sector(seed, s));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sectorsSha(String seed, long offset, long length) {
        MessageDigest digest = sha256();
        for (long s = offset / 512; s < (offset + length) / 512; s++) {
            digest.update(sector(seed, s));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** One sector of the agent's pattern: "seed=<seed> sector=<s>", spaces to 511 bytes, a newline. */
    private static byte[] sector(String seed, long sector) {
        byte[] bytes = new byte[512];
        java.util.Arrays.fill(bytes, (byte) ' ');
        byte[] text = ("seed=" + seed + " sector=" + sector).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, bytes, 0, text.length);
        bytes[511] = '\n';
        return bytes;
    }

    private static String zeroSha(int length) {
        return HexFormat.of().formatHex(sha256().digest(new byte[length]));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
