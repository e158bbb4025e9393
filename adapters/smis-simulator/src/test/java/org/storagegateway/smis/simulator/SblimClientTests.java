package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import javax.security.auth.Subject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMInstance;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger32;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger64;
import org.sentrysoftware.wbem.javax.wbem.WBEMException;
import org.sentrysoftware.wbem.javax.wbem.client.PasswordCredential;
import org.sentrysoftware.wbem.javax.wbem.client.UserPrincipal;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClient;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientConstants;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientFactory;
import org.storagegateway.smis.simulator.array.Names;

/**
 * The SBLIM CIM client (JSR48, Sentry's republication), the Java client the gateway's adapter is built on: over
 * HTTP and HTTPS, with M-POST on and off, starting without credentials as SBLIM does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SblimClientTests {
    SmisSimulator sim;

    @BeforeAll
    void start(@TempDir Path state) throws Exception {
        sim = TestSimulators.start(state, Behaviour.defaults(), true);
    }

    @AfterAll
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private WBEMClient client(String scheme, boolean mpost) throws WBEMException {
        WBEMClient client = WBEMClientFactory.getClient(WBEMClientConstants.PROTOCOL_CIMXML);
        client.setProperty("sblim.wbem.httpMPOST", Boolean.toString(mpost));
        client.setProperty(WBEMClientConstants.PROP_TIMEOUT, "15000");
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(sim.user()));
        subject.getPrivateCredentials().add(new PasswordCredential(sim.password()));
        int port = scheme.equals("https") ? sim.httpsPort() : sim.httpPort();
        client.initialize(new CIMObjectPath(scheme, "127.0.0.1", Integer.toString(port), null, null, null),
                subject, null);
        return client;
    }

    @ParameterizedTest
    @CsvSource({"http,false", "http,true", "https,false"})
    void discoversTheArrayAndProvisionsAVolume(String scheme, boolean mpost) throws Exception {
        long mpostsBefore = sim.statistics().byHttpMethod().getOrDefault("M-POST", 0L);
        long refusedBefore = sim.statistics().unauthorizedCount();
        WBEMClient client = client(scheme, mpost);
        try {
            List<CIMInstance> profiles = SblimSession.all(client.enumerateInstances(
                    new CIMObjectPath(null, null, null, "interop", "CIM_RegisteredProfile", null), true, false, false,
                    new String[] {"RegisteredName", "RegisteredVersion", "RegisteredOrganization"}));
            assertThat(profiles).hasSize(8);
            CIMInstance array = profiles.stream()
                    .filter(p -> "Array".equals(p.getPropertyValue("RegisteredName"))).findFirst().orElseThrow();
            assertThat(array.getPropertyValue("RegisteredOrganization")).isEqualTo(new UnsignedInteger16(11));
            assertThat(array.getPropertyValue("RegisteredVersion")).isEqualTo("1.5.0");

            List<CIMObjectPath> systems = SblimSession.all(client.associatorNames(array.getObjectPath(),
                    "CIM_ElementConformsToProfile", "CIM_ComputerSystem", null, null));
            assertThat(systems).hasSize(1);
            CIMObjectPath system = systems.get(0);
            assertThat(system.getNamespace()).isEqualTo(SmisSimulator.ARRAY_NAMESPACE);
            assertThat(system.getKeyValue("Name")).isEqualTo(sim.systemName());

            List<CIMInstance> pools = SblimSession.all(client.associatorInstances(system, "CIM_HostedStoragePool",
                    "CIM_StoragePool", null, null, false, null));
            assertThat(pools).hasSize(3);
            CIMInstance thick = pools.stream()
                    .filter(p -> Names.THICK_POOL_ID.equals(p.getPropertyValue("InstanceID"))).findFirst().orElseThrow();
            UnsignedInteger64 before = (UnsignedInteger64) thick.getPropertyValue("RemainingManagedSpace");

            CIMObjectPath service = SblimSession.all(client.enumerateInstanceNames(new CIMObjectPath(null, null, null,
                    SmisSimulator.ARRAY_NAMESPACE, "CIM_StorageConfigurationService", null))).get(0);
            CIMArgument<?>[] in = {
                new CIMArgument<>("ElementName", CIMDataType.STRING_T, "sblim-" + scheme + "-" + mpost),
                new CIMArgument<>("ElementType", CIMDataType.UINT16_T, new UnsignedInteger16(2)),
                new CIMArgument<>("Size", CIMDataType.UINT64_T, new UnsignedInteger64("2097152")),
                new CIMArgument<>("InPool", new CIMDataType("CIM_StoragePool"), thick.getObjectPath())};
            CIMArgument<?>[] out = new CIMArgument<?>[8];
            Object rc = client.invokeMethod(service, Names.CREATE_OR_MODIFY, in, out);
            assertThat(rc).isEqualTo(new UnsignedInteger32(0));
            CIMObjectPath volume = null;
            for (CIMArgument<?> a : out) {
                if (a != null && a.getName().equals("TheElement")) {
                    volume = (CIMObjectPath) a.getValue();
                } else if (a != null && a.getName().equals("Size")) {
                    assertThat(a.getValue()).isEqualTo(new UnsignedInteger64("2097152"));
                }
            }
            assertThat(volume).isNotNull();
            assertThat(volume.getNamespace()).isEqualTo(SmisSimulator.ARRAY_NAMESPACE);

            CIMInstance v = client.getInstance(volume, false, false, null);
            assertThat(v.getPropertyValue("NameFormat")).isEqualTo(new UnsignedInteger16(9));
            assertThat((String) v.getPropertyValue("Name")).matches("6[0-9A-F]{31}");
            assertThat(v.getPropertyValue("NumberOfBlocks")).isEqualTo(new UnsignedInteger64("4096"));
            CIMInstance poolAfter = client.getInstance(thick.getObjectPath(), false, false, null);
            assertThat(((UnsignedInteger64) poolAfter.getPropertyValue("RemainingManagedSpace")).longValue())
                    .isEqualTo(before.longValue() - 2097152);

            Object back = client.invokeMethod(service, Names.RETURN_TO_POOL,
                    new CIMArgument<?>[] {new CIMArgument<>("TheElement", new CIMDataType("CIM_LogicalElement"), volume)},
                    new CIMArgument<?>[4]);
            assertThat(back).isEqualTo(new UnsignedInteger32(0));
            CIMObjectPath returned = volume;
            assertThatThrownBy(() -> client.getInstance(returned, false, false, null))
                    .isInstanceOfSatisfying(WBEMException.class, e -> assertThat(e.getID()).isEqualTo(6));

            assertThatThrownBy(() -> SblimSession.all(client.enumerateInstances(new CIMObjectPath(null, null, null,
                    SmisSimulator.ARRAY_NAMESPACE, "CIM_NoSuchClass", null), true, false, false, null)))
                    .isInstanceOfSatisfying(WBEMException.class, e -> assertThat(e.getID()).isEqualTo(5));
            assertThatThrownBy(() -> client.enumerateInstances(new CIMObjectPath(null, null, null,
                    SmisSimulator.ARRAY_NAMESPACE, "CIM_StoragePool", null), true, false, null, null, null, null,
                    false, new UnsignedInteger32(10)))
                    .isInstanceOfSatisfying(WBEMException.class, e -> assertThat(e.getID()).isEqualTo(7));
        } finally {
            client.close();
        }
        // SBLIM's first request carries no credentials: the simulator's 401 challenge is what lets it in.
        assertThat(sim.statistics().unauthorizedCount()).isGreaterThan(refusedBefore);
        long mposts = sim.statistics().byHttpMethod().getOrDefault("M-POST", 0L) - mpostsBefore;
        if (mpost) {
            assertThat(mposts).isPositive();
        } else {
            assertThat(mposts).isZero();
        }
    }
}
