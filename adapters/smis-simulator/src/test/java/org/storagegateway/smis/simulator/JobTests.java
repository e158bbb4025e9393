package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.smis.simulator.TestSimulators.pool;
import static org.storagegateway.smis.simulator.TestSimulators.service;
import static org.storagegateway.smis.simulator.TestSimulators.volumeRef;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.storagegateway.smis.simulator.array.JobRecord;
import org.storagegateway.smis.simulator.array.Names;

/** Job-based replies (4096 + CIM_ConcreteJob), read back with wbemcli as lsm and Cinder read them. */
class JobTests extends WbemcliTestBase {
    static final long JOB_MILLIS = 400;

    JobTests() {
        super(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(JOB_MILLIS), false);
    }

    @BeforeEach
    void jobReplies() {
        sim.behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(JOB_MILLIS));
    }

    @Test
    void aJobCreatesTheVolumeAndReportsSuccessTheWayClientsCheckIt() throws Exception {
        long before = remaining(Names.THICK_POOL_ID);
        Wbemcli.Result started = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"job-vol\",ElementType=2,Size=8388608,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(started.returnValue("CreateOrModifyElementFromStoragePool")).as(started.all()).isEqualTo(4096);
        assertThat(started.out()).contains("Job (reference)").contains("Size (uint64): 8388608")
                .doesNotContain("TheElement");
        String job = jobPath(started.out());

        Wbemcli.Result running = Wbemcli.run("gi", "-nl", base + "/" + job);
        assertThat(running.property("JobState")).isEqualTo("4");
        assertThat(Integer.parseInt(running.property("PercentComplete"))).isBetween(0, 99);
        assertThat(sim.state().volumes()).isEmpty();

        Wbemcli.Result done = awaitEnd(job);
        assertThat(done.property("JobState")).isEqualTo("7");
        assertThat(done.property("OperationalStatus")).isEqualTo("2,17");
        assertThat(done.property("ErrorCode")).isEqualTo("0");
        assertThat(done.property("PercentComplete")).isEqualTo("100");
        assertThat(done.property("DeleteOnCompletion")).isEqualTo("FALSE");

        Wbemcli.Result affected = Wbemcli.run("ain", "-ac", "CIM_AffectedJobElement", "-arc", "CIM_StorageVolume",
                base + "/" + job);
        assertThat(affected.lines()).singleElement().asString().contains("SIM_StorageVolume");
        String deviceId = WbemcliTests.deviceId(affected.out());
        assertThat(sim.state().volume(deviceId).elementName()).isEqualTo("job-vol");
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before - 8388608);
        assertThat(sim.lunFile(deviceId)).hasSize(8388608);

        Wbemcli.Result owner = Wbemcli.run("ain", "-ac", "CIM_OwningJobElement", base + "/" + job);
        assertThat(owner.lines()).singleElement().asString().contains("SIM_StorageConfigurationService");

        Wbemcli.Result deleted = Wbemcli.run("di", base + "/" + job);
        assertThat(deleted.exitCode()).as(deleted.all()).isZero();
        assertThat(Wbemcli.run("gi", base + "/" + job).cimError()).isEqualTo(6);

        Wbemcli.Result returning = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        assertThat(returning.returnValue("ReturnToStoragePool")).isEqualTo(4096);
        assertThat(awaitEnd(jobPath(returning.out())).property("JobState")).isEqualTo("7");
        assertThat(sim.state().volume(deviceId)).isNull();
        assertThat(sim.lunFile(deviceId)).doesNotExist();
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before);
    }

    @Test
    void anInjectedFailureEndsTheJobInExceptionAndChangesNothing() throws Exception {
        long before = remaining(Names.THICK_POOL_ID);
        sim.behaviour(sim.behaviour().withReplyMode(ReplyMode.SYNCHRONOUS)
                .withFault(Fault.failedJob(Names.CREATE_OR_MODIFY).times(1)));
        Wbemcli.Result started = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"doomed\",ElementType=2,Size=1048576,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(started.returnValue("CreateOrModifyElementFromStoragePool")).as(started.all()).isEqualTo(4096);
        Wbemcli.Result failed = awaitEnd(jobPath(started.out()));
        assertThat(failed.property("JobState")).isEqualTo("10");
        assertThat(failed.property("OperationalStatus")).isEqualTo("6,17");
        assertThat(failed.property("ErrorCode")).isNotEqualTo("0").isNotEmpty();
        assertThat(failed.property("ErrorDescription")).contains("Injected fault");
        assertThat(sim.state().volumes()).isEmpty();
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before);

        // The fault was for one call only: the next one is synchronous and succeeds.
        Wbemcli.Result next = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"fine\",ElementType=2,Size=1048576,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(next.returnValue("CreateOrModifyElementFromStoragePool")).isZero();
        Wbemcli.Result back = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, WbemcliTests.deviceId(next.out())));
        assertThat(back.returnValue("ReturnToStoragePool")).isZero();
    }

    @Test
    void aResizeJobChangesTheSizeWhenItCompletes() throws Exception {
        sim.behaviour(sim.behaviour().withReplyMode(ReplyMode.SYNCHRONOUS));
        Wbemcli.Result created = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"resize-me\",ElementType=2,Size=1048576,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        String deviceId = WbemcliTests.deviceId(created.out());
        sim.behaviour(sim.behaviour().withReplyMode(Names.CREATE_OR_MODIFY, ReplyMode.JOB));
        Wbemcli.Result resize = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.Size=2097152,TheElement=" + volumeRef(sim, deviceId));
        assertThat(resize.returnValue("CreateOrModifyElementFromStoragePool")).as(resize.all()).isEqualTo(4096);
        String job = jobPath(resize.out());
        // While it runs, the job is already associated to the volume it changes.
        assertThat(Wbemcli.run("ain", "-ac", "CIM_AffectedJobElement", base + "/" + job).lines()).hasSize(1);
        assertThat(awaitEnd(job).property("JobState")).isEqualTo("7");
        assertThat(sim.state().volume(deviceId).sizeBytes()).isEqualTo(2097152);
        assertThat(sim.lunFile(deviceId)).hasSize(2097152);
        // Capabilities tell clients which actions answer with jobs.
        Wbemcli.Result caps = Wbemcli.run("ai", "-ac", "CIM_ElementCapabilities", "-arc",
                "CIM_StorageConfigurationCapabilities", base + "/" + service(sim));
        assertThat(caps.out()).contains("SupportedAsynchronousActions=5,7").contains("SupportedSynchronousActions=6");
        Wbemcli.Result back = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        assertThat(back.returnValue("ReturnToStoragePool")).isZero();
    }

    @Test
    void terminatingARunningCreateJobEndsItTerminatedWithNothingCreated() throws Exception {
        sim.behaviour(sim.behaviour().withJobDurationMillis(60_000));
        long before = remaining(Names.THICK_POOL_ID);
        Wbemcli.Result started = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"stopped\",ElementType=2,Size=4194304,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(started.returnValue("CreateOrModifyElementFromStoragePool")).as(started.all()).isEqualTo(4096);
        String job = jobPath(started.out());

        // Suspend and Service are not supported (1); Start of a running job is no transition (4097).
        assertThat(Wbemcli.run("cm", base + "/" + job, "RequestStateChange.RequestedState=3")
                .returnValue("RequestStateChange")).isEqualTo(1);
        assertThat(Wbemcli.run("cm", base + "/" + job, "RequestStateChange.RequestedState=2")
                .returnValue("RequestStateChange")).isEqualTo(4097);
        assertThat(Wbemcli.run("cm", base + "/" + job, "RequestStateChange.RequestedState=7")
                .returnValue("RequestStateChange")).isEqualTo(5);
        assertThat(Wbemcli.run("gi", "-nl", base + "/" + job).property("JobState")).isEqualTo("4");

        Wbemcli.Result terminate = Wbemcli.run("cm", base + "/" + job, "RequestStateChange.RequestedState=4");
        assertThat(terminate.returnValue("RequestStateChange")).as(terminate.all()).isZero();
        Wbemcli.Result ended = Wbemcli.run("gi", "-nl", base + "/" + job);
        assertThat(ended.property("JobState")).isEqualTo("8");
        assertThat(ended.property("OperationalStatus")).isEqualTo("10");
        assertThat(ended.property("JobStatus")).contains("Terminated");
        assertThat(sim.state().job(jobId(job)).phase()).isEqualTo(JobRecord.Phase.TERMINATED);
        assertThat(sim.state().volumes()).isEmpty();
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before);
        assertThat(Wbemcli.run("ain", "-ac", "CIM_AffectedJobElement", base + "/" + job).lines()).isEmpty();

        // An ended job cannot change state again.
        assertThat(Wbemcli.run("cm", base + "/" + job, "RequestStateChange.RequestedState=4")
                .returnValue("RequestStateChange")).isEqualTo(4097);
        assertThat(Wbemcli.run("cm", base + "/" + job, "RequestStateChange.RequestedState=5")
                .returnValue("RequestStateChange")).isEqualTo(4097);
    }

    @Test
    void killingARunningReturnJobKeepsTheVolumeAndACompletedJobRefusesTermination() throws Exception {
        sim.behaviour(sim.behaviour().withReplyMode(ReplyMode.SYNCHRONOUS));
        Wbemcli.Result created = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"kept\",ElementType=2,Size=1048576,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        String deviceId = WbemcliTests.deviceId(created.out());
        long before = remaining(Names.THICK_POOL_ID);
        sim.behaviour(sim.behaviour().withReplyMode(ReplyMode.JOB).withJobDurationMillis(60_000));
        Wbemcli.Result returning = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        String job = jobPath(returning.out());
        assertThat(Wbemcli.run("cm", base + "/" + job, "RequestStateChange.RequestedState=5")
                .returnValue("RequestStateChange")).isZero();
        Wbemcli.Result ended = Wbemcli.run("gi", "-nl", base + "/" + job);
        assertThat(ended.property("JobState")).isEqualTo("9");
        assertThat(ended.property("OperationalStatus")).isEqualTo("14");
        assertThat(sim.state().volume(deviceId)).isNotNull();
        assertThat(sim.lunFile(deviceId)).hasSize(1048576);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before);

        sim.behaviour(sim.behaviour().withJobDurationMillis(JOB_MILLIS));
        Wbemcli.Result again = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        String done = jobPath(again.out());
        assertThat(awaitEnd(done).property("JobState")).isEqualTo("7");
        assertThat(Wbemcli.run("cm", base + "/" + done, "RequestStateChange.RequestedState=4")
                .returnValue("RequestStateChange")).isEqualTo(4097);
        assertThat(sim.state().volume(deviceId)).isNull();
    }

    private static String jobId(String jobPath) {
        return jobPath.substring(jobPath.indexOf('"') + 1, jobPath.lastIndexOf('"'));
    }

    private Wbemcli.Result awaitEnd(String job) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            Wbemcli.Result r = Wbemcli.run("gi", "-nl", base + "/" + job);
            assertThat(r.exitCode()).as(r.all()).isZero();
            if (!"4".equals(r.property("JobState")) || System.currentTimeMillis() > deadline) {
                return r;
            }
            Thread.sleep(100);
        }
    }

    private long remaining(String poolId) throws Exception {
        return Long.parseLong(Wbemcli.run("gi", "-nl", base + "/" + pool(poolId)).property("RemainingManagedSpace"));
    }

    /** The job's path from a cm reply, in wbemcli syntax. */
    private static String jobPath(String cmOutput) {
        Matcher m = Pattern.compile("SIM_ConcreteJob\\.InstanceID=\"([^\"]+)\"").matcher(cmOutput);
        assertThat(m.find()).as(cmOutput).isTrue();
        return "root/sim:SIM_ConcreteJob.InstanceID=\"" + m.group(1) + "\"";
    }
}
