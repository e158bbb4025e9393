package org.storagegateway.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.launcher.GatewayRuntime;
import org.storagegateway.vhd.IndependentTools;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;

/**
 * The walking skeleton end to end, through a real SOAP client: create a VDI, write into it, clone it ten times,
 * snapshot it, delete a clone, restart the gateway, and find everything again — every VHD on disk read back by libvhdi
 * with exactly the bytes written.
 */
class StorageFlowIT {
    private static final long SIZE = 8L << 20;
    private static final int CLONES = 10;

    /** What each VDI must read as, kept as full images (8 MiB each). */
    private final Map<String, byte[]> expected = new HashMap<>();
    private final Random random = new Random(20261122);

    @Test
    void vdisCreatedClonedSnapshottedAndDeletedSurviveARestartAndReadBackExactly(@TempDir Path home)
            throws Exception {
        assumeThat(IndependentTools.libvhdiAvailable()).as("python3-libvhdi is installed by ./gateway test").isTrue();
        String srUuid;
        String goldenUuid;
        String snapshotUuid;
        String deletedUuid;
        String deleteTaskUuid;
        List<String> cloneUuids = new ArrayList<>();
        Path srFolder;

        try (GatewayRuntime gateway = GatewayFixture.startDefault(home); ZeepClient zeep = GatewayFixture.zeep(gateway)) {
            System.out.printf("FIGURE start-to-ready (first start, empty home): %.2f s%n",
                    gateway.startup().toNanos() / 1e9);
            JsonNode localSr = localStorage(zeep);
            srUuid = localSr.get("uuid").asText();
            srFolder = home.resolve("storage").resolve(srUuid);

            JsonNode golden = zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "golden",
                    "virtualSizeBytes", SIZE, "idempotencyKey", "golden-1"));
            goldenUuid = golden.get("uuid").asText();
            assertThat(golden.get("virtualSize").asLong()).isEqualTo(SIZE);
            expected.put(goldenUuid, new byte[(int) SIZE]);
            writeRandom(srFolder, goldenUuid, 24);

            for (int i = 0; i < CLONES; i++) {
                JsonNode clone = zeep.call("cloneVirtualDisk", Map.of("vdiUuid", goldenUuid, "nameLabel", "clone-" + i));
                assertThat(clone.get("nameLabel").asText()).isEqualTo("clone-" + i);
                assertThat(clone.get("isASnapshot").asBoolean()).isFalse();
                cloneUuids.add(clone.get("uuid").asText());
                expected.put(clone.get("uuid").asText(), expected.get(goldenUuid).clone());
                if (i % 3 == 0) {
                    writeRandom(srFolder, goldenUuid, 4);
                }
            }
            writeRandom(srFolder, cloneUuids.get(3), 8);

            JsonNode snapshot = zeep.call("snapshotVirtualDisk", Map.of("vdiUuid", goldenUuid));
            snapshotUuid = snapshot.get("uuid").asText();
            assertThat(snapshot.get("isASnapshot").asBoolean()).isTrue();
            assertThat(snapshot.get("snapshotOf").asText()).isEqualTo(goldenUuid);
            assertThat(snapshot.get("readOnly").asBoolean()).isTrue();
            expected.put(snapshotUuid, expected.get(goldenUuid).clone());
            writeRandom(srFolder, goldenUuid, 4);

            assertThat(uuids(zeep.call("listVirtualDisks", Map.of("srUuid", srUuid))))
                    .hasSize(CLONES + 2).contains(goldenUuid, snapshotUuid).containsAll(cloneUuids);

            deletedUuid = cloneUuids.remove(5);
            JsonNode deleteTask = zeep.call("deleteVirtualDisk", Map.of("vdiUuid", deletedUuid));
            assertThat(deleteTask.get("state").asText()).isEqualTo("success");
            deleteTaskUuid = deleteTask.get("uuid").asText();
            expected.remove(deletedUuid);

