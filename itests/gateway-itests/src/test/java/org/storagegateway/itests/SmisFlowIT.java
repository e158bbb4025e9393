package org.storagegateway.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.launcher.GatewayRuntime;
import org.storagegateway.smis.simulator.Behaviour;
import org.storagegateway.smis.simulator.ReplyMode;
import org.storagegateway.smis.simulator.SimulatorConfig;
import org.storagegateway.smis.simulator.SmisSimulator;
import org.storagegateway.smis.simulator.array.Names;

/**
 * The gateway with its built-in smis driver against the SMI-S simulator, through SOAP with python3-zeep: an smis SR
 * on the simulated array (HTTPS, the simulator's certificate trusted), probe both levels, create a VDI, snapshot and
 * clone it (the clone holds the source's data), expose the clone's LUN to an initiator (read by libiscsi as that
 * initiator, invisible to another: the simulator publishes it through its own tgtd) and hide it, manage a LUN
 * directly, delete everything; the pool's free space returns exactly to its starting value.
 */
class SmisFlowIT {
    static final long SIZE = 16L << 20;
    static final String INITIATOR = "iqn.2026-01.org.storagegateway:smis-flow";
    static final String OTHER_INITIATOR = "iqn.2026-01.org.storagegateway:someone-else";
    static final String ISCSI_LS = "/usr/bin/iscsi-ls";
    static final String ISCSI_READCAPACITY16 = "/usr/bin/iscsi-readcapacity16";

