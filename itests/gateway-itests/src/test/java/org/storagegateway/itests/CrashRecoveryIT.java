package org.storagegateway.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.persistence.DerbyGatewayStore;
import org.storagegateway.spi.CrashPoints;
import org.storagegateway.vhd.IndependentTools;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;

/**
 * The gateway process is killed at every named crash point of create, clone, snapshot and delete (and at the two
 * sides of a resize's grow), then restarted.
 * After the restart: no task is left running, every VHD file on the storage is recorded and every record has its
 * file, no unfinished staging file remains, and libvhdi reads every VDI with exactly the bytes it should hold.
 * Runs on the "Local storage" file SR; {@link NfsCrashRecoveryIT} overrides the SR and where its files are.
 */
class CrashRecoveryIT {
    private static final long SIZE = 8L << 20;
    private static final String KEY = "crashing-request";

    enum Operation { CREATE, CLONE, SNAPSHOT, DELETE, RESIZE, COALESCE_LEAF, COALESCE_INTERNAL }

    static Stream<Arguments> crashPoints() {
        return Stream.of(
                Arguments.of(Operation.CREATE, "task.journaled"),
                Arguments.of(Operation.CREATE, "file.create.staged"),
                Arguments.of(Operation.CREATE, "file.create.renamed"),
                Arguments.of(Operation.CREATE, "task.storage-done"),
                Arguments.of(Operation.CLONE, "task.journaled"),
                Arguments.of(Operation.CLONE, "file.copy.linked"),
                Arguments.of(Operation.CLONE, "file.copy.leaf-staged"),
                Arguments.of(Operation.CLONE, "file.copy.leaf-replaced"),
                Arguments.of(Operation.CLONE, "file.copy.child-created"),
                Arguments.of(Operation.CLONE, "file.copy.base-hidden"),
                Arguments.of(Operation.CLONE, "task.storage-done"),
                Arguments.of(Operation.SNAPSHOT, "file.copy.leaf-replaced"),
                Arguments.of(Operation.SNAPSHOT, "file.copy.child-created"),
                Arguments.of(Operation.DELETE, "task.journaled"),
                Arguments.of(Operation.DELETE, "file.delete.unlinked"),
                Arguments.of(Operation.DELETE, "task.storage-done"),
                Arguments.of(Operation.RESIZE, "task.journaled"),
                Arguments.of(Operation.RESIZE, "file.resize.grown"),
                Arguments.of(Operation.COALESCE_LEAF, "task.journaled"),
                Arguments.of(Operation.COALESCE_LEAF, "file.gc.journaled"),
                Arguments.of(Operation.COALESCE_LEAF, "file.gc.merged"),
                Arguments.of(Operation.COALESCE_LEAF, "file.gc.replaced"),
                Arguments.of(Operation.COALESCE_INTERNAL, "file.gc.merged"),
                Arguments.of(Operation.COALESCE_INTERNAL, "file.gc.relinked"));
    }

    private final Map<String, byte[]> expected = new HashMap<>();
    private final Random random = new Random(137);