            JsonNode again = zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "golden",
                    "virtualSizeBytes", SIZE, "idempotencyKey", "golden-1"));
            assertThat(again.get("uuid").asText()).as("same idempotency key, same VDI").isEqualTo(goldenUuid);
        }

        try (GatewayRuntime gateway = GatewayFixture.startDefault(home); ZeepClient zeep = GatewayFixture.zeep(gateway)) {
            System.out.printf("FIGURE start-to-ready (restart, existing home): %.2f s%n",
                    gateway.startup().toNanos() / 1e9);
            assertThat(zeep.call("listStorageRepositories", Map.of())).hasSize(1);
            List<String> listed = uuids(zeep.call("listVirtualDisks", Map.of("srUuid", srUuid)));
            assertThat(listed).containsExactlyInAnyOrderElementsOf(expected.keySet());
            assertThat(listed).doesNotContain(deletedUuid);
            JsonNode snapshot = zeep.call("getVirtualDisk", Map.of("vdiUuid", snapshotUuid));
            assertThat(snapshot.get("snapshotOf").asText()).isEqualTo(goldenUuid);
            assertThat(zeep.call("getTask", Map.of("taskUuid", deleteTaskUuid)).get("state").asText())
                    .isEqualTo("success");
            JsonNode replayed = zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "golden",
                    "virtualSizeBytes", SIZE, "idempotencyKey", "golden-1"));
            assertThat(replayed.get("uuid").asText()).as("same idempotency key after a restart").isEqualTo(goldenUuid);

            // Every VHD file belongs to a recorded VDI: a user VDI or a hidden base copy on one of their chains.
            Set<String> recorded = new HashSet<>(listed);
            for (String uuid : listed) {
                JsonNode vdi = zeep.call("getVirtualDisk", Map.of("vdiUuid", uuid));
                while (vdi.hasNonNull("parentUuid") && !vdi.get("parentUuid").asText().isEmpty()) {
                    vdi = zeep.call("getVirtualDisk", Map.of("vdiUuid", vdi.get("parentUuid").asText()));
                    assertThat(vdi.get("hidden").asBoolean()).isTrue();
                    assertThat(vdi.get("managed").asBoolean()).isFalse();
                    recorded.add(vdi.get("uuid").asText());
                }
            }
            Set<String> onDisk = new HashSet<>();
            try (var files = Files.list(srFolder)) {
                files.forEach(f -> onDisk.add(f.getFileName().toString().replace(".vhd", "")));
            }
            assertThat(onDisk).as("VHD files on disk").isEqualTo(recorded);
        }

        for (Map.Entry<String, byte[]> vdi : expected.entrySet()) {
            IndependentTools.LibvhdiReading reading = IndependentTools.readWithLibvhdi(vhd(srFolder, vdi.getKey()));
            assertThat(reading.mediaSize()).isEqualTo(SIZE);
            assertThat(reading.sha256()).as("libvhdi reading of VDI %s", vdi.getKey()).isEqualTo(sha256(vdi.getValue()));
        }
        if (IndependentTools.qemuImgAvailable()) {
            // The chain roots are dynamic disks, which qemu-img can read; it cannot follow differencing chains.
            try (var files = Files.list(srFolder)) {
                for (Path file : files.toList()) {
                    if (VhdChain.depth(file) == 1) {
                        assertThat(IndependentTools.qemuImgInfo(file).virtualSize()).isEqualTo(SIZE);
                    }
                }
            }
        }
    }

    private static JsonNode localStorage(ZeepClient zeep) throws IOException {
        for (JsonNode sr : zeep.call("listStorageRepositories", Map.of())) {
            if (sr.get("nameLabel").asText().equals("Local storage")) {
                assertThat(sr.get("type").asText()).isEqualTo("file");
                return sr;
            }
        }
        throw new AssertionError("no Local storage SR");
    }

    /**
     * Write random 4 KiB-aligned runs into a VDI through the VHD library, as a hypervisor would, and into the
     * expectation. Some runs straddle the 2 MiB block boundary. (Alignment avoids a known libvhdi 20210425 misreading
     * of partially written bitmap bytes; sector-granular writes are covered by the VHD library's own tests.)
     */
    private void writeRandom(Path srFolder, String vdiUuid, int runs) {
        byte[] image = expected.get(vdiUuid);
        try (VhdChain chain = VhdChain.open(vhd(srFolder, vdiUuid), OpenMode.READ_WRITE)) {
            for (int i = 0; i < runs; i++) {
                int length = 4096 * (1 + random.nextInt(16));
                long offset = i % 4 == 0
                        ? (2L << 20) - 4096L * (1 + random.nextInt(4))
                        : 4096L * random.nextInt((int) ((SIZE - length) / 4096));
                byte[] data = new byte[length];
                random.nextBytes(data);
                chain.write(offset, data, 0, length);
                System.arraycopy(data, 0, image, (int) offset, length);
            }
        }
    }

    private static Path vhd(Path srFolder, String vdiUuid) {
        return srFolder.resolve(vdiUuid + ".vhd");
    }

    private static List<String> uuids(JsonNode vdis) {
        List<String> uuids = new ArrayList<>();
        vdis.forEach(v -> uuids.add(v.get("uuid").asText()));
        return uuids;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
