package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.smis.simulator.TestSimulators.pool;
import static org.storagegateway.smis.simulator.TestSimulators.service;
import static org.storagegateway.smis.simulator.TestSimulators.system;
import static org.storagegateway.smis.simulator.TestSimulators.volumeRef;

import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.storagegateway.smis.simulator.array.ArrayState;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.array.PoolRecord;
import org.storagegateway.smis.simulator.array.VolumeRecord;

/** The simulator as wbemcli (sblim-wbemcli, an independent C++ CIM-XML client) sees it. */
class WbemcliTests extends WbemcliTestBase {
    WbemcliTests() {
        super(Behaviour.defaults(), true);
    }

    @Test
    void registeredProfilesAreEnumeratedInInteropAndItsAlias() throws Exception {
        for (String ns : new String[] {"interop", "root/interop"}) {
            Wbemcli.Result names = Wbemcli.run("ein", base + "/" + ns + ":CIM_RegisteredProfile");
            assertThat(names.exitCode()).as(names.all()).isZero();
            assertThat(names.lines()).hasSize(8).allMatch(l -> l.contains("SIM_RegisteredProfile.InstanceID="));
        }
        Wbemcli.Result profiles = Wbemcli.run("ei", base + "/interop:CIM_RegisteredProfile",
                "RegisteredName,RegisteredVersion,RegisteredOrganization");
        assertThat(profiles.exitCode()).as(profiles.all()).isZero();
        assertThat(profiles.out())
                .contains("RegisteredName=\"Array\",RegisteredVersion=\"1.5.0\"")
                .contains("\"Block Services\"", "\"Thin Provisioning\"", "\"Replication Services\"",
                        "\"Masking and Mapping\"", "\"Group Masking and Mapping\"", "\"Job Control\"",
                        "\"iSCSI Target Ports\"");
        assertThat(profiles.lines()).allMatch(l -> l.contains("RegisteredOrganization=11"));
    }

    @Test
    void theArrayProfileLeadsToTheSystemAcrossNamespacesAndBack() throws Exception {
        String arrayProfile = base + "/interop:SIM_RegisteredProfile.InstanceID=\"SNIA:Array:1.5.0\"";
        Wbemcli.Result systems = Wbemcli.run("ai", "-ac", "CIM_ElementConformsToProfile", "-arc",
                "CIM_ComputerSystem", arrayProfile);
        assertThat(systems.exitCode()).as(systems.all()).isZero();
        assertThat(systems.lines()).hasSize(1);
        assertThat(systems.out()).contains("/root/sim:SIM_StorageSystem.")
                .contains("Name=\"" + sim.systemName() + "\"").contains("ElementName=\"SMI-S simulated array");

        Wbemcli.Result names = Wbemcli.run("ain", "-ac", "CIM_ElementConformsToProfile", arrayProfile);
        assertThat(names.lines()).singleElement().asString().contains("/root/sim:SIM_StorageSystem.");

        Wbemcli.Result back = Wbemcli.run("ain", "-arc", "CIM_RegisteredProfile", base + "/" + system(sim));
        assertThat(back.exitCode()).as(back.all()).isZero();
        assertThat(back.lines()).singleElement().asString()
                .contains("/interop:SIM_RegisteredProfile.InstanceID=\"SNIA:Array:1.5.0\"");
    }

    @Test
    void classFiltersFollowTheHierarchy() throws Exception {
        Wbemcli.Result pools = Wbemcli.run("ein", base + "/root/sim:CIM_StoragePool");
        assertThat(pools.lines()).hasSize(3).allMatch(l -> l.contains("SIM_StoragePool.InstanceID="));
        Wbemcli.Result systems = Wbemcli.run("ein", base + "/root/sim:CIM_System");
        assertThat(systems.lines()).singleElement().asString().contains("SIM_StorageSystem");
        Wbemcli.Result services = Wbemcli.run("ei", base + "/root/sim:CIM_Service", "SystemName");
        assertThat(services.lines()).allMatch(l -> l.contains("SystemName=\"" + sim.systemName() + "\""))
                .anyMatch(l -> l.contains("SIM_StorageConfigurationService"))
                .anyMatch(l -> l.contains("SIM_ReplicationService"));
        Wbemcli.Result hosted = Wbemcli.run("ain", "-ac", "CIM_SystemComponent", "-arc", "CIM_StoragePool",
                base + "/" + system(sim));
        assertThat(hosted.lines()).hasSize(3);
    }