    @ParameterizedTest(name = "{0} killed at {1}")
    @MethodSource("crashPoints")
    void restartAfterAKillLeavesNoOrphanNoLostRecordNoRunningTaskAndEveryChainReadsBack(
            Operation operation, String crashPoint, @TempDir Path work) throws Exception {
        assumeThat(IndependentTools.libvhdiAvailable()).as("python3-libvhdi is installed by ./gateway test").isTrue();
        Path home = Files.createDirectories(work.resolve("home"));
        String srUuid;
        String goldenUuid;
        String victimUuid;
        try (GatewayProcess gateway = GatewayProcess.start(home, Optional.empty()); ZeepClient zeep = gateway.zeep()) {
            srUuid = storageRepository(zeep);
            goldenUuid = zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "golden",
                    "virtualSizeBytes", SIZE)).get("uuid").asText();
            expected.put(goldenUuid, new byte[(int) SIZE]);
            writeRandom(home, srUuid, goldenUuid);
            victimUuid = zeep.call("cloneVirtualDisk", Map.of("vdiUuid", goldenUuid, "nameLabel", "victim"))
                    .get("uuid").asText();
            expected.put(victimUuid, expected.get(goldenUuid).clone());
            // Data written since the last copy, so the next copy takes the full path (link, new leaf, new child).
            writeRandom(home, srUuid, goldenUuid);
            if (operation == Operation.COALESCE_INTERNAL) {
                // A second base copy under the first, so that deleting the victim leaves an internal single child.
                String second = zeep.call("cloneVirtualDisk", Map.of("vdiUuid", goldenUuid, "nameLabel", "second"))
                        .get("uuid").asText();
                expected.put(second, expected.get(goldenUuid).clone());
                writeRandom(home, srUuid, goldenUuid);
            }
            if (operation == Operation.COALESCE_LEAF || operation == Operation.COALESCE_INTERNAL) {
                zeep.call("deleteVirtualDisk", Map.of("vdiUuid", victimUuid));
                expected.remove(victimUuid);
            }
        }

        byte[] goldenAtCrash = expected.get(goldenUuid).clone();
        if (operation == Operation.COALESCE_LEAF || operation == Operation.COALESCE_INTERNAL) {
            // Garbage collection runs on its own one second after start-up, and is killed at the crash point.
            try (GatewayProcess gateway = GatewayProcess.launch(home, Optional.of(crashPoint), 1)) {
                assertThat(gateway.awaitExit(Duration.ofSeconds(120))).as(gateway.output())
                        .isEqualTo(CrashPoints.EXIT_STATUS);
            }
        } else {
            crashDuring(operation, crashPoint, home, srUuid, goldenUuid, victimUuid);
        }

        try (GatewayProcess gateway = GatewayProcess.start(home, Optional.empty())) {
            assertThat(gateway.output()).contains("marked interrupted");
        }
        verify(operation, crashPoint, home, srUuid, goldenUuid, victimUuid, goldenAtCrash);
    }

    private void crashDuring(Operation operation, String crashPoint, Path home, String srUuid, String goldenUuid,
            String victimUuid) throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(home, Optional.of(crashPoint));
                ZeepClient zeep = gateway.zeep()) {
            JsonNode reply = switch (operation) {
                case CREATE -> zeep.exchange("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "crashed",
                        "virtualSizeBytes", SIZE, "idempotencyKey", KEY));
                case CLONE -> zeep.exchange("cloneVirtualDisk", Map.of("vdiUuid", goldenUuid, "nameLabel", "crashed",
                        "idempotencyKey", KEY));
                case SNAPSHOT -> zeep.exchange("snapshotVirtualDisk", Map.of("vdiUuid", goldenUuid,
                        "idempotencyKey", KEY));
                case DELETE -> zeep.exchange("deleteVirtualDisk", Map.of("vdiUuid", victimUuid, "idempotencyKey", KEY));
                case RESIZE -> zeep.exchange("resizeVirtualDisk", Map.of("vdiUuid", goldenUuid,
                        "virtualSizeBytes", 2 * SIZE, "idempotencyKey", KEY));
                default -> throw new IllegalArgumentException(operation.name());
            };
            assertThat(reply.has("result")).as("the call must not succeed: %s", reply).isFalse();
            assertThat(gateway.awaitExit(Duration.ofSeconds(60))).as(gateway.output())
                    .isEqualTo(CrashPoints.EXIT_STATUS);
        }
    }

    private void verify(Operation operation, String crashPoint, Path home, String srUuid, String goldenUuid,
            String victimUuid, byte[] goldenAtCrash) throws Exception {
        boolean collecting = operation == Operation.COALESCE_LEAF || operation == Operation.COALESCE_INTERNAL;
        Path srFolder = srFolder(home, srUuid);
        List<VirtualDiskRecord> records;
        try (DerbyGatewayStore store = DerbyGatewayStore.open(home.resolve("db"),
                Files.readAllBytes(home.resolve("store.key")))) {
            List<TaskRecord> unfinished = store.inTransaction(
                    tx -> tx.tasks().listByState(TaskState.PENDING, TaskState.RUNNING));
            assertThat(unfinished).as("tasks left running").isEmpty();
            TaskRecord crashed = collecting
                    ? store.inTransaction(tx -> tx.tasks().listByState(TaskState.INTERRUPTED)).stream()
                            .filter(t -> t.operation().equals("sr.gc")).findFirst().orElseThrow()
                    : store.inTransaction(tx -> tx.tasks().findByIdempotencyKey("client:" + KEY)).orElseThrow();
            assertThat(crashed.state()).isEqualTo(TaskState.INTERRUPTED);
            assertThat(crashed.resolution()).as("reconciled").isPresent();
            records = store.inTransaction(tx -> tx.virtualDisks().listBySr(srUuid));

            Set<String> recorded = records.stream().map(VirtualDiskRecord::uuid).collect(Collectors.toSet());
            Set<String> files;
            try (Stream<Path> listing = Files.list(srFolder)) {
                files = listing.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            }
            assertThat(files).as("no unfinished staging file").noneMatch(f -> f.endsWith(".new"));
            assertThat(files).as("no coalesce journal left").noneMatch(f -> f.startsWith(".coalesce-"));
            assertThat(files.stream().map(f -> f.replace(".vhd", "")).collect(Collectors.toSet()))
                    .as("every VHD file is recorded and every record has its file").isEqualTo(recorded);
            assertThat(recorded).as("user VDIs kept").contains(goldenUuid);

            Optional<VirtualDiskRecord> result = records.stream()
                    .filter(r -> r.managed() && !expected.containsKey(r.uuid()) && !r.uuid().equals(victimUuid))
                    .findFirst();
            long internal = records.stream().filter(r -> !r.managed()).count();
            switch (operation) {
                case CREATE -> result.ifPresent(r -> expected.put(r.uuid(), new byte[(int) SIZE]));
                case CLONE, SNAPSHOT -> {
                    assertThat(crashed.resolution()).contains("ROLLED_FORWARD");
                    expected.put(result.orElseThrow().uuid(), goldenAtCrash);
                }
                case DELETE -> {
                    assertThat(crashed.resolution()).contains("ROLLED_FORWARD");
                    assertThat(recorded).doesNotContain(victimUuid);
                    expected.remove(victimUuid);
                }
                case RESIZE -> {
                    // Killed after the grow, the task is rolled forward; before it, back. The record follows the file.
                    boolean grown = crashPoint.equals("file.resize.grown");
                    assertThat(crashed.resolution()).contains(grown ? "ROLLED_FORWARD" : "ROLLED_BACK");
                    long size = grown ? 2 * SIZE : SIZE;
                    assertThat(records.stream().filter(r -> r.uuid().equals(goldenUuid)).findFirst().orElseThrow()
                            .virtualSize()).isEqualTo(size);
                    assertThat(IndependentTools.qemuImgInfo(srFolder.resolve(goldenUuid + ".vhd")).virtualSize())
                            .isEqualTo(size);
                }
                case COALESCE_LEAF, COALESCE_INTERNAL -> {
                    assertThat(crashed.resolution()).contains("ROLLED_FORWARD");
                    // A coalesce the driver had journaled is finished: one base copy was merged away (none is left
                    // above a lone leaf, one above two VDIs). Killed before that, the garbage waits for the next pass.
                    long before = operation == Operation.COALESCE_LEAF ? 1 : 2;
                    assertThat(internal).isEqualTo(crashPoint.startsWith("file.gc.") ? before - 1 : before);
                }
            }
            boolean creates = operation == Operation.CREATE || operation == Operation.CLONE
                    || operation == Operation.SNAPSHOT;
            assertThat(result.isPresent()).as("a rolled-forward create or copy is recorded")
                    .isEqualTo(creates && crashed.resolution().orElseThrow().equals("ROLLED_FORWARD"));
        }

        for (VirtualDiskRecord record : records) {
            if (record.managed()) {
                IndependentTools.LibvhdiReading reading = IndependentTools.readWithLibvhdi(
                        srFolder.resolve(record.uuid() + ".vhd"));
                assertThat(reading.sha256()).as("libvhdi reading of %s (%s)", record.nameLabel(), record.uuid())
                        .isEqualTo(sha256(expected.get(record.uuid())));
            }
        }
    }

    /** The SR the test runs on, in a gateway started on an empty home: the "Local storage" file SR. */
    String storageRepository(ZeepClient zeep) throws Exception {
        return zeep.call("listStorageRepositories", Map.of()).get(0).get("uuid").asText();
    }

    /** The SR's folder on the local disk, where the files are checked. */
    Path srFolder(Path home, String srUuid) {
        return home.resolve("storage").resolve(srUuid);
    }

    /** The path a hypervisor's datapath would write a VDI's file through. */
    Path vhdToWrite(Path home, String srUuid, String vdiUuid) {
        return srFolder(home, srUuid).resolve(vdiUuid + ".vhd");
    }

    /** Write 4 KiB-aligned random runs into a VDI through the VHD library and into the expectation. */
    private void writeRandom(Path home, String srUuid, String vdiUuid) {
        byte[] image = expected.get(vdiUuid);
        try (VhdChain chain = VhdChain.open(vhdToWrite(home, srUuid, vdiUuid), OpenMode.READ_WRITE)) {
            for (int i = 0; i < 6; i++) {
                int length = 4096 * (1 + random.nextInt(8));
                long offset = 4096L * random.nextInt((int) ((SIZE - length) / 4096));
                byte[] data = new byte[length];
                random.nextBytes(data);
                chain.write(offset, data, 0, length);
                System.arraycopy(data, 0, image, (int) offset, length);
            }
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
