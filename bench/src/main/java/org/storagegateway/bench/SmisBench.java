package org.storagegateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import javax.security.auth.Subject;

import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMInstance;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.CIMProperty;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger32;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger64;
import org.sentrysoftware.wbem.javax.wbem.CloseableIterator;
import org.sentrysoftware.wbem.javax.wbem.client.PasswordCredential;
import org.sentrysoftware.wbem.javax.wbem.client.UserPrincipal;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClient;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientConstants;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientFactory;
import org.storagegateway.smis.simulator.SimulatorConfig;
import org.storagegateway.smis.simulator.SmisSimulator;
import org.storagegateway.smis.simulator.array.ArrayState;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.array.StateStore;

/**
 * The SMI-S simulator's request rate for EnumerateInstances of CIM_StorageVolume with 1,000 volumes, with the SBLIM
 * client in process and with wbemcli (one process per request), each interleaved round by round with its anchor:
 * GetInstance of the storage system by the same client, the cheapest round trip there is. Also the cost of a change:
 * CreateOrModifyElementFromStoragePool as the array grows, beside the state file's rewrite alone.
 *
 * <p>Properties: bench.volumes (1000), bench.rounds (SBLIM rounds, 200), bench.wbemcliRounds (30).
 */
public final class SmisBench {
    private SmisBench() {
    }

