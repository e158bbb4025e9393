package org.storagegateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.spi.ArrayAdministration;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.TargetPort;
import org.storagegateway.spi.model.VdiInfo;

/** The storage-admin operations reach the array facet of an SR's driver, LUN changes as tasks with keys. */
class ArrayAdministrationTests {
    private final InMemoryGatewayStore store = new InMemoryGatewayStore();
    private final FakeDriverRegistry registry = new FakeDriverRegistry();
    private final MemoryArray array = new MemoryArray();
    private GatewayEngine engine;
    private GatewayOperations gateway;
    private StorageRepositoryRecord sr;

    @BeforeEach
    void start() throws Exception {
        engine = new GatewayEngine(store, registry, Clock.systemUTC());
        engine.start();
        registry.load(array);
        registry.load(new MemoryDriver());
        engine.awaitDriverEvents();
        gateway = engine.operations();
        sr = gateway.createStorageRepository("memarray", "array", Map.of("password", "s3cret"), Optional.empty());
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void lunChangesRunAsTasksAndARepeatedKeyCreatesNothingTwice() {
        LunInfo lun = gateway.createLun(sr.uuid(), "P1", "lun-a", 4096, Optional.of("key-a"));
        assertThat(gateway.createLun(sr.uuid(), "P1", "lun-a", 4096, Optional.of("key-a"))).isEqualTo(lun);
        assertThat(array.luns).hasSize(1);
        assertThat(gateway.listLuns(sr.uuid(), "P1")).containsExactly(lun);
        assertThat(gateway.resizeLun(sr.uuid(), lun.id(), 8192, Optional.empty()).sizeBytes()).isEqualTo(8192);
        Datapath.Iscsi path = gateway.exposeLun(sr.uuid(), lun.id(), "iqn.2026-01.org.example:h", Optional.empty());
        assertThat(path.targetIqn()).isEqualTo("iqn.2026-01.org.example:array");
        var hide = gateway.hideLun(sr.uuid(), lun.id(), "iqn.2026-01.org.example:h", Optional.empty());
        assertThat(hide.operation()).isEqualTo("lun.hide");
        var delete = gateway.deleteLun(sr.uuid(), lun.id(), Optional.empty());
        assertThat(delete.operation()).isEqualTo("lun.delete");
        assertThat(delete.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(array.luns).isEmpty();
        assertThat(array.passwordsSeen).containsOnly("s3cret");
    }

    @Test
    void listingsReachTheArrayBehindTheSr() {
        assertThat(gateway.listStorageSystems(sr.uuid())).extracting(ProbeEntry::id).containsExactly("S1");
        assertThat(gateway.listStoragePools(sr.uuid(), "S1")).extracting(ProbeEntry::id).containsExactly("P1");
        assertThat(gateway.listTargetPorts(sr.uuid())).extracting(TargetPort::address).containsExactly("h:3260");
    }

    @Test
    void anSrWhoseDriverHasNoArrayFacetIsUnsupported() {
        StorageRepositoryRecord file = gateway.createStorageRepository("memory", "plain", Map.of("zone", "a"),
                Optional.empty());
        assertThatThrownBy(() -> gateway.listLuns(file.uuid(), "P1")).isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.UNSUPPORTED_OPERATION));
    }

    /** A driver whose SRs sit on one in-memory array with system S1 and pool P1. */
    static final class MemoryArray implements StorageDriverFactory {
        final Map<String, LunInfo> luns = new LinkedHashMap<>();
        final List<String> passwordsSeen = new ArrayList<>();

        @Override
        public DriverDescriptor descriptor() {
            return new DriverDescriptor("memarray", "test", "1", "1.1", "An array in memory",
                    List.of(new ConfigKey("password", "array password", true, true)),
                    EnumSet.of(Capability.VDI_CREATE, Capability.ARRAY_ADMINISTRATION));
        }

        @Override
        public StorageRepository open(RepositoryConfig config, DriverContext context) {
            context.secret("password").ifPresent(p -> {
                synchronized (passwordsSeen) {
                    passwordsSeen.add(p);
                }
            });
            return new StorageRepository() {
                @Override
                public SrStats create() {
                    return new SrStats(0, 0, 0);
                }

                @Override
                public void attach() {
                }

                @Override
                public void detach() {
                }

                @Override
                public List<VdiInfo> scan() {
                    return List.of();
                }

                @Override
                public SrStats stats() {
                    return new SrStats(0, 0, 0);
                }

                @Override
                public VdiInfo createVdi(CreateVdiRequest request) {
                    throw StorageException.unsupported("createVdi");
                }

                @Override
                public void deleteVdi(String vdiUuid) {
                }

                @Override
                public ArrayAdministration arrayAdministration() {
                    return facet(context);
                }
            };
        }

        private ArrayAdministration facet(DriverContext context) {
            return new ArrayAdministration() {
                @Override
                public List<ProbeEntry> listStorageSystems() {
                    return List.of(new ProbeEntry(ProbeEntry.Kind.STORAGE_SYSTEM, "S1", "array", Map.of()));
                }

                @Override
                public List<ProbeEntry> listStoragePools(String systemId) {
                    return List.of(new ProbeEntry(ProbeEntry.Kind.STORAGE_POOL, "P1", "pool", Map.of()));
                }

                @Override
                public synchronized List<LunInfo> listLuns(String poolId) {
                    return List.copyOf(luns.values());
                }

                @Override
                public List<TargetPort> listTargetPorts() {
                    return List.of(new TargetPort("t1", "iscsi", "h:3260"));
                }

                @Override
                public LunInfo createLun(String poolId, String name, long sizeBytes) {
                    context.task().progress(0.5);
                    synchronized (luns) {
                        return luns.computeIfAbsent(name, n -> new LunInfo("L" + luns.size(), n, poolId, sizeBytes,
                                sizeBytes, Map.of()));
                    }
                }

                @Override
                public void deleteLun(String lunId) {
                    synchronized (luns) {
                        luns.values().removeIf(l -> l.id().equals(lunId));
                    }
                }

                @Override
                public LunInfo resizeLun(String lunId, long sizeBytes) {
                    synchronized (luns) {
                        LunInfo lun = luns.values().stream().filter(l -> l.id().equals(lunId)).findFirst()
                                .orElseThrow();
                        LunInfo grown = new LunInfo(lun.id(), lun.name(), lun.poolId(), sizeBytes, sizeBytes,
                                Map.of());
                        luns.put(lun.name(), grown);
                        return grown;
                    }
                }

                @Override
                public Datapath.Iscsi exposeLun(String lunId, String initiatorIqn) {
                    return new Datapath.Iscsi("h:3260", "iqn.2026-01.org.example:array", 1);
                }

                @Override
                public void hideLun(String lunId, String initiatorIqn) {
                }
            };
        }
    }
}
