package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.smis.simulator.SblimSession.ref;
import static org.storagegateway.smis.simulator.SblimSession.refs;
import static org.storagegateway.smis.simulator.SblimSession.single;
import static org.storagegateway.smis.simulator.TestSimulators.service;
import static org.storagegateway.smis.simulator.TestSimulators.system;
import static org.storagegateway.smis.simulator.TestSimulators.volumeRef;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.storagegateway.smis.simulator.array.ArrayState;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.array.ViewRecord;

/**
 * Masking and Mapping (ExposePaths/HidePaths), Group Masking and Mapping, hardware IDs and the iSCSI target port,
 * as wbemcli and the SBLIM client see them. No data path here (IscsiTests covers tgtd).
 */
class MaskingTests extends WbemcliTestBase {
    static final String HOST_A = "iqn.2026-01.org.example:host-a";
    static final String HOST_B = "iqn.2026-01.org.example:host-b";

    MaskingTests() {
        super(Behaviour.defaults(), false);
    }

    @Test
    void theIscsiTargetPortLeadsToItsTcpPortAndLoopbackAddress() throws Exception {
        Wbemcli.Result ports = Wbemcli.run("ai", "-nl", "-ac", "CIM_HostedAccessPoint", "-arc",
                "CIM_iSCSIProtocolEndpoint", base + "/" + system(sim));
        assertThat(ports.exitCode()).as(ports.all()).isZero();
        assertThat(ports.property("Role")).isEqualTo("3");
        String iqn = sim.state().targetIqn();
        assertThat(ports.property("Name")).isEqualTo("\"" + iqn + ",t,0x0001\"");
        String port = Wbemcli.run("ain", "-ac", "CIM_HostedAccessPoint", "-arc", "CIM_iSCSIProtocolEndpoint",
                base + "/" + system(sim)).lines().get(0);
        Wbemcli.Result tcp = Wbemcli.run("ai", "-nl", "-ac", "CIM_BindsTo", "-arc", "CIM_TCPProtocolEndpoint",
                "http://" + sim.user() + ":" + sim.password() + "@" + port);
        assertThat(tcp.property("PortNumber")).as(tcp.all()).isEqualTo(Integer.toString(sim.iscsiPort()));
        String tcpPath = Wbemcli.run("ain", "-ac", "CIM_BindsTo", "-arc", "CIM_TCPProtocolEndpoint",
                "http://" + sim.user() + ":" + sim.password() + "@" + port).lines().get(0);
        Wbemcli.Result ip = Wbemcli.run("ai", "-nl", "-ac", "CIM_BindsTo", "-arc", "CIM_IPProtocolEndpoint",
                "http://" + sim.user() + ":" + sim.password() + "@" + tcpPath);
        assertThat(ip.property("IPv4Address")).as(ip.all()).isEqualTo("\"127.0.0.1\"");
        Wbemcli.Result node = Wbemcli.run("ai", "-nl", "-ac", "CIM_SAPAvailableForElement",
                "http://" + sim.user() + ":" + sim.password() + "@" + port);
        assertThat(node.property("Name")).isEqualTo("\"" + iqn + "\"");
        assertThat(node.property("NameFormat")).isEqualTo("3");
    }

