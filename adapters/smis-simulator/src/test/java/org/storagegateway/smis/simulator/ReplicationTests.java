package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.smis.simulator.TestSimulators.replicationService;
import static org.storagegateway.smis.simulator.TestSimulators.service;
import static org.storagegateway.smis.simulator.TestSimulators.volumeRef;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.array.SyncRecord;

/**
 * Replication Services as wbemcli (CreateElementReplica with {@code cm}, the StorageSynchronized association with
 * {@code ain}/{@code ri}) and the SBLIM client (ModifyReplicaSynchronization on the association's path) see them.
 */
class ReplicationTests extends WbemcliTestBase {
    static final long SIZE = 4L << 20;

    ReplicationTests() {
        super(Behaviour.defaults(), false);
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
        String source = TestSimulators.createVolume(sim, "snap-source", SIZE);
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
        try (SblimSession client = new SblimSession(sim)) {
            CIMObjectPath association = synchronizationOf(client, target);
            assertThat(modify(client, 19, association)).isZero();
        }
        assertThat(sim.state().volume(target)).isNull();
        assertThat(sim.lunFile(target)).doesNotExist();
        TestSimulators.returnVolume(sim, source);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before);
    }

    @Test
    void aCloneInAnotherPoolIsDetachedIntoAnIndependentVolume() throws Exception {
        long thickBefore = remaining(Names.THICK_POOL_ID);
        long thinBefore = remaining(Names.THIN_POOL_ID);
        String source = TestSimulators.createVolume(sim, "clone-source", SIZE);
        Wbemcli.Result clone = Wbemcli.run("cm", base + "/" + replicationService(sim),
                "CreateElementReplica.ElementName=\"clone-1\",SyncType=8,TargetPool=SIM_StoragePool.InstanceID=\""
                        + Names.THIN_POOL_ID + "\",SourceElement=" + volumeRef(sim, source));
        assertThat(clone.returnValue("CreateElementReplica")).as(clone.all()).isZero();
        String target = WbemcliTests.deviceId(clone.out().substring(clone.out().indexOf("TargetElement")));
        // A thick source gives a thick clone: it consumes its size in the thin pool.
        assertThat(remaining(Names.THIN_POOL_ID)).isEqualTo(thinBefore - SIZE);
        assertThat(sim.state().syncOfTarget(target).copyType()).isEqualTo(5);

        try (SblimSession client = new SblimSession(sim)) {
            CIMObjectPath association = synchronizationOf(client, target);
            assertThat(modify(client, 12, association)).isZero();
            assertThat(sim.state().syncOfTarget(target).copyState()).isEqualTo(SyncRecord.FRACTURED);
            assertThat(modify(client, 2, association)).as("Abort is not supported").isEqualTo(1);
            assertThat(modify(client, 8, association)).isZero();
        }
        assertThat(sim.state().syncOfTarget(target)).isNull();
        TestSimulators.returnVolume(sim, source);
        TestSimulators.returnVolume(sim, target);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(thickBefore);
        assertThat(remaining(Names.THIN_POOL_ID)).isEqualTo(thinBefore);
    }

    @Test
    void aReplicaRunsAsAJobThatAffectsExactlyTheTarget() throws Exception {
        String source = TestSimulators.createVolume(sim, "job-source", SIZE);
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
        String source = TestSimulators.createVolume(sim, "bad-source", SIZE);
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
        TestSimulators.returnVolume(sim, source);
    }

    private long remaining(String poolId) throws Exception {
        Wbemcli.Result p = Wbemcli.run("gi", "-nl", base + "/" + TestSimulators.pool(poolId));
        return Long.parseLong(p.property("RemainingManagedSpace"));
    }

    private static long modify(SblimSession client, int operation, CIMObjectPath synchronization) throws Exception {
        return client.invoke(client.service(Names.REPLICATION_SERVICE_CLASS, Names.REPLICATION_SERVICE_NAME),
                Names.MODIFY_REPLICA_SYNCHRONIZATION,
                new CIMArgument<>("Operation", CIMDataType.UINT16_T, new UnsignedInteger16(operation)),
                SblimSession.ref("Synchronization", "CIM_Synchronized", synchronization)).returnValue();
    }

    private static CIMObjectPath synchronizationOf(SblimSession client, String target) throws Exception {
        return SblimSession.single(client.referenceNames(client.volume(target), "CIM_StorageSynchronized",
                "SyncedElement"));
    }
}