    public static void main(String[] args) throws Exception {
        int volumes = Results.intProperty("bench.volumes", 1000);
        int rounds = Results.intProperty("bench.rounds", 200);
        int wbemcliRounds = Results.intProperty("bench.wbemcliRounds", 30);
        Path state = Files.createTempDirectory(Results.tmpRoot(), "smis-bench");
        try (SmisSimulator sim = SmisSimulator.start(SimulatorConfig.builder(state).ephemeralPorts().httpsPort(-1)
                .iscsiPort(-1).build())) {
            WBEMClient client = client(sim);
            CIMObjectPath service = path(sim, Names.SCS_CLASS, "SystemCreationClassName", Names.SYSTEM_CLASS,
                    "SystemName", sim.systemName(), "CreationClassName", Names.SCS_CLASS, "Name", Names.SCS_NAME);
            CIMObjectPath pool = path(sim, Names.POOL_CLASS, "InstanceID", Names.THIN_POOL_ID);
            Stats firstCreates = new Stats("create, first 100 volumes");
            Stats lastCreates = new Stats("create, last 100 volumes");
            for (int i = 0; i < volumes; i++) {
                long t0 = System.nanoTime();
                Object rc = client.invokeMethod(service, Names.CREATE_OR_MODIFY, new CIMArgument<?>[] {
                    new CIMArgument<>("ElementName", CIMDataType.STRING_T, "bench-" + i),
                    new CIMArgument<>("ElementType", CIMDataType.UINT16_T, new UnsignedInteger16(5)),
                    new CIMArgument<>("Size", CIMDataType.UINT64_T, new UnsignedInteger64("1073741824")),
                    new CIMArgument<>("InPool", new CIMDataType("CIM_StoragePool"), pool)}, new CIMArgument<?>[4]);
                long t = System.nanoTime() - t0;
                if (!new UnsignedInteger32(0).equals(rc)) {
                    throw new IllegalStateException("create " + i + " returned " + rc);
                }
                if (i < 100) {
                    firstCreates.add(t);
                } else if (i >= volumes - 100) {
                    lastCreates.add(t);
                }
            }
            Stats save = new Stats("state file rewrite alone");
            ArrayState snapshot = sim.state();
            StateStore store = new StateStore(Files.createTempDirectory(state, "save"));
            for (int i = 0; i < 100; i++) {
                long t0 = System.nanoTime();
                store.save(snapshot);
                save.add(System.nanoTime() - t0);
            }
            System.out.printf(Locale.ROOT, "%d volumes created; state file %d KiB%n", volumes,
                    Files.size(state.resolve(StateStore.FILE_NAME)) >> 10);
            for (Stats s : List.of(firstCreates, lastCreates, save)) {
                System.out.printf(Locale.ROOT, "  %-34s p50 %7.2f ms  p99 %7.2f ms%n", s.label(), s.p50(), s.p99());
            }
            Results.record("smis.create.first100.p50", firstCreates.p50(), "ms", "CreateOrModify, array nearly empty");
            Results.record("smis.create.last100.p50", lastCreates.p50(), "ms", "CreateOrModify at " + volumes + " volumes");
            Results.record("smis.state.save.p50", save.p50(), "ms", "array.json rewrite + fsync at " + volumes + " volumes");

            CIMObjectPath volumeClass = new CIMObjectPath(null, null, null, SmisSimulator.ARRAY_NAMESPACE,
                    "CIM_StorageVolume", null);
            CIMObjectPath system = path(sim, Names.SYSTEM_CLASS, "CreationClassName", Names.SYSTEM_CLASS, "Name",
                    sim.systemName());
            for (int i = 0; i < 10; i++) {
                enumerate(client, volumeClass, volumes);
                client.getInstance(system, false, false, null);
            }
            Stats enumerate = new Stats("SBLIM EnumerateInstances, " + volumes + " volumes");
            Stats anchor = new Stats("SBLIM GetInstance of the system (anchor)");
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                enumerate(client, volumeClass, volumes);
                long t1 = System.nanoTime();
                client.getInstance(system, false, false, null);
                long t2 = System.nanoTime();
                enumerate.add(t1 - t0);
                anchor.add(t2 - t1);
            }
            client.close();
            report("smis.sblim", enumerate, anchor);

            Path wbemcli = Path.of("/usr/bin/wbemcli");
            if (Files.isExecutable(wbemcli)) {
                String base = "http://" + sim.user() + ":" + sim.password() + "@127.0.0.1:" + sim.httpPort();
                Stats wEnumerate = new Stats("wbemcli ei, " + volumes + " volumes");
                Stats wAnchor = new Stats("wbemcli gi of the system (anchor)");
                String systemPath = base + "/root/sim:" + Names.SYSTEM_CLASS + ".CreationClassName=\""
                        + Names.SYSTEM_CLASS + "\",Name=\"" + sim.systemName() + "\"";
                for (int i = 0; i < wbemcliRounds + 3; i++) {
                    long t0 = System.nanoTime();
                    run(wbemcli, "ei", base + "/root/sim:CIM_StorageVolume");
                    long t1 = System.nanoTime();
                    run(wbemcli, "gi", systemPath);
                    long t2 = System.nanoTime();
                    if (i >= 3) {
                        wEnumerate.add(t1 - t0);
                        wAnchor.add(t2 - t1);
                    }
                }
                report("smis.wbemcli", wEnumerate, wAnchor);
            } else {
                System.out.println("wbemcli missing: skipping its rows (apt-get install sblim-wbemcli)");
            }
        } finally {
            Results.deleteTree(state);
        }
    }

    private static void report(String key, Stats measured, Stats anchor) {
        double rate = 1000.0 / measured.meanMs();
        double anchorRate = 1000.0 / anchor.meanMs();
        System.out.printf(Locale.ROOT, "  %-44s %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms%n", measured.label(), rate,
                measured.p50(), measured.p99());
        System.out.printf(Locale.ROOT, "  %-44s %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms%n", anchor.label(),
                anchorRate, anchor.p50(), anchor.p99());
        System.out.printf(Locale.ROOT, "  ratio: one enumeration costs %.1f anchor round trips%n",
                measured.meanMs() / anchor.meanMs());
        Results.record(key + ".enumerate.rps", rate, "req/s", measured.label());
        Results.record(key + ".anchor.rps", anchorRate, "req/s", anchor.label());
        Results.record(key + ".ratio", measured.meanMs() / anchor.meanMs(), "x", "enumeration / anchor");
    }

    private static void enumerate(WBEMClient client, CIMObjectPath volumeClass, int expected) throws Exception {
        CloseableIterator<CIMInstance> it = client.enumerateInstances(volumeClass, true, false, false, null);
        int n = 0;
        try {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        } finally {
            it.close();
        }
        if (n != expected) {
            throw new IllegalStateException("enumerated " + n + " volumes, expected " + expected);
        }
    }

    private static void run(Path binary, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", args[0]) + " failed");
        }
    }

    private static WBEMClient client(SmisSimulator sim) throws Exception {
        WBEMClient client = WBEMClientFactory.getClient(WBEMClientConstants.PROTOCOL_CIMXML);
        client.setProperty(WBEMClientConstants.PROP_TIMEOUT, "60000");
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(sim.user()));
        subject.getPrivateCredentials().add(new PasswordCredential(sim.password()));
        client.initialize(new CIMObjectPath("http", "127.0.0.1", Integer.toString(sim.httpPort()), null, null, null),
                subject, null);
        return client;
    }

    /** An instance path in the array's namespace from alternating key names and string values. */
    private static CIMObjectPath path(SmisSimulator sim, String className, String... keys) {
        CIMProperty<?>[] props = new CIMProperty<?>[keys.length / 2];
        for (int i = 0; i < props.length; i++) {
            props[i] = new CIMProperty<>(keys[2 * i], CIMDataType.STRING_T, keys[2 * i + 1], true, false, null);
        }
        return new CIMObjectPath(null, null, null, SmisSimulator.ARRAY_NAMESPACE, className, props);
    }
}