    @Test
    void capabilitiesAreReachableFromTheServiceAndFromEachConcretePool() throws Exception {
        Wbemcli.Result fromService = Wbemcli.run("ai", "-ac", "CIM_ElementCapabilities", "-arc",
                "CIM_StorageConfigurationCapabilities", base + "/" + service(sim));
        assertThat(fromService.exitCode()).as(fromService.all()).isZero();
        assertThat(fromService.lines()).singleElement().asString()
                .contains("SupportedSynchronousActions=5,6,7").contains("SupportedStorageElementTypes=2,5");
        for (String id : new String[] {Names.THICK_POOL_ID, Names.THIN_POOL_ID}) {
            Wbemcli.Result caps = Wbemcli.run("ain", "-ac", "CIM_ElementCapabilities", base + "/" + pool(id));
            assertThat(caps.lines()).as(id).hasSize(2)
                    .anyMatch(l -> l.contains("SIM_StorageConfigurationCapabilities"))
                    .anyMatch(l -> l.contains("SIM_StorageCapabilities"));
        }
        Wbemcli.Result thin = Wbemcli.run("ai", "-ac", "CIM_ElementCapabilities", "-arc",
                "CIM_StorageConfigurationCapabilities", base + "/" + pool(Names.THIN_POOL_ID));
        assertThat(thin.out()).contains("SupportedStorageElementTypes=2,5");
    }

    @Test
    void aVolumeIsCreatedResizedAndReturnedWithExactCapacityAccounting() throws Exception {
        long before = remaining(Names.THICK_POOL_ID);
        long primordialBefore = remaining(Names.PRIMORDIAL_POOL_ID);

        Wbemcli.Result created = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"wbem-vol\",ElementType=2,Size=1000000,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(created.exitCode()).as(created.all()).isZero();
        assertThat(created.returnValue("CreateOrModifyElementFromStoragePool")).isZero();
        // 1,000,000 bytes round up to whole 512-byte blocks.
        assertThat(created.out()).contains("Size (uint64): 1000448").contains("TheElement (reference)");
        String deviceId = deviceId(created.out());

        Wbemcli.Result volume = Wbemcli.run("gi", "-nl", base + "/root/sim:" + volumeRef(sim, deviceId));
        assertThat(volume.exitCode()).as(volume.all()).isZero();
        assertThat(volume.property("ElementName")).isEqualTo("\"wbem-vol\"");
        assertThat(volume.property("NameFormat")).isEqualTo("9");
        assertThat(volume.property("NameNamespace")).isEqualTo("2");
        assertThat(volume.property("Name")).matches("\"6[0-9A-F]{31}\"");
        assertThat(volume.property("BlockSize")).isEqualTo("512");
        assertThat(volume.property("NumberOfBlocks")).isEqualTo("1954");
        assertThat(volume.property("ConsumableBlocks")).isEqualTo("1954");
        assertThat(volume.property("ThinlyProvisioned")).isEqualTo("FALSE");
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before - 1000448);
        assertThat(remaining(Names.PRIMORDIAL_POOL_ID)).isEqualTo(primordialBefore);
        assertThat(sim.lunFile(deviceId)).hasSize(1000448);
        assertInvariant();

        Wbemcli.Result pools = Wbemcli.run("ain", "-ac", "CIM_AllocatedFromStoragePool", "-arc", "CIM_StoragePool",
                base + "/root/sim:" + volumeRef(sim, deviceId));
        assertThat(pools.lines()).singleElement().asString().contains(Names.THICK_POOL_ID);