    @Test
    void hardwareIdsAreCreatedOnceAndOnlyForNamesOfTheirType() throws Exception {
        String svc = base + "/" + service(sim, "StorageHardwareIDManagementService");
        Wbemcli.Result created = Wbemcli.run("cm", svc,
                "CreateStorageHardwareID.StorageID=\"iqn.2026-01.org.example:hwid\",IDType=5");
        assertThat(created.returnValue("CreateStorageHardwareID")).as(created.all()).isZero();
        assertThat(created.out()).contains("HardwareID (reference)").contains("SIM_StorageHardwareID.InstanceID=");
        Wbemcli.Result again = Wbemcli.run("cm", svc,
                "CreateStorageHardwareID.StorageID=\"iqn.2026-01.org.example:hwid\",IDType=5");
        assertThat(again.returnValue("CreateStorageHardwareID")).as("already created").isEqualTo(4096);
        assertThat(again.out()).contains("SIM_StorageHardwareID.InstanceID=");
        assertThat(Wbemcli.run("cm", svc, "CreateStorageHardwareID.StorageID=\"host.example\",IDType=4")
                .returnValue("CreateStorageHardwareID")).isEqualTo(4097);
        assertThat(Wbemcli.run("cm", svc, "CreateStorageHardwareID.StorageID=\"not-an-iqn\",IDType=5")
                .returnValue("CreateStorageHardwareID")).isEqualTo(5);
        Wbemcli.Result ids = Wbemcli.run("ei", base + "/root/sim:CIM_StorageHardwareID", "StorageID,IDType");
        assertThat(ids.out()).contains("StorageID=\"iqn.2026-01.org.example:hwid\",IDType=5");
    }