    @Test
    void provisionSnapshotCloneExposeHideAndDeleteOnTheSimulatedArray(@TempDir Path home, @TempDir Path array)
            throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/tgtd")), "tgtd is not installed (Debian package tgt)");
        assumeTrue(Files.isExecutable(Path.of(ISCSI_LS)), "libiscsi-bin is not installed");
        int iscsiPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            iscsiPort = socket.getLocalPort();
        }
        try (SmisSimulator sim = SmisSimulator.start(SimulatorConfig.builder(array).httpPort(0).httpsPort(0)
                .iscsiPort(iscsiPort).behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(200)).build());
             GatewayRuntime gateway = GatewayFixture.startDefault(home);
             ZeepClient zeep = GatewayFixture.zeep(gateway)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> smisLoaded(zeep));
            Map<String, String> deviceConfig = new HashMap<>();
            deviceConfig.put("address", "127.0.0.1:" + sim.httpsPort());
            deviceConfig.put("user", sim.user());
            deviceConfig.put("password", sim.password());
            deviceConfig.put("certificate", sim.certificateFile().toString());
            // sr-probe, StorageLink's two levels: the array's systems, then the pools of the one chosen.
            JsonNode probedSystems = zeep.call("probeStorageRepository", Map.of("type", "smis",
                    "deviceConfig", deviceConfig));
            assertThat(probedSystems).singleElement().satisfies(system -> {
                assertThat(system.get("kind").asText()).isEqualTo("STORAGE_SYSTEM");
                assertThat(system.get("id").asText()).isEqualTo(sim.systemName());
            });
            assertThat(probedSystems.toString()).doesNotContain(sim.password());
            Map<String, String> withSystem = new HashMap<>(deviceConfig);
            withSystem.put("system", sim.systemName());
            assertThat(zeep.call("probeStorageRepository", Map.of("type", "smis", "deviceConfig", withSystem)))
                    .anySatisfy(pool -> {
                        assertThat(pool.get("kind").asText()).isEqualTo("STORAGE_POOL");
                        assertThat(pool.get("id").asText()).isEqualTo(Names.THICK_POOL_ID);
                    });
            deviceConfig.put("system", sim.systemName());
            deviceConfig.put("pool", Names.THICK_POOL_ID);
            deviceConfig.put("initiator-iqn", INITIATOR);
            JsonNode sr = zeep.call("createStorageRepository", Map.of("type", "smis", "nameLabel", "simulated array",
                    "deviceConfig", deviceConfig, "idempotencyKey", "smis-sr-1"));
            String srUuid = sr.get("uuid").asText();
            assertThat(sr.toString()).doesNotContain(sim.password());

            JsonNode systems = zeep.call("listStorageSystems", Map.of("srUuid", srUuid));
            assertThat(systems).hasSize(1);
            assertThat(systems.get(0).get("id").asText()).isEqualTo(sim.systemName());
            long freeAtStart = freeBytes(zeep, srUuid, sim.systemName());

            long cimBefore = cimRequests(sim);
            long start = System.nanoTime();
            JsonNode source = zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "source",
                    "virtualSizeBytes", SIZE));
            String sourceUuid = source.get("uuid").asText();
            String sourceLun = lunOf(zeep, srUuid, sourceUuid).get("id").asText();
            JsonNode exposedSource = zeep.call("exposeLun", Map.of("srUuid", srUuid, "lunId", sourceLun,
                    "initiatorIqn", INITIATOR));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("FIGURE smis provision+expose through SOAP: %d CIM requests, %.2f s wall (job-based"
                    + " replies of 200 ms)%n", cimRequests(sim) - cimBefore, seconds);
            assertThat(exposedSource.get("portal").asText()).isEqualTo("127.0.0.1:" + sim.iscsiPort());
            zeep.call("hideLun", Map.of("srUuid", srUuid, "lunId", sourceLun, "initiatorIqn", INITIATOR));
            assertThat(freeBytes(zeep, srUuid, sim.systemName())).isEqualTo(freeAtStart - SIZE);

            byte[] data = "data the clone must hold".getBytes(StandardCharsets.UTF_8);
            try (FileChannel lun = FileChannel.open(sim.lunFile(sourceLun), StandardOpenOption.WRITE)) {
                lun.write(ByteBuffer.wrap(data), 1 << 20);
            }
            JsonNode snapshot = zeep.call("snapshotVirtualDisk", Map.of("vdiUuid", sourceUuid));
            assertThat(snapshot.get("readOnly").asBoolean()).isTrue();
            JsonNode clone = zeep.call("cloneVirtualDisk", Map.of("vdiUuid", sourceUuid, "nameLabel", "clone"));
            String cloneLun = lunOf(zeep, srUuid, clone.get("uuid").asText()).get("id").asText();
            assertThat(read(sim.lunFile(cloneLun), 1 << 20, data.length)).isEqualTo(data);

            JsonNode datapath = zeep.call("exposeLun", Map.of("srUuid", srUuid, "lunId", cloneLun,
                    "initiatorIqn", INITIATOR, "idempotencyKey", "expose-clone"));
            assertThat(datapath.get("targetIqn").asText()).startsWith("iqn.");
            assertThat(sim.state().viewsOf(cloneLun)).singleElement()
                    .satisfies(v -> assertThat(sim.state().viewInitiators(v)).containsExactly(INITIATOR));
            // libiscsi, as the initiator the LUN was exposed to, sees it with the clone's size; another does not.
            String portal = "iscsi://" + datapath.get("portal").asText();
            String lunUrl = portal + "/" + datapath.get("targetIqn").asText() + "/" + datapath.get("lun").asInt();
            assertThat(run(ISCSI_LS, "-i", INITIATOR, "-s", portal)).contains(datapath.get("targetIqn").asText());
            assertThat(run(ISCSI_LS, "-i", OTHER_INITIATOR, "-s", portal))
                    .doesNotContain(datapath.get("targetIqn").asText());
            assertThat(run(ISCSI_READCAPACITY16, "-i", INITIATOR, lunUrl)).contains("Total size:" + SIZE);
            assertThatThrownBy(() -> zeep.call("deleteVirtualDisk", Map.of("vdiUuid", clone.get("uuid").asText())))
                    .isInstanceOfSatisfying(ZeepClient.SoapFault.class,
                            f -> assertThat(f.name()).isEqualTo("VDI_IN_USE"));
            assertThat(zeep.call("hideLun", Map.of("srUuid", srUuid, "lunId", cloneLun, "initiatorIqn", INITIATOR))
                    .get("state").asText()).isEqualTo("success");
            assertThat(sim.state().viewsOf(cloneLun)).isEmpty();

            JsonNode lun = zeep.call("createLun", Map.of("srUuid", srUuid, "poolId", Names.THIN_POOL_ID,
                    "name", "admin-lun", "sizeBytes", SIZE, "idempotencyKey", "admin-lun-1"));
            assertThat(zeep.call("resizeLun", Map.of("srUuid", srUuid, "lunId", lun.get("id").asText(),
                    "sizeBytes", 2 * SIZE)).get("sizeBytes").asLong()).isEqualTo(2 * SIZE);
            assertThat(zeep.call("listTargetPorts", Map.of("srUuid", srUuid)).get(0).get("address").asText())
                    .isEqualTo("127.0.0.1:" + sim.iscsiPort());
            zeep.call("deleteLun", Map.of("srUuid", srUuid, "lunId", lun.get("id").asText()));

            for (JsonNode vdi : new JsonNode[] {clone, snapshot, source}) {
                assertThat(zeep.call("deleteVirtualDisk", Map.of("vdiUuid", vdi.get("uuid").asText()))
                        .get("state").asText()).isEqualTo("success");
            }
            assertThat(freeBytes(zeep, srUuid, sim.systemName())).isEqualTo(freeAtStart);
            assertThat(sim.state().volumes()).isEmpty();
        }
    }

    private static boolean smisLoaded(ZeepClient zeep) throws IOException {
        for (JsonNode driver : zeep.call("listDrivers", Map.of())) {
            if (driver.get("srType").asText().equals("smis") && driver.get("available").asBoolean()) {
                return true;
            }
        }
        return false;
    }

    private static long freeBytes(ZeepClient zeep, String srUuid, String system) throws IOException {
        for (JsonNode pool : zeep.call("listStoragePools", Map.of("srUuid", srUuid, "systemId", system))) {
            if (pool.get("id").asText().equals(Names.THICK_POOL_ID)) {
                return Long.parseLong(pool.get("attributes").get("free-bytes").asText());
            }
        }
        throw new AssertionError("no pool " + Names.THICK_POOL_ID);
    }

    /** The LUN of a VDI: smis names each VDI's volume after the VDI's UUID. */
    private static JsonNode lunOf(ZeepClient zeep, String srUuid, String vdiUuid) throws IOException {
        for (JsonNode lun : zeep.call("listLuns", Map.of("srUuid", srUuid, "poolId", Names.THICK_POOL_ID))) {
            if (lun.get("name").asText().equals(vdiUuid)) {
                return lun;
            }
        }
        throw new AssertionError("no LUN for VDI " + vdiUuid);
    }

    private static long cimRequests(SmisSimulator sim) {
        return sim.statistics().byCimMethod().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Run a libiscsi tool and return what it printed (exit status ignored: callers check the output). */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return out;
    }

    private static byte[] read(Path file, long offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.read(buffer, offset);
            return buffer.array();
        }
    }
}