        // wbemcli reads a reference argument up to the end of the list, so TheElement comes last.
        Wbemcli.Result grown = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.Size=4194304,TheElement=" + volumeRef(sim, deviceId));
        assertThat(grown.returnValue("CreateOrModifyElementFromStoragePool")).as(grown.all()).isZero();
        assertThat(grown.out()).contains("Size (uint64): 4194304").contains("DeviceID=\"" + deviceId + "\"");
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before - 4194304);
        assertThat(sim.lunFile(deviceId)).hasSize(4194304);
        assertInvariant();

        Wbemcli.Result returned = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        assertThat(returned.returnValue("ReturnToStoragePool")).as(returned.all()).isZero();
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before);
        assertThat(sim.lunFile(deviceId)).doesNotExist();
        Wbemcli.Result gone = Wbemcli.run("gi", base + "/root/sim:" + volumeRef(sim, deviceId));
        assertThat(gone.cimError()).as(gone.all()).isEqualTo(6);
        assertInvariant();
    }

    @Test
    void aThinVolumeConsumesNothingButCountsAgainstTheSpaceLimit() throws Exception {
        long before = remaining(Names.THIN_POOL_ID);
        Wbemcli.Result created = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"thin-vol\",ElementType=5,Size=1073741824,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THIN_POOL_ID + "\"");
        assertThat(created.returnValue("CreateOrModifyElementFromStoragePool")).as(created.all()).isZero();
        String deviceId = deviceId(created.out());
        assertThat(remaining(Names.THIN_POOL_ID)).isEqualTo(before);
        Wbemcli.Result volume = Wbemcli.run("gi", "-nl", base + "/root/sim:" + volumeRef(sim, deviceId));
        assertThat(volume.property("ThinlyProvisioned")).isEqualTo("TRUE");

        PoolRecord thin = sim.state().pool(Names.THIN_POOL_ID);
        Wbemcli.Result tooBig = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"thin-big\",ElementType=5,Size="
                        + thin.subscriptionLimitBytes() + ",InPool=SIM_StoragePool.InstanceID=\"" + Names.THIN_POOL_ID
                        + "\"");
        assertThat(tooBig.returnValue("CreateOrModifyElementFromStoragePool")).as(tooBig.all()).isEqualTo(4097);
        assertThat(tooBig.out()).contains("Size (uint64): " + (thin.subscriptionLimitBytes() - 1073741824));

        Wbemcli.Result thick = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"not-thin\",ElementType=5,Size=1048576,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(thick.returnValue("CreateOrModifyElementFromStoragePool")).isEqualTo(5);

        Wbemcli.Result returned = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, deviceId));
        assertThat(returned.returnValue("ReturnToStoragePool")).isZero();
        assertInvariant();
    }

    @Test
    void requestsThePoolCannotHoldAreRefusedWithTheLargestSizeThatFits() throws Exception {
        long remaining = remaining(Names.THICK_POOL_ID);
        Wbemcli.Result tooBig = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"huge\",ElementType=2,Size=" + (remaining + 1)
                        + ",InPool=SIM_StoragePool.InstanceID=\"" + Names.THICK_POOL_ID + "\"");
        assertThat(tooBig.returnValue("CreateOrModifyElementFromStoragePool")).as(tooBig.all()).isEqualTo(4097);
        assertThat(tooBig.out()).contains("Size (uint64): " + remaining / 512 * 512);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(remaining);

        Wbemcli.Result primordial = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"p\",ElementType=2,Size=1048576,"
                        + "InPool=SIM_StoragePool.InstanceID=\"" + Names.PRIMORDIAL_POOL_ID + "\"");
        assertThat(primordial.returnValue("CreateOrModifyElementFromStoragePool")).isEqualTo(5);

        Wbemcli.Result noPool = Wbemcli.run("cm", base + "/" + service(sim),
                "CreateOrModifyElementFromStoragePool.ElementName=\"p\",ElementType=2,Size=1048576,"
                        + "InPool=SIM_StoragePool.InstanceID=\"SIM:NO-SUCH-POOL\"");
        assertThat(noPool.cimError()).as(noPool.all()).isEqualTo(6);

        Wbemcli.Result noVolume = Wbemcli.run("cm", base + "/" + service(sim),
                "ReturnToStoragePool.TheElement=" + volumeRef(sim, "FFFFF"));
        assertThat(noVolume.cimError()).as(noVolume.all()).isEqualTo(6);
        assertThat(sim.state().volumes()).isEmpty();
    }

    @Test
    void httpsWorksWithTheSelfSignedCertificate() throws Exception {
        Wbemcli.Result pools = Wbemcli.run("-noverify", "ein", TestSimulators.httpsUrl(sim) + "/root/sim:CIM_StoragePool");
        assertThat(pools.exitCode()).as(pools.all()).isZero();
        assertThat(pools.lines()).hasSize(3);
        assertThat(sim.certificateFile()).exists();
        assertThat(Files.readString(sim.certificateFile())).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void aWrongPasswordIsRefused() throws Exception {
        Wbemcli.Result refused = Wbemcli.run("ein",
                "http://" + sim.user() + ":wrong" + "@127.0.0.1:" + sim.httpPort() + "/root/sim:CIM_StoragePool");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.all()).contains("Invalid username/password");
    }

    @Test
    void errorsCarryTheirCimStatusCodes() throws Exception {
        assertThat(Wbemcli.run("ei", base + "/root/sim:CIM_NoSuchClass").cimError()).isEqualTo(5);
        assertThat(Wbemcli.run("ein", base + "/root/nowhere:CIM_StoragePool").cimError()).isEqualTo(3);
        assertThat(Wbemcli.run("gi", base + "/" + pool("SIM:POOL-99")).cimError()).isEqualTo(6);
        assertThat(Wbemcli.run("cm", base + "/" + service(sim), "NoSuchMethod.X=1").cimError()).isEqualTo(17);
        assertThat(Wbemcli.run("ain", "-ac", "CIM_NoSuchAssociation", base + "/" + system(sim)).cimError())
                .isEqualTo(4);
    }

    @Test
    void classesCanBeReadAndListed() throws Exception {
        Wbemcli.Result names = Wbemcli.run("ecn", base + "/root/sim:CIM_StorageExtent");
        assertThat(names.exitCode()).as(names.all()).isZero();
        assertThat(names.out()).contains("CIM_StorageVolume").contains("SIM_StorageVolume");
        Wbemcli.Result service = Wbemcli.run("gcd", base + "/root/sim:SIM_StorageConfigurationService");
        assertThat(service.exitCode()).as(service.all()).isZero();
        assertThat(service.out()).contains("CreateOrModifyElementFromStoragePool").contains("ReturnToStoragePool");
    }

    /** TotalManagedSpace = RemainingManagedSpace + Σ SpaceConsumed, for every pool, as wbemcli reads them. */
    private void assertInvariant() throws Exception {
        for (String id : new String[] {Names.PRIMORDIAL_POOL_ID, Names.THICK_POOL_ID, Names.THIN_POOL_ID}) {
            Wbemcli.Result p = Wbemcli.run("gi", "-nl", base + "/" + pool(id));
            long total = Long.parseLong(p.property("TotalManagedSpace"));
            long remaining = Long.parseLong(p.property("RemainingManagedSpace"));
            Wbemcli.Result refs = Wbemcli.run("ri", "-arc", "CIM_AllocatedFromStoragePool", "-ar", "Antecedent",
                    base + "/" + pool(id));
            long consumed = 0;
            Matcher m = Pattern.compile("SpaceConsumed=(\\d+)").matcher(refs.out());
            while (m.find()) {
                consumed += Long.parseLong(m.group(1));
            }
            assertThat(remaining + consumed).as("pool %s", id).isEqualTo(total);
        }
        ArrayState s = sim.state();
        for (PoolRecord p : s.pools()) {
            assertThat(s.remainingBytes(p)).isNotNegative();
        }
        for (VolumeRecord v : s.volumes()) {
            assertThat(sim.lunFile(v.deviceId())).hasSize(v.sizeBytes());
        }
    }

    private long remaining(String poolId) throws Exception {
        Wbemcli.Result p = Wbemcli.run("gi", "-nl", base + "/" + pool(poolId));
        assertThat(p.exitCode()).as(p.all()).isZero();
        return Long.parseLong(p.property("RemainingManagedSpace"));
    }

    static String deviceId(String cmOutput) {
        Matcher m = Pattern.compile("DeviceID=\"([0-9A-F]+)\"").matcher(cmOutput);
        assertThat(m.find()).as(cmOutput).isTrue();
        return m.group(1);
    }
}