    @Test
    void exposePathsMapsVolumesToOneInitiatorWithNumberedUnitsAndPrivileges() throws Exception {
        String v1 = TestSimulators.createVolume(sim, "exposed-1", 1048576);
        String v2 = TestSimulators.createVolume(sim, "exposed-2", 1048576);
        String ccs = base + "/" + service(sim, "ControllerConfigurationService");
        // wbemcli 1.6.3 cannot parse the VALUE.REFARRAY of the ProtocolControllers output: read the raw reply.
        Wbemcli.Result exposed = Wbemcli.run("cmx", ccs, "ExposePaths.LUNames=\"" + naa(v1) + "\",\"" + naa(v2)
                + "\",InitiatorPortIDs=\"" + HOST_A + "\",DeviceAccesses=2,3");
        assertThat(exposed.out()).as(exposed.all())
                .contains("<RETURNVALUE PARAMTYPE=\"uint32\"><VALUE>0</VALUE></RETURNVALUE>")
                .contains("<PARAMVALUE NAME=\"ProtocolControllers\" PARAMTYPE=\"reference\"><VALUE.REFARRAY>");

        Wbemcli.Result spc = Wbemcli.run("ain", "-ac", "CIM_ProtocolControllerForUnit", "-arc",
                "CIM_SCSIProtocolController", base + "/root/sim:" + volumeRef(sim, v2));
        String spcPath = "http://" + sim.user() + ":" + sim.password() + "@" + spc.lines().get(0);
        assertThat(spc.lines()).singleElement();
        Wbemcli.Result units = Wbemcli.run("ri", "-nl", "-arc", "CIM_ProtocolControllerForUnit",
                base + "/root/sim:" + volumeRef(sim, v2));
        assertThat(units.property("DeviceNumber")).isEqualTo("\"0002\"");
        assertThat(units.property("DeviceAccess")).isEqualTo("3");
        Wbemcli.Result views = Wbemcli.run("ain", "-ac", "CIM_ConcreteDependency", "-arc",
                "CIM_SCSIProtocolController", ccs);
        assertThat(views.lines()).hasSize(1);
        String privilege = Wbemcli.run("ain", "-ac", "CIM_AuthorizedTarget", spcPath).lines().get(0);
        Wbemcli.Result subject = Wbemcli.run("ai", "-ac", "CIM_AuthorizedSubject", "-arc", "CIM_StorageHardwareID",
                "http://" + sim.user() + ":" + sim.password() + "@" + privilege);
        assertThat(subject.out()).contains("StorageID=\"" + HOST_A + "\"");
        Wbemcli.Result spcInstance = Wbemcli.run("gi", "-nl", spcPath);
        assertThat(spcInstance.property("NameFormat")).isEqualTo("3");
        assertThat(spcInstance.property("Name")).startsWith("\"" + sim.state().targetIqn() + ":spc-");

        Wbemcli.Result twice = Wbemcli.run("cmx", ccs, "ExposePaths.LUNames=\"" + naa(v1) + "\",InitiatorPortIDs=\""
                + HOST_A + "\"");
        assertThat(twice.out()).as("one view per initiator").contains("<VALUE>4101</VALUE>");
        Wbemcli.Result unknown = Wbemcli.run("cmx", ccs, "ExposePaths.LUNames=\"6FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\","
                + "InitiatorPortIDs=\"" + HOST_B + "\"");
        assertThat(unknown.out()).contains("<VALUE>4097</VALUE>");
        Wbemcli.Result inUse = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, v1));
        assertThat(inUse.returnValue("ReturnToStoragePool")).as("a mapped volume is in use").isEqualTo(6);

        try (SblimSession client = new SblimSession(sim)) {
            CIMObjectPath view = single(client.associatorNames(client.volume(v1), "CIM_ProtocolControllerForUnit",
                    "CIM_SCSIProtocolController"));
            SblimSession.Reply hidden = client.invoke(client.service(Names.CONTROLLER_SERVICE_CLASS,
                    Names.CONTROLLER_SERVICE_NAME), "HidePaths",
                    new CIMArgument<>("LUNames", CIMDataType.STRING_ARRAY_T, new String[] {naa(v1), naa(v2)}),
                    refs("ProtocolControllers", "CIM_SCSIProtocolController", view));
            assertThat(hidden.returnValue()).isZero();
            assertThat(client.associatorNames(client.volume(v1), "CIM_ProtocolControllerForUnit", null)).isEmpty();
            // The view stays, with no units, until its initiator goes.
            SblimSession.Reply gone = client.invoke(client.service(Names.CONTROLLER_SERVICE_CLASS,
                    Names.CONTROLLER_SERVICE_NAME), "HidePaths",
                    new CIMArgument<>("InitiatorPortIDs", CIMDataType.STRING_ARRAY_T, new String[] {HOST_A}),
                    refs("ProtocolControllers", "CIM_SCSIProtocolController", view));
            assertThat(gone.returnValue()).isZero();
        }
        assertThat(sim.state().views()).isEmpty();
        TestSimulators.returnVolume(sim, v1);
        TestSimulators.returnVolume(sim, v2);
    }

    @Test
    void groupMaskingBuildsAViewWhoseUnitsFollowItsDeviceGroup() throws Exception {
        String v1 = TestSimulators.createVolume(sim, "grouped-1", 1048576);
        String v2 = TestSimulators.createVolume(sim, "grouped-2", 1048576);
        try (SblimSession client = new SblimSession(sim)) {
            CIMObjectPath groups = client.service(Names.GROUP_MASKING_SERVICE_CLASS, Names.GROUP_MASKING_SERVICE_NAME);
            assertThat(client.associatorNames(client.system(), "CIM_ElementCapabilities",
                    "CIM_GroupMaskingMappingCapabilities")).hasSize(1);
            SblimSession.Reply hardwareId = client.invoke(client.service(Names.HARDWARE_ID_SERVICE_CLASS,
                    Names.HARDWARE_ID_SERVICE_NAME), "CreateStorageHardwareID",
                    new CIMArgument<>("StorageID", CIMDataType.STRING_T, HOST_B),
                    new CIMArgument<>("IDType", CIMDataType.UINT16_T, new UnsignedInteger16(5)));
            assertThat(hardwareId.returnValue()).isZero();
            CIMObjectPath port = single(client.associatorNames(client.system(), "CIM_HostedAccessPoint",
                    "CIM_iSCSIProtocolEndpoint"));

            CIMObjectPath initiators = createGroup(client, groups, "hosts", 2,
                    (CIMObjectPath) hardwareId.output("HardwareID"));
            CIMObjectPath targets = createGroup(client, groups, "ports", 3, port);
            CIMObjectPath devices = createGroup(client, groups, "disks", 4, client.volume(v1));
            SblimSession.Reply duplicate = client.invoke(groups, "CreateGroup",
                    new CIMArgument<>("GroupName", CIMDataType.STRING_T, "disks"),
                    new CIMArgument<>("Type", CIMDataType.UINT16_T, new UnsignedInteger16(4)));
            assertThat(duplicate.returnValue()).isEqualTo(4);

            SblimSession.Reply view = client.invoke(groups, "CreateMaskingView",
                    new CIMArgument<>("ElementName", CIMDataType.STRING_T, "host-b-view"),
                    ref("InitiatorMaskingGroup", "CIM_InitiatorMaskingGroup", initiators),
                    ref("TargetMaskingGroup", "CIM_TargetMaskingGroup", targets),
                    ref("DeviceMaskingGroup", "CIM_DeviceMaskingGroup", devices));
            assertThat(view.returnValue()).isZero();
            CIMObjectPath spc = (CIMObjectPath) view.output("ProtocolController");
            assertThat(client.associatorNames(spc, "CIM_AssociatedInitiatorMaskingGroup", null))
                    .singleElement().satisfies(p -> assertThat(p.getKeyValue("InstanceID"))
                            .isEqualTo(initiators.getKeyValue("InstanceID")));
            assertThat(client.associatorNames(groups, "CIM_ServiceAffectsElement", "CIM_InitiatorMaskingGroup"))
                    .hasSize(1);
            assertThat(client.associatorNames(spc, "CIM_ProtocolControllerForUnit", "CIM_StorageVolume")).hasSize(1);

            assertThat(client.invoke(groups, "AddMembers", ref("MaskingGroup", "CIM_MaskingGroup", devices),
                    refs("Members", "CIM_ManagedElement", client.volume(v2))).returnValue()).isZero();
            ArrayState state = sim.state();
            ViewRecord record = state.views().get(0);
            assertThat(record.units()).extracting(ViewRecord.Unit::deviceId, ViewRecord.Unit::deviceNumber)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(v1, "0001"),
                            org.assertj.core.groups.Tuple.tuple(v2, "0002"));
            assertThat(state.viewInitiators(record)).containsExactly(HOST_B);

            assertThat(client.invoke(groups, "RemoveMembers", ref("MaskingGroup", "CIM_MaskingGroup", devices),
                    refs("Members", "CIM_ManagedElement", client.volume(v1))).returnValue()).isZero();
            assertThat(client.associatorNames(client.volume(v1), "CIM_ProtocolControllerForUnit", null)).isEmpty();
            assertThat(client.invoke(groups, "DeleteGroup", ref("MaskingGroup", "CIM_MaskingGroup", devices))
                    .returnValue()).as("in use by the view").isEqualTo(6);
            assertThat(client.invoke(groups, "DeleteMaskingView",
                    ref("ProtocolController", "CIM_ProtocolController", spc)).returnValue()).isZero();
            for (CIMObjectPath g : List.of(devices, targets, initiators)) {
                assertThat(client.invoke(groups, "DeleteGroup", ref("MaskingGroup", "CIM_MaskingGroup", g))
                        .returnValue()).isZero();
            }
        }
        assertThat(sim.state().views()).isEmpty();
        assertThat(sim.state().groups()).isEmpty();
        TestSimulators.returnVolume(sim, v1);
        TestSimulators.returnVolume(sim, v2);
    }

    private static CIMObjectPath createGroup(SblimSession client, CIMObjectPath service, String name, int type,
                                             CIMObjectPath member) throws Exception {
        SblimSession.Reply created = client.invoke(service, "CreateGroup",
                new CIMArgument<>("GroupName", CIMDataType.STRING_T, name),
                new CIMArgument<>("Type", CIMDataType.UINT16_T, new UnsignedInteger16(type)),
                refs("Members", "CIM_ManagedElement", member));
        assertThat(created.returnValue()).as(name).isZero();
        return (CIMObjectPath) created.output("MaskingGroup");
    }

    private String naa(String deviceId) {
        return sim.state().volume(deviceId).naaId();
    }

}
