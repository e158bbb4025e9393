package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.storagegateway.smis.simulator.array.Names;

/** Starting simulators for tests: loopback, ephemeral ports, a state directory of the test's own. */
final class TestSimulators {
    private TestSimulators() {
    }

    static SmisSimulator start(Path stateDir, Behaviour behaviour, boolean https) throws IOException {
        return SmisSimulator.start(SimulatorConfig.builder(stateDir).httpPort(0).httpsPort(https ? 0 : -1).iscsiPort(-1)
                .behaviour(behaviour).build());
    }

    /** The wbemcli base URL with credentials, e.g. {@code http://admin:pw@127.0.0.1:1234}. */
    static String url(SmisSimulator sim) {
        return "http://" + sim.user() + ":" + sim.password() + "@127.0.0.1:" + sim.httpPort();
    }

    static String httpsUrl(SmisSimulator sim) {
        return "https://" + sim.user() + ":" + sim.password() + "@127.0.0.1:" + sim.httpsPort();
    }

    /** The StorageConfigurationService's path in wbemcli syntax. */
    static String service(SmisSimulator sim) {
        return "root/sim:SIM_StorageConfigurationService.CreationClassName=\"SIM_StorageConfigurationService\","
                + "Name=\"StorageConfigurationService\",SystemCreationClassName=\"SIM_StorageSystem\","
                + "SystemName=\"" + sim.systemName() + "\"";
    }

    /** A service's path in wbemcli syntax, by its unqualified name (e.g. ControllerConfigurationService). */
    static String service(SmisSimulator sim, String name) {
        return "root/sim:SIM_" + name + ".CreationClassName=\"SIM_" + name + "\",Name=\"" + name
                + "\",SystemCreationClassName=\"SIM_StorageSystem\",SystemName=\"" + sim.systemName() + "\"";
    }

    /** The ReplicationService's path in wbemcli syntax. */
    static String replicationService(SmisSimulator sim) {
        return "root/sim:SIM_ReplicationService.CreationClassName=\"SIM_ReplicationService\","
                + "Name=\"ReplicationService\",SystemCreationClassName=\"SIM_StorageSystem\","
                + "SystemName=\"" + sim.systemName() + "\"";
    }

    static String system(SmisSimulator sim) {
        return "root/sim:SIM_StorageSystem.CreationClassName=\"SIM_StorageSystem\",Name=\"" + sim.systemName() + "\"";
    }

    /** A volume's path in wbemcli syntax, without namespace (as a method's reference argument). */
    static String volumeRef(SmisSimulator sim, String deviceId) {
        return "SIM_StorageVolume.SystemCreationClassName=\"SIM_StorageSystem\",SystemName=\"" + sim.systemName()
                + "\",CreationClassName=\"SIM_StorageVolume\",DeviceID=\"" + deviceId + "\"";
    }

    static String pool(String poolId) {
        return "root/sim:SIM_StoragePool.InstanceID=\"" + poolId + "\"";
    }

    /** Create a thick volume with wbemcli; its DeviceID. */
    static String createVolume(SmisSimulator sim, String name, long sizeBytes) throws Exception {
        Wbemcli.Result created = Wbemcli.run("cm", url(sim) + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"" + name + "\",ElementType=2,Size=" + sizeBytes
                        + ",InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(created.returnValue("CreateOrModifyElementFromStoragePool")).as(created.all()).isZero();
        return WbemcliTests.deviceId(created.out());
    }

    /** Return a volume to its pool with wbemcli. */
    static void returnVolume(SmisSimulator sim, String deviceId) throws Exception {
        Wbemcli.Result returned = Wbemcli.run("cm", url(sim) + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        assertThat(returned.returnValue("ReturnToStoragePool")).as(returned.all()).isZero();
    }
}
