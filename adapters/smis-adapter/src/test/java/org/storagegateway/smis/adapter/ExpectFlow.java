package org.storagegateway.smis.adapter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.spi.testing.FakeDriverContext;

/**
 * The adapter flow the Expect scripts record and replay: probe both levels, create an SR, create a VDI, grow it,
 * snapshot it, delete the snapshot and the VDI, read the SR's figures. UUIDs are fixed so that a replay sends exactly
 * the recorded requests. Published in the test jar.
 */
public final class ExpectFlow {
    public static final String SR_UUID = "5e1f0000-0000-4000-8000-000000000001";
    public static final String VDI_UUID = "5e1f0000-0000-4000-8000-0000000000a1";
    public static final String SNAPSHOT_UUID = "5e1f0000-0000-4000-8000-0000000000b1";
    public static final long MIB = 1 << 20;

    private ExpectFlow() {
    }

    /** What the flow saw, for the replay to compare. */
    public record Seen(List<String> systems, List<String> pools, VdiInfo created, VdiInfo grown, VdiInfo snapshot,
                       long physicalUtilisationAtEnd) {
    }

    /** Device-config for an array at {@code address} (http) with the system and pool of the recording. */
    public static Map<String, String> config(String address, String user, String system, String pool) {
        Map<String, String> config = new HashMap<>();
        config.put("address", address);
        config.put("user", user);
        config.put("timeout-seconds", "10");
        config.put("system", system);
        config.put("pool", pool);
        return config;
    }

    public static Seen run(StorageDriverFactory factory, Map<String, String> config, FakeDriverContext host) {
        Map<String, String> arrayOnly = new HashMap<>(config);
        arrayOnly.remove("system");
        arrayOnly.remove("pool");
        List<String> systems = new ArrayList<>();
        for (ProbeEntry e : factory.probe(arrayOnly, host)) {
            systems.add(e.id());
        }
        Map<String, String> level2 = new HashMap<>(config);
        level2.remove("pool");
        List<String> pools = new ArrayList<>();
        for (ProbeEntry e : factory.probe(level2, host)) {
            pools.add(e.id());
        }
        RepositoryConfig sr = new RepositoryConfig(SR_UUID, "expect", config);
        factory.open(sr, host).create();
        StorageRepository repository = factory.open(sr, host);
        VdiInfo created = repository.createVdi(new CreateVdiRequest("expect-create", VDI_UUID, 8 * MIB));
        VdiInfo grown = factory.open(sr, host).resizeVdi(VDI_UUID, 16 * MIB);
        VdiInfo snapshot = factory.open(sr, host).snapshotVdi(new CloneRequest("expect-snapshot", VDI_UUID,
                SNAPSHOT_UUID, UUID.nameUUIDFromBytes(SNAPSHOT_UUID.getBytes()).toString())).created();
        factory.open(sr, host).deleteVdi(SNAPSHOT_UUID);
        factory.open(sr, host).deleteVdi(VDI_UUID);
        long used = factory.open(sr, host).stats().physicalUtilisation();
        return new Seen(systems, pools, created, grown, snapshot, used);
    }
}
