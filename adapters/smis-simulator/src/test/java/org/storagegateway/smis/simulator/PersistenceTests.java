package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.smis.simulator.TestSimulators.pool;
import static org.storagegateway.smis.simulator.TestSimulators.service;
import static org.storagegateway.smis.simulator.TestSimulators.url;
import static org.storagegateway.smis.simulator.TestSimulators.volumeRef;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.simulator.array.ArrayState;
import org.storagegateway.smis.simulator.array.JobRecord;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.array.StateStore;
import org.storagegateway.smis.simulator.array.VolumeRecord;

/** What survives a restart: the array, its volumes and their data files, running jobs, password and certificate. */
class PersistenceTests {

    @Test
    void aRestartedSimulatorServesTheSameArray(@TempDir Path state) throws Exception {
        Wbemcli.assumePresent();
        String systemName;
        String password;
        byte[] certificate;
        String deviceId;
        String naa;
        long remaining;
        String jobId;
        try (SmisSimulator sim = TestSimulators.start(state, Behaviour.defaults(), true)) {
            systemName = sim.systemName();
            password = sim.password();
            certificate = Files.readAllBytes(sim.certificateFile());
            Wbemcli.Result created = Wbemcli.run("cm", url(sim) + "/" + service(sim),
                    "CreateOrModifyElementFromStoragePool.ElementName=\"keep-me\",ElementType=2,Size=3145728,"
                            + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
            assertThat(created.returnValue("CreateOrModifyElementFromStoragePool")).as(created.all()).isZero();
            deviceId = WbemcliTests.deviceId(created.out());
            naa = sim.state().volume(deviceId).naaId();
            // A job still running when the simulator stops finishes after the restart.
            sim.behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(1500));
            Wbemcli.Result started = Wbemcli.run("cm", url(sim) + "/" + service(sim),
                    "CreateOrModifyElementFromStoragePool.ElementName=\"after-restart\",ElementType=5,Size=1048576,"
                            + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THIN_POOL_ID + "\"");
            assertThat(started.returnValue("CreateOrModifyElementFromStoragePool")).isEqualTo(4096);
            jobId = sim.state().jobs().get(0).id();
            remaining = sim.state().remainingBytes(sim.state().pool(Names.THICK_POOL_ID));
        }
        assertThat(state.resolve(StateStore.FILE_NAME)).exists();
        try (java.util.stream.Stream<Path> files = Files.list(state)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }

        try (SmisSimulator sim = TestSimulators.start(state, Behaviour.defaults(), true)) {
            assertThat(sim.systemName()).isEqualTo(systemName);
            assertThat(sim.password()).isEqualTo(password);
            assertThat(Files.readAllBytes(sim.certificateFile())).isEqualTo(certificate);
            Wbemcli.Result volume = Wbemcli.run("gi", "-nl", url(sim) + "/root/sim:" + volumeRef(sim, deviceId));
            assertThat(volume.exitCode()).as(volume.all()).isZero();
            assertThat(volume.property("Name")).isEqualTo("\"" + naa + "\"");
            assertThat(volume.property("ElementName")).isEqualTo("\"keep-me\"");
            assertThat(volume.property("NumberOfBlocks")).isEqualTo("6144");
            Wbemcli.Result p = Wbemcli.run("gi", "-nl", url(sim) + "/" + pool(Names.THICK_POOL_ID));
            assertThat(Long.parseLong(p.property("RemainingManagedSpace"))).isEqualTo(remaining);
            assertThat(sim.lunFile(deviceId)).hasSize(3145728);

            long deadline = System.currentTimeMillis() + 10_000;
            while (sim.state().job(jobId).phase() == JobRecord.Phase.RUNNING && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            JobRecord job = sim.state().job(jobId);
            assertThat(job.phase()).isEqualTo(JobRecord.Phase.COMPLETED);
            VolumeRecord thin = sim.state().volume(job.resultDeviceId());
            assertThat(thin.elementName()).isEqualTo("after-restart");
            assertThat(thin.thin()).isTrue();

            // The numbers given out before the restart are never given out again.
            Wbemcli.Result another = Wbemcli.run("cm", url(sim) + "/" + service(sim),
                    "CreateOrModifyElementFromStoragePool.ElementName=\"third\",ElementType=2,Size=512,"
                            + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
            String third = WbemcliTests.deviceId(another.out());
            assertThat(third).isNotIn(deviceId, thin.deviceId());
            assertThat(sim.state().volume(third).naaId()).isNotIn(naa, thin.naaId());
        }
    }

    @Test
    void dataFilesAreReconciledWithTheVolumesAtStart(@TempDir Path state) throws Exception {
        String deviceId;
        try (SmisSimulator sim = TestSimulators.start(state, Behaviour.defaults(), false)) {
            CimHttp http = new CimHttp(sim);
            String call = CimHttp.request("<METHODCALL NAME=\"CreateOrModifyElementFromStoragePool\"><LOCALINSTANCEPATH>"
                    + CimHttp.namespace("root/sim") + "<INSTANCENAME CLASSNAME=\"SIM_StorageConfigurationService\">"
                    + "<KEYBINDING NAME=\"CreationClassName\"><KEYVALUE>SIM_StorageConfigurationService</KEYVALUE>"
                    + "</KEYBINDING><KEYBINDING NAME=\"Name\"><KEYVALUE>StorageConfigurationService</KEYVALUE>"
                    + "</KEYBINDING><KEYBINDING NAME=\"SystemCreationClassName\"><KEYVALUE>SIM_StorageSystem</KEYVALUE>"
                    + "</KEYBINDING><KEYBINDING NAME=\"SystemName\"><KEYVALUE>" + sim.systemName() + "</KEYVALUE>"
                    + "</KEYBINDING></INSTANCENAME></LOCALINSTANCEPATH>"
                    + "<PARAMVALUE NAME=\"Size\"><VALUE>65536</VALUE></PARAMVALUE>"
                    + "<PARAMVALUE NAME=\"InPool\"><VALUE.REFERENCE><INSTANCENAME CLASSNAME=\"SIM_StoragePool\">"
                    + "<KEYBINDING NAME=\"InstanceID\"><KEYVALUE>" + Names.THICK_POOL_ID + "</KEYVALUE></KEYBINDING>"
                    + "</INSTANCENAME></VALUE.REFERENCE></PARAMVALUE></METHODCALL>");
            assertThat(http.post("CreateOrModifyElementFromStoragePool", "root/sim", call).body())
                    .contains("<RETURNVALUE PARAMTYPE=\"uint32\"><VALUE>0</VALUE>");
            deviceId = sim.state().volumes().get(0).deviceId();
            assertThat(sim.state().volumes().get(0).elementName()).isEqualTo("SIM-VOL-" + deviceId);
        }
        Path luns = state.resolve("luns");
        Files.delete(luns.resolve(deviceId + ".lun"));
        Files.writeString(luns.resolve("ORPHAN.lun"), "left over");
        try (SmisSimulator sim = TestSimulators.start(state, Behaviour.defaults(), false)) {
            assertThat(sim.lunFile(deviceId)).hasSize(65536);
            assertThat(luns.resolve("ORPHAN.lun")).doesNotExist();
        }
    }

    @Test
    void secretsAreOwnerOnlyAndAGivenPasswordFileIsUsed(@TempDir Path state) throws Exception {
        try (SmisSimulator sim = TestSimulators.start(state.resolve("a"), Behaviour.defaults(), true)) {
            Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(Files.getPosixFilePermissions(sim.passwordFile())).isEqualTo(ownerOnly);
            assertThat(Files.getPosixFilePermissions(sim.stateDir().resolve("tls/simulator-key.pem")))
                    .isEqualTo(ownerOnly);
            assertThat(sim.password()).hasSize(24).matches("[A-Za-z0-9]+");
        }
        Path file = state.resolve("pw.txt");
        Files.writeString(file, "s3cret-from-file\n");
        try (SmisSimulator sim = SmisSimulator.start(SimulatorConfig.builder(state.resolve("b")).httpPort(0)
                .httpsPort(-1).user("operator").passwordFile(file).build())) {
            assertThat(sim.password()).isEqualTo("s3cret-from-file");
            assertThat(sim.user()).isEqualTo("operator");
            assertThat(sim.stateDir().resolve("password")).doesNotExist();
            assertThat(sim.httpsPort()).isEqualTo(-1);
            ArrayState s = sim.state();
            assertThat(s.pools()).hasSize(3);
        }
    }
}
