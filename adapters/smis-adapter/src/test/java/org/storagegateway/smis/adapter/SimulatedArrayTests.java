package org.storagegateway.smis.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.storagegateway.smis.simulator.Behaviour;
import org.storagegateway.smis.simulator.Fault;
import org.storagegateway.smis.simulator.ReplyMode;
import org.storagegateway.smis.simulator.SimulatorConfig;
import org.storagegateway.smis.simulator.SmisSimulator;
import org.storagegateway.smis.simulator.array.JobRecord;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.array.VolumeRecord;
import org.storagegateway.spi.ErrorKind;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.spi.testing.FakeDriverContext;

/** The adapter against the SMI-S simulator over HTTPS, as a gateway task would drive it through the SPI. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulatedArrayTests {
    static final long MIB = 1 << 20;
    static final String INITIATOR = "iqn.2024-01.org.storagegateway:test-host";

    SmisSimulator sim;
    SmisDriverFactory factory;

    @BeforeAll
    void start(@TempDir Path state) throws Exception {
        sim = SmisSimulator.start(SimulatorConfig.builder(state).httpPort(0).httpsPort(0)
                .iscsiPort(0).build());
    }

    @AfterAll
    void stop() {
        sim.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void activate() {
        factory = new SmisDriverFactory();
        factory.activate();
        sim.behaviour(Behaviour.defaults());
    }

    @AfterEach
    void deactivate() {
        factory.deactivate();
    }

    Map<String, String> arrayConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("address", "127.0.0.1:" + sim.httpsPort());
        config.put("user", sim.user());
        config.put("certificate", sim.certificateFile().toString());
        config.put("timeout-seconds", "10");
        return config;
    }

    Map<String, String> srConfig(String pool) {
        Map<String, String> config = arrayConfig();
        config.put("system", sim.systemName());
        config.put("pool", pool);
        config.put("initiator-iqn", INITIATOR);
        return config;
    }

    FakeDriverContext host() {
        return new FakeDriverContext(Map.of("password", sim.password()));
    }

    StorageRepository sr(FakeDriverContext host) {
        return factory.open(new RepositoryConfig(UUID.randomUUID().toString(), "array", srConfig(Names.THICK_POOL_ID)),
                host);
    }

    @Test
    void probeListsTheStorageSystemThenItsPoolsWithCapabilitiesFromTheArray() {
        List<ProbeEntry> systems = factory.probe(arrayConfig(), host());
        assertThat(systems).singleElement().satisfies(system -> {
            assertThat(system.kind()).isEqualTo(ProbeEntry.Kind.STORAGE_SYSTEM);
            assertThat(system.id()).isEqualTo(sim.systemName());
            assertThat(system.attributes()).containsEntry("namespace", SmisSimulator.ARRAY_NAMESPACE)
                    .containsEntry("class", Names.SYSTEM_CLASS);
            assertThat(system.attributes().get("capabilities").split(","))
                    .contains("VDI_CREATE", "VDI_DELETE", "VDI_RESIZE", "THIN_PROVISIONING");
            assertThat(system.attributes().get("profiles")).contains("Array 1.5.0", "Block Services 1.5.0");
        });

        Map<String, String> level2 = arrayConfig();
        level2.put("system", sim.systemName());
        List<ProbeEntry> pools = factory.probe(level2, host());
        assertThat(pools).extracting(ProbeEntry::id).containsExactlyInAnyOrder(Names.THICK_POOL_ID, Names.THIN_POOL_ID);
        assertThat(pools).allSatisfy(p -> assertThat(p.kind()).isEqualTo(ProbeEntry.Kind.STORAGE_POOL));
        assertThat(pools).filteredOn(p -> p.id().equals(Names.THIN_POOL_ID)).singleElement()
                .satisfies(p -> assertThat(p.attributes()).containsEntry("thin", "true"));
    }

    @ParameterizedTest
    @EnumSource(ReplyMode.class)
    void createResizeDeleteGiveThePoolBackItsExactCapacity(ReplyMode mode) {
        sim.behaviour(Behaviour.defaults().withReplyMode(mode).withJobDurationMillis(300));
        FakeDriverContext host = host();
        SrStats before = sr(host).create();
        String uuid = UUID.randomUUID().toString();

        VdiInfo created = sr(host).createVdi(new CreateVdiRequest("key-" + uuid, uuid, 64 * MIB));
        assertThat(created.uuid()).isEqualTo(uuid);
        assertThat(created.virtualSize()).isEqualTo(64 * MIB);
        assertThat(created.smConfig().get("smis-naa")).matches("6[0-9A-F]{31}");
        assertThat(sr(host).stats().physicalUtilisation()).isEqualTo(before.physicalUtilisation() + 64 * MIB);
        assertThat(sr(host).scan()).extracting(VdiInfo::uuid).contains(uuid);
        if (mode == ReplyMode.JOB) {
            assertThat(host.progressReports()).isNotEmpty().last().isEqualTo(1.0);
        }

        VdiInfo grown = sr(host).resizeVdi(uuid, 96 * MIB);
        assertThat(grown.virtualSize()).isEqualTo(96 * MIB);
        assertThat(sr(host).stats().physicalUtilisation()).isEqualTo(before.physicalUtilisation() + 96 * MIB);

        sr(host).deleteVdi(uuid);
        assertThat(sr(host).scan()).extracting(VdiInfo::uuid).doesNotContain(uuid);
        assertThat(sr(host).stats()).isEqualTo(before);
    }

    @Test
    void aRepeatedCreateReturnsTheSameVolumeAndARepeatedDeleteDoesNothing() {
        FakeDriverContext host = host();
        String uuid = UUID.randomUUID().toString();
        VdiInfo first = sr(host).createVdi(new CreateVdiRequest("k", uuid, 8 * MIB));
        long volumesAfterFirst = sim.state().volumes().size();
        VdiInfo again = sr(host).createVdi(new CreateVdiRequest("k", uuid, 8 * MIB));
        assertThat(again).isEqualTo(first);
        assertThat(sim.state().volumes()).hasSize((int) volumesAfterFirst);

        sr(host).deleteVdi(uuid);
        sr(host).deleteVdi(uuid);
        assertThat(sr(host).scan()).extracting(VdiInfo::uuid).doesNotContain(uuid);
    }

    @ParameterizedTest
    @EnumSource(ReplyMode.class)
    void aSnapshotStaysReadOnlyAndACloneIsAnIndependentWritableLunWithTheSourcesData(ReplyMode mode) throws Exception {
        sim.behaviour(Behaviour.defaults().withReplyMode(mode).withJobDurationMillis(200));
        FakeDriverContext host = host();
        SrStats before = sr(host).stats();
        String source = UUID.randomUUID().toString();
        VdiInfo created = sr(host).createVdi(new CreateVdiRequest("k", source, 4 * MIB));
        byte[] data = "written through the array's LUN file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var lun = java.nio.channels.FileChannel.open(sim.lunFile(created.smConfig().get("smis-device-id")),
                java.nio.file.StandardOpenOption.WRITE)) {
            lun.write(java.nio.ByteBuffer.wrap(data), 4096);
        }

        String snapshot = UUID.randomUUID().toString();
        var snap = sr(host).snapshotVdi(new org.storagegateway.spi.model.CloneRequest("s", source, snapshot,
                UUID.randomUUID().toString()));
        assertThat(snap.created().uuid()).isEqualTo(snapshot);
        assertThat(snap.created().readOnly()).isTrue();
        assertThat(snap.source().uuid()).isEqualTo(source);
        assertThat(snap.baseCopy()).isEmpty();

        String clone = UUID.randomUUID().toString();
        var cloned = sr(host).cloneVdi(new org.storagegateway.spi.model.CloneRequest("c", source, clone,
                UUID.randomUUID().toString()));
        assertThat(cloned.created().readOnly()).isFalse();
        assertThat(cloned.created().virtualSize()).isEqualTo(4 * MIB);
        assertThat(readAt(cloned.created(), 4096, data.length)).isEqualTo(data);
        assertThat(readAt(snap.created(), 4096, data.length)).isEqualTo(data);
        // A repeated clone request finds the clone instead of making a second one.
        int volumes = sim.state().volumes().size();
        assertThat(sr(host).cloneVdi(new org.storagegateway.spi.model.CloneRequest("c", source, clone,
                UUID.randomUUID().toString())).created().uuid()).isEqualTo(clone);
        assertThat(sim.state().volumes()).hasSize(volumes);

        // The snapshot holds its source: the array refuses to return the source before it.
        assertThatThrownBy(() -> sr(host).deleteVdi(source)).isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.VDI_IN_USE));
        sr(host).deleteVdi(snapshot);
        sr(host).deleteVdi(source);
        assertThat(sr(host).scan()).extracting(VdiInfo::uuid).contains(clone).doesNotContain(source, snapshot);
        sr(host).deleteVdi(clone);
        assertThat(sr(host).stats()).isEqualTo(before);
    }

    byte[] readAt(VdiInfo vdi, long offset, int length) throws java.io.IOException {
        try (var lun = java.nio.channels.FileChannel.open(sim.lunFile(vdi.smConfig().get("smis-device-id")))) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(length);
            lun.read(buffer, offset);
            return buffer.array();
        }
    }

    @Test
    void attachExposesTheLunToTheHostInitiatorOnlyAndDetachHidesIt() {
        FakeDriverContext host = host();
        String uuid = UUID.randomUUID().toString();
        VdiInfo vdi = sr(host).createVdi(new CreateVdiRequest("k", uuid, 4 * MIB));
        String deviceId = vdi.smConfig().get("smis-device-id");
        var datapath = (org.storagegateway.spi.model.Datapath.Iscsi) sr(host).attachVdi(uuid, false);
        assertThat(datapath.portal()).isEqualTo("127.0.0.1:" + sim.iscsiPort());
        assertThat(datapath.targetIqn()).startsWith("iqn.");
        // Attaching again changes nothing and describes the same LUN.
        assertThat(sr(host).attachVdi(uuid, false)).isEqualTo(datapath);
        assertThat(sim.state().viewsOf(deviceId)).singleElement().satisfies(v -> {
            assertThat(sim.state().viewInitiators(v)).containsExactly(INITIATOR);
            assertThat(v.units()).singleElement().satisfies(u -> assertThat(u.lun()).isEqualTo(datapath.lun()));
        });
        // An exposed LUN is in use: the array refuses to return it.
        assertThatThrownBy(() -> sr(host).deleteVdi(uuid)).isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.VDI_IN_USE));

        sr(host).detachVdi(uuid);
        sr(host).detachVdi(uuid);
        assertThat(sim.state().viewsOf(deviceId)).isEmpty();
        sr(host).deleteVdi(uuid);
    }

    @Test
    void theArrayFacetManagesLunsOfAnyPoolAndMasksThemToInitiators() {
        FakeDriverContext host = host();
        SrStats before = sr(host).stats();
        var admin = sr(host).arrayAdministration();
        var lun = admin.createLun(Names.THICK_POOL_ID, "admin-lun", 6 * MIB);
        assertThat(admin.createLun(Names.THICK_POOL_ID, "admin-lun", 6 * MIB)).isEqualTo(lun);
        assertThat(admin.listLuns(Names.THICK_POOL_ID)).contains(lun);
        assertThat(admin.resizeLun(lun.id(), 10 * MIB).sizeBytes()).isEqualTo(10 * MIB);
        assertThat(admin.listTargetPorts()).singleElement()
                .satisfies(p -> assertThat(p.address()).isEqualTo("127.0.0.1:" + sim.iscsiPort()));
        String other = "iqn.2024-01.org.storagegateway:other-host";
        var datapath = admin.exposeLun(lun.id(), other);
        assertThat(sim.state().viewsOf(lun.id())).singleElement()
                .satisfies(v -> assertThat(sim.state().viewInitiators(v)).containsExactly(other));
        assertThat(datapath.portal()).isEqualTo("127.0.0.1:" + sim.iscsiPort());
        admin.hideLun(lun.id(), other);
        assertThat(sim.state().viewsOf(lun.id())).isEmpty();
        admin.deleteLun(lun.id());
        admin.deleteLun(lun.id());
        assertThat(sr(host).stats()).isEqualTo(before);
    }

    @Test
    void aCancelBeforeTheArrayActsCreatesNothing() {
        FakeDriverContext host = host();
        host.requestCancel();
        int volumes = sim.state().volumes().size();
        assertThatThrownBy(() -> sr(host).createVdi(new CreateVdiRequest("k", UUID.randomUUID().toString(), MIB)))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.CANCELLED));
        assertThat(sim.state().volumes()).hasSize(volumes);
    }

    @Test
    void aCancelDuringACreateJobTerminatesItAndLeavesNoVolumeAndThePoolAsItWas() throws Exception {
        sim.behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(4000));
        FakeDriverContext host = host();
        String uuid = UUID.randomUUID().toString();
        SrStats before = sr(host).stats();
        List<VolumeRecord> volumesBefore = sim.state().volumes();
        long asked = sim.statistics().byCimMethod().getOrDefault("RequestStateChange", 0L);
        Thread canceller = cancelAfter(host, 500);
        long started = System.nanoTime();
        assertThatThrownBy(() -> sr(host).createVdi(new CreateVdiRequest("k", uuid, 8 * MIB)))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.CANCELLED));
        canceller.join();
        // The task ended with the terminated job, not with the job's 4 s run.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3500));
        assertThat(sim.statistics().byCimMethod().getOrDefault("RequestStateChange", 0L)).isEqualTo(asked + 1);
        assertThat(sim.state().jobs()).filteredOn(j -> uuid.equals(j.elementName())).singleElement()
                .satisfies(j -> assertThat(j.phase()).isEqualTo(JobRecord.Phase.TERMINATED));
        assertThat(host.logLines()).anyMatch(line -> line.contains("is terminating its job"));

        // Past the job's would-be end, it still changed nothing.
        Thread.sleep(Math.max(0, 4200 - Duration.ofNanos(System.nanoTime() - started).toMillis()));
        assertThat(sim.state().volumes()).isEqualTo(volumesBefore);
        assertThat(sim.state().volumes()).noneMatch(v -> v.elementName().equals(uuid));
        assertThat(sr(host()).stats()).isEqualTo(before);
    }

    @Test
    void aCancelTheArrayRefusesBecauseTheJobHadEndedKeepsTheCreatedVolumeAsTheResult() throws Exception {
        // The job's first poll is answered late: by then the job has completed, so Terminate gets 4097.
        sim.behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(800)
                .withFault(Fault.slowReply("GetInstance", 1500).times(1)));
        FakeDriverContext host = host();
        String uuid = UUID.randomUUID().toString();
        SrStats before = sr(host).stats();
        Thread canceller = cancelAfter(host, 300);
        VdiInfo created = sr(host).createVdi(new CreateVdiRequest("k", uuid, 2 * MIB));
        canceller.join();
        assertThat(created.uuid()).isEqualTo(uuid);
        assertThat(host.logLines()).anyMatch(line -> line.contains("refused to terminate its job"));
        assertThat(sim.state().volumes()).filteredOn(v -> v.elementName().equals(uuid)).hasSize(1);
        assertThat(sr(host).stats().physicalUtilisation()).isEqualTo(before.physicalUtilisation() + 2 * MIB);
        sr(host()).deleteVdi(uuid);
        assertThat(sr(host).stats()).isEqualTo(before);
    }

    private static Thread cancelAfter(FakeDriverContext host, long millis) {
        Thread canceller = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            host.requestCancel();
        });
        canceller.start();
        return canceller;
    }

    @Test
    void shrinkingIsRefusedAsTheCallersMistake() {
        FakeDriverContext host = host();
        String uuid = UUID.randomUUID().toString();
        sr(host).createVdi(new CreateVdiRequest("k", uuid, 16 * MIB));
        assertThatThrownBy(() -> sr(host).resizeVdi(uuid, 8 * MIB)).isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.USER));
        sr(host).deleteVdi(uuid);
    }

    @Test
    void aVolumeLargerThanThePoolIsInsufficientSpace() {
        FakeDriverContext host = host();
        String uuid = UUID.randomUUID().toString();
        assertThatThrownBy(() -> sr(host).createVdi(new CreateVdiRequest("k", uuid, 1L << 50)))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.INSUFFICIENT_SPACE));
    }

    @Test
    void theArrayPasswordIsNeverLoggedNorPutInAMessage() {
        FakeDriverContext host = host();
        String uuid = UUID.randomUUID().toString();
        sr(host).createVdi(new CreateVdiRequest("k", uuid, 8 * MIB));
        sr(host).deleteVdi(uuid);
        Map<String, String> wrongPool = srConfig("SIM:NO-SUCH-POOL");
        StorageException failure = org.junit.jupiter.api.Assertions.assertThrows(StorageException.class,
                () -> factory.open(new RepositoryConfig(UUID.randomUUID().toString(), "x", wrongPool), host).stats());
        assertThat(host.logLines()).isNotEmpty().noneMatch(line -> line.contains(sim.password()));
        assertThat(failure.getMessage()).doesNotContain(sim.password());
        assertThat(new ArrayAddress(java.net.URI.create("https://h:1"), "u", sim.password(),
                java.util.Optional.empty(), Duration.ofSeconds(1)).toString()).doesNotContain(sim.password());
    }

    @Test
    void aWrongPasswordIsAnExternalFailure() {
        FakeDriverContext host = new FakeDriverContext(Map.of("password", "not-the-password"));
        assertThatThrownBy(() -> factory.probe(arrayConfig(), host)).isInstanceOfSatisfying(StorageException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.EXTERNAL);
                    assertThat(e.getMessage()).doesNotContain("not-the-password");
                });
    }

    @Test
    void anUntrustedCertificateIsRefused() {
        Map<String, String> config = arrayConfig();
        config.remove("certificate");
        assertThatThrownBy(() -> factory.probe(config, host())).isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.EXTERNAL));
    }

    @Test
    void plainHttpWorksWhenAskedForExplicitly() {
        Map<String, String> config = arrayConfig();
        config.put("address", "http://127.0.0.1:" + sim.httpPort());
        config.remove("certificate");
        assertThat(factory.probe(config, host())).extracting(ProbeEntry::id).containsExactly(sim.systemName());
    }
}
