package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.smis.simulator.TestSimulators.replicationService;
import static org.storagegateway.smis.simulator.TestSimulators.service;
import static org.storagegateway.smis.simulator.TestSimulators.url;
import static org.storagegateway.smis.simulator.TestSimulators.volumeRef;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.security.auth.Subject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger32;
import org.sentrysoftware.wbem.javax.wbem.CloseableIterator;
import org.sentrysoftware.wbem.javax.wbem.client.PasswordCredential;
import org.sentrysoftware.wbem.javax.wbem.client.UserPrincipal;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClient;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientConstants;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientFactory;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.array.SyncRecord;

/**
 * Replication Services as wbemcli (CreateElementReplica with {@code cm}, the StorageSynchronized association with
 * {@code ain}/{@code ri}) and the SBLIM client (ModifyReplicaSynchronization on the association's path) see them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicationTests {
    static final long SIZE = 4L << 20;
    SmisSimulator sim;
    String base;

    @BeforeAll
    void start(@TempDir Path state) throws Exception {
        Wbemcli.assumePresent();
        sim = TestSimulators.start(state, Behaviour.defaults(), false);
        base = url(sim);
    }

    @AfterAll
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void theCapabilitiesAdvertiseSnapshotsClonesAndMirrors() throws Exception {
        Wbemcli.Result caps = Wbemcli.run("ai", "-nl", "-ac", "CIM_ElementCapabilities", "-arc",
                "CIM_ReplicationServiceCapabilities", base + "/" + replicationService(sim));
        assertThat(caps.exitCode()).as(caps.all()).isZero();
        assertThat(caps.property("SupportedReplicationTypes")).isEqualTo("2,6,7,10,11");
        assertThat(caps.property("SupportedSynchronousActions")).isEqualTo("2,5");
        assertThat(caps.property("SupportedModifyOperations")).isEqualTo("8,9,12,14,15,19");
        Wbemcli.Result hosted = Wbemcli.run("ein", base + "/root/sim:CIM_ReplicationService");
        assertThat(hosted.lines()).singleElement().asString().contains("SystemName=\"" + sim.systemName() + "\"");
    }

    @Test
    void aSnapshotCopiesTheSourceAndIsCountedInItsPoolUntilReturned() throws Exception {
        long before = remaining(Names.THICK_POOL_ID);
        String source = createVolume("snap-source");
        byte[] data = "bytes the snapshot must carry".getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile f = new RandomAccessFile(sim.lunFile(source).toFile(), "rw")) {
            f.seek(SIZE - 4096);
            f.write(data);
        }

        Wbemcli.Result replica = Wbemcli.run("cm", base + "/" + replicationService(sim),
                "CreateElementReplica.ElementName=\"snap-1\",SyncType=7,WaitForCopyState=4,SourceElement="
                        + volumeRef(sim, source));
        assertThat(replica.returnValue("CreateElementReplica")).as(replica.all()).isZero();
        assertThat(replica.out()).contains("Synchronization (reference)").contains("SIM_StorageSynchronized.");
        String target = WbemcliTests.deviceId(replica.out().substring(replica.out().indexOf("TargetElement")));
        assertThat(target).isNotEqualTo(source);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before - 2 * SIZE);
        assertThat(sim.lunFile(target)).hasSize(SIZE);
        try (RandomAccessFile f = new RandomAccessFile(sim.lunFile(target).toFile(), "r")) {
            byte[] read = new byte[data.length];
            f.seek(SIZE - 4096);
            f.readFully(read);
            assertThat(read).isEqualTo(data);
        }

        Wbemcli.Result synced = Wbemcli.run("ain", "-ac", "CIM_StorageSynchronized", "-arc", "CIM_StorageVolume",
                base + "/root/sim:" + volumeRef(sim, source));
        assertThat(synced.lines()).singleElement().asString().contains("DeviceID=\"" + target + "\"");
        Wbemcli.Result sync = Wbemcli.run("ri", "-nl", "-arc", "CIM_StorageSynchronized",
                base + "/root/sim:" + volumeRef(sim, target));
        assertThat(sync.property("SyncType")).isEqualTo("7");
        assertThat(sync.property("CopyType")).isEqualTo("4");
        assertThat(sync.property("SyncState")).isEqualTo("6");
        assertThat(sync.property("CopyState")).isEqualTo("4");

        Wbemcli.Result sourceInUse = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, source));
        assertThat(sourceInUse.returnValue("ReturnToStoragePool")).as(sourceInUse.all()).isEqualTo(6);

        // Return To ResourcePool (19) deletes the snapshot and its association, as lsm does before a delete.
        try (Sblim client = new Sblim(sim)) {
            CIMObjectPath association = client.synchronizationOf(target);
            assertThat(client.modify(19, association)).isZero();
        }
        assertThat(sim.state().volume(target)).isNull();
        assertThat(sim.lunFile(target)).doesNotExist();
        returnVolume(source);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before);
    }

    @Test
    void aCloneInAnotherPoolIsDetachedIntoAnIndependentVolume() throws Exception {
        long thickBefore = remaining(Names.THICK_POOL_ID);
        long thinBefore = remaining(Names.THIN_POOL_ID);
        String source = createVolume("clone-source");
        Wbemcli.Result clone = Wbemcli.run("cm", base + "/" + replicationService(sim),
                "CreateElementReplica.ElementName=\"clone-1\",SyncType=8,TargetPool=SIM_StoragePool.InstanceID=\""
                        + Names.THIN_POOL_ID + "\",SourceElement=" + volumeRef(sim, source));
        assertThat(clone.returnValue("CreateElementReplica")).as(clone.all()).isZero();
        String target = WbemcliTests.deviceId(clone.out().substring(clone.out().indexOf("TargetElement")));
        // A thick source gives a thick clone: it consumes its size in the thin pool.
        assertThat(remaining(Names.THIN_POOL_ID)).isEqualTo(thinBefore - SIZE);
        assertThat(sim.state().syncOfTarget(target).copyType()).isEqualTo(5);

        try (Sblim client = new Sblim(sim)) {
            CIMObjectPath association = client.synchronizationOf(target);
            assertThat(client.modify(12, association)).isZero();
            assertThat(sim.state().syncOfTarget(target).copyState()).isEqualTo(SyncRecord.FRACTURED);
            assertThat(client.modify(2, association)).as("Abort is not supported").isEqualTo(1);
            assertThat(client.modify(8, association)).isZero();
        }
        assertThat(sim.state().syncOfTarget(target)).isNull();
        returnVolume(source);
        returnVolume(target);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(thickBefore);
        assertThat(remaining(Names.THIN_POOL_ID)).isEqualTo(thinBefore);
    }

    @Test
    void aReplicaRunsAsAJobThatAffectsExactlyTheTarget() throws Exception {
        String source = createVolume("job-source");
        sim.behaviour(Behaviour.defaults().withReplyMode(Names.CREATE_ELEMENT_REPLICA, ReplyMode.JOB)
                .withJobDurationMillis(200));
        try {
            Wbemcli.Result started = Wbemcli.run("cm", base + "/" + replicationService(sim),
                    "CreateElementReplica.ElementName=\"mirror-1\",SyncType=6,SourceElement=" + volumeRef(sim, source));
            assertThat(started.returnValue("CreateElementReplica")).as(started.all()).isEqualTo(4096);
            String job = started.out().replaceAll("(?s).*InstanceID=\"(SIM:JOB-\\d+)\".*", "$1");
            String jobPath = base + "/root/sim:SIM_ConcreteJob.InstanceID=\"" + job + "\"";
            long deadline = System.currentTimeMillis() + 10_000;
            Wbemcli.Result state;
            do {
                Thread.sleep(100);
                state = Wbemcli.run("gi", "-nl", jobPath);
            } while (!"7".equals(state.property("JobState")) && System.currentTimeMillis() < deadline);
            assertThat(state.property("JobState")).as(state.all()).isEqualTo("7");
            assertThat(state.property("OperationalStatus")).isEqualTo("2,17");
            assertThat(state.property("ErrorCode")).isEqualTo("0");
            Wbemcli.Result affected = Wbemcli.run("ain", "-ac", "CIM_AffectedJobElement", "-arc",
                    "CIM_StorageVolume", jobPath);
            String target = WbemcliTests.deviceId(affected.out());
            assertThat(affected.lines()).singleElement();
            assertThat(sim.state().syncOfTarget(target).sourceDeviceId()).isEqualTo(source);
            Wbemcli.Result owner = Wbemcli.run("ain", "-ac", "CIM_OwningJobElement", jobPath);
            assertThat(owner.out()).contains("SIM_ReplicationService");
        } finally {
            sim.behaviour(Behaviour.defaults());
        }
    }

    @Test
    void badRequestsGetReturnCodesAndCimErrors() throws Exception {
        String source = createVolume("bad-source");
        Wbemcli.Result noType = Wbemcli.run("cm", base + "/" + replicationService(sim),
                "CreateElementReplica.ElementName=\"x\",SourceElement=" + volumeRef(sim, source));
        assertThat(noType.returnValue("CreateElementReplica")).as(noType.all()).isEqualTo(5);
        Wbemcli.Result tokenized = Wbemcli.run("cm", base + "/" + replicationService(sim),
                "CreateElementReplica.SyncType=9,SourceElement=" + volumeRef(sim, source));
        assertThat(tokenized.returnValue("CreateElementReplica")).isEqualTo(1);
        Wbemcli.Result duplicate = Wbemcli.run("cm", base + "/" + replicationService(sim),
                "CreateElementReplica.ElementName=\"bad-source\",SyncType=7,SourceElement=" + volumeRef(sim, source));
        assertThat(duplicate.returnValue("CreateElementReplica")).isEqualTo(4);
        Wbemcli.Result noSource = Wbemcli.run("cm", base + "/" + replicationService(sim),
                "CreateElementReplica.SyncType=7,SourceElement=" + volumeRef(sim, "FFFFF"));
        assertThat(noSource.cimError()).as(noSource.all()).isEqualTo(6);
        returnVolume(source);
    }

    private String createVolume(String name) throws Exception {
        Wbemcli.Result created = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"" + name + "\",ElementType=2,Size=" + SIZE
                        + ",InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(created.returnValue("CreateOrModifyElementFromStoragePool")).as(created.all()).isZero();
        return WbemcliTests.deviceId(created.out());
    }

    private void returnVolume(String deviceId) throws Exception {
        Wbemcli.Result returned = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        assertThat(returned.returnValue("ReturnToStoragePool")).as(returned.all()).isZero();
    }

    private long remaining(String poolId) throws Exception {
        Wbemcli.Result p = Wbemcli.run("gi", "-nl", base + "/" + TestSimulators.pool(poolId));
        return Long.parseLong(p.property("RemainingManagedSpace"));
    }

    /** The SBLIM client, for calls whose reference arguments are association paths. */
    static final class Sblim implements AutoCloseable {
        final WBEMClient client;
        final SmisSimulator sim;

        Sblim(SmisSimulator sim) throws Exception {
            this.sim = sim;
            client = WBEMClientFactory.getClient(WBEMClientConstants.PROTOCOL_CIMXML);
            client.setProperty(WBEMClientConstants.PROP_TIMEOUT, "15000");
            Subject subject = new Subject();
            subject.getPrincipals().add(new UserPrincipal(sim.user()));
            subject.getPrivateCredentials().add(new PasswordCredential(sim.password()));
            client.initialize(new CIMObjectPath("http", "127.0.0.1", Integer.toString(sim.httpPort()), null, null,
                    null), subject, null);
        }

        CIMObjectPath synchronizationOf(String targetDeviceId) throws Exception {
            List<CIMObjectPath> found = new ArrayList<>();
            CloseableIterator<CIMObjectPath> it = client.referenceNames(volume(targetDeviceId),
                    "CIM_StorageSynchronized", "SyncedElement");
            try {
                it.forEachRemaining(found::add);
            } finally {
                it.close();
            }
            assertThat(found).hasSize(1);
            return found.get(0);
        }

        CIMObjectPath volume(String deviceId) {
            return new CIMObjectPath(null, null, null, SmisSimulator.ARRAY_NAMESPACE, Names.VOLUME_CLASS,
                    new org.sentrysoftware.wbem.javax.cim.CIMProperty<?>[] {
                        key("SystemCreationClassName", Names.SYSTEM_CLASS), key("SystemName", sim.systemName()),
                        key("CreationClassName", Names.VOLUME_CLASS), key("DeviceID", deviceId)});
        }

        private static org.sentrysoftware.wbem.javax.cim.CIMProperty<String> key(String name, String value) {
            return new org.sentrysoftware.wbem.javax.cim.CIMProperty<>(name, CIMDataType.STRING_T, value, true,
                    false, null);
        }

        long modify(int operation, CIMObjectPath synchronization) throws Exception {
            CIMObjectPath service = new CIMObjectPath(null, null, null, SmisSimulator.ARRAY_NAMESPACE,
                    Names.REPLICATION_SERVICE_CLASS, new org.sentrysoftware.wbem.javax.cim.CIMProperty<?>[] {
                        key("SystemCreationClassName", Names.SYSTEM_CLASS), key("SystemName", sim.systemName()),
                        key("CreationClassName", Names.REPLICATION_SERVICE_CLASS),
                        key("Name", Names.REPLICATION_SERVICE_NAME)});
            Object rc = client.invokeMethod(service, Names.MODIFY_REPLICA_SYNCHRONIZATION, new CIMArgument<?>[] {
                new CIMArgument<>("Operation", CIMDataType.UINT16_T, new UnsignedInteger16(operation)),
                new CIMArgument<>("Synchronization", new CIMDataType("CIM_Synchronized"), synchronization)},
                    new CIMArgument<?>[4]);
            return ((UnsignedInteger32) rc).longValue();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
