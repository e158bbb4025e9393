package org.storagegateway.smis.simulator.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.simulator.Behaviour;
import org.storagegateway.smis.simulator.BehaviourControl;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.ops.MethodInvocation;
import org.storagegateway.smis.simulator.ops.MethodResult;
import org.storagegateway.smis.simulator.ops.Repository;

/** Capacity accounting and return codes of the Block Services methods, called directly on the model. */
class ArrayModelTests {
    static final long CAPACITY = 1L << 30;
    @TempDir
    Path state;
    ArrayModel model;

    @BeforeEach
    void open() throws Exception {
        model = ArrayModel.open(state, CAPACITY, new BehaviourControl(Behaviour.defaults()), System::currentTimeMillis);
    }

    @AfterEach
    void close() {
        model.close();
    }

    private MethodResult call(String method, Map<String, Object> args) {
        Repository repo = model.snapshot();
        CimInstance service = repo.require(ObjectModel.servicePath(model.state()));
        Map<String, Object> lower = new HashMap<>();
        args.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        return model.invoke(new MethodInvocation(service, service.cimClass().method(method), lower));
    }

    private MethodResult create(String pool, String name, long type, long size) {
        Map<String, Object> args = new HashMap<>();
        args.put("InPool", ObjectModel.poolPath(pool));
        args.put("ElementName", name);
        args.put("ElementType", type);
        args.put("Size", size);
        return call(Names.CREATE_OR_MODIFY, args);
    }

    private MethodResult resize(String deviceId, long size) {
        return call(Names.CREATE_OR_MODIFY, Map.of("TheElement", ObjectModel.volumePath(model.state(), deviceId),
                "Size", size));
    }

    private MethodResult delete(String deviceId) {
        return call(Names.RETURN_TO_POOL, Map.of("TheElement", ObjectModel.volumePath(model.state(), deviceId)));
    }

    private static String deviceId(MethodResult r) {
        return String.valueOf(((ObjectPath) r.output("TheElement")).key("DeviceID"));
    }

    private long remaining(String pool) {
        return model.state().remainingBytes(model.state().pool(pool));
    }

    @Test
    void theInitialLayoutSplitsTheRawCapacity() {
        ArrayState s = model.state();
        assertThat(s.pool(Names.PRIMORDIAL_POOL_ID).totalBytes()).isEqualTo(CAPACITY);
        long concrete = s.pool(Names.THICK_POOL_ID).totalBytes();
        assertThat(concrete % (1 << 20)).isZero();
        assertThat(remaining(Names.PRIMORDIAL_POOL_ID)).isEqualTo(CAPACITY - 2 * concrete);
        assertThat(s.pool(Names.THIN_POOL_ID).subscriptionLimitBytes()).isEqualTo(4 * concrete);
        assertThat(s.systemName()).matches("SIM-[0-9A-F]{9}");
    }

    @Test
    void sizesAreRoundedUpToBlocksAndTheRoundedSizeIsConsumed() {
        long before = remaining(Names.THICK_POOL_ID);
        MethodResult r = create(Names.THICK_POOL_ID, "a", 2, 1);
        assertThat(r.returnValue()).isZero();
        assertThat(r.output("Size")).isEqualTo(512L);
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(before - 512);
        VolumeRecord v = model.state().volume(deviceId(r));
        assertThat(v.blocks()).isEqualTo(1);
        assertThat(v.naaId()).hasSize(32).startsWith("6" + ArrayModel.NAA_COMPANY_ID + model.state().serial());
    }

    @Test
    void returnCodesFollowTheProfile() {
        long remaining = remaining(Names.THICK_POOL_ID);
        assertThat(create(Names.THICK_POOL_ID, "zero", 2, 0).returnValue()).isEqualTo(5);
        assertThat(create(Names.THICK_POOL_ID, "odd-type", 4, 512).returnValue()).isEqualTo(5);
        assertThat(create(Names.PRIMORDIAL_POOL_ID, "raw", 2, 512).returnValue()).isEqualTo(5);
        MethodResult tooBig = create(Names.THICK_POOL_ID, "big", 2, remaining + 1);
        assertThat(tooBig.returnValue()).isEqualTo(4097);
        assertThat(tooBig.output("Size")).isEqualTo(remaining / 512 * 512);
        // A uint64 beyond Long.MAX_VALUE arrives as a negative long.
        assertThat(create(Names.THICK_POOL_ID, "huge", 2, -1L).returnValue()).isEqualTo(4097);
        assertThat(create(Names.THICK_POOL_ID, "exact", 2, remaining).returnValue()).isZero();
        assertThat(remaining(Names.THICK_POOL_ID)).isZero();
        assertThat(create(Names.THIN_POOL_ID, "exact", 5, 512).returnValue()).as("duplicate name").isEqualTo(4);
        assertThat(call(Names.CREATE_OR_MODIFY, Map.of("Size", 512L)).returnValue()).as("no pool").isEqualTo(5);
        assertThat(call(Names.RETURN_TO_POOL, Map.of()).returnValue()).isEqualTo(5);
        assertThatThrownBy(() -> delete("FFFFF")).isInstanceOf(CimException.class)
                .extracting(e -> ((CimException) e).code()).isEqualTo(6);
        assertThatThrownBy(() -> create("SIM:POOL-9", "x", 2, 512)).isInstanceOf(CimException.class)
                .extracting(e -> ((CimException) e).code()).isEqualTo(6);
    }

    @Test
    void resizingGrowsAndShrinksWithinWhatThePoolHas() throws Exception {
        String id = deviceId(create(Names.THICK_POOL_ID, "r", 2, 1 << 20));
        long free = remaining(Names.THICK_POOL_ID);
        MethodResult tooFar = resize(id, (1 << 20) + free + 512);
        assertThat(tooFar.returnValue()).isEqualTo(4097);
        assertThat(tooFar.output("Size")).isEqualTo((1L << 20) + free);
        assertThat(resize(id, 3 << 20).returnValue()).isZero();
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(free - (2 << 20));
        assertThat(Files.size(model.luns().file(id))).isEqualTo(3 << 20);
        assertThat(resize(id, 512).returnValue()).isZero();
        assertThat(remaining(Names.THICK_POOL_ID)).isEqualTo(free + (1 << 20) - 512);
        assertThat(Files.size(model.luns().file(id))).isEqualTo(512);
        Map<String, Object> withPool = new HashMap<>();
        withPool.put("TheElement", ObjectModel.volumePath(model.state(), id));
        withPool.put("InPool", ObjectModel.poolPath(Names.THICK_POOL_ID));
        assertThat(call(Names.CREATE_OR_MODIFY, withPool).returnValue()).isEqualTo(5);
        assertThat(call(Names.CREATE_OR_MODIFY, Map.of("TheElement", ObjectModel.volumePath(model.state(), id),
                "ElementName", "renamed")).returnValue()).isZero();
        assertThat(model.state().volume(id).elementName()).isEqualTo("renamed");
    }

    @Test
    void capacityStaysExactThroughARandomSequenceOfOperations() {
        Random random = new Random(42);
        long[] initial = {remaining(Names.PRIMORDIAL_POOL_ID), remaining(Names.THICK_POOL_ID),
            remaining(Names.THIN_POOL_ID)};
        for (int i = 0; i < 300; i++) {
            ArrayState s = model.state();
            int op = random.nextInt(3);
            if (op == 0 || s.volumes().isEmpty()) {
                boolean thin = random.nextBoolean();
                long size = 1 + (long) (random.nextDouble() * (thin ? 200 : 60) * (1 << 20));
                long rc = create(thin ? Names.THIN_POOL_ID : Names.THICK_POOL_ID, "v" + i, thin ? 5 : 2, size)
                        .returnValue();
                assertThat(rc).isIn(0L, 4097L);
            } else if (op == 1) {
                VolumeRecord v = s.volumes().get(random.nextInt(s.volumes().size()));
                assertThat(resize(v.deviceId(), 1 + (long) (random.nextDouble() * 80 * (1 << 20))).returnValue())
                        .isIn(0L, 4097L);
            } else {
                VolumeRecord v = s.volumes().get(random.nextInt(s.volumes().size()));
                assertThat(delete(v.deviceId()).returnValue()).isZero();
            }
            assertInvariant();
        }
        for (VolumeRecord v : model.state().volumes()) {
            delete(v.deviceId());
        }
        assertThat(new long[] {remaining(Names.PRIMORDIAL_POOL_ID), remaining(Names.THICK_POOL_ID),
            remaining(Names.THIN_POOL_ID)}).isEqualTo(initial);
    }

    /** Total = Remaining + Σ SpaceConsumed, read from the CIM instances themselves. */
    private void assertInvariant() {
        Repository repo = model.snapshot();
        for (PoolRecord p : model.state().pools()) {
            CimInstance pool = repo.require(ObjectModel.poolPath(p.id()));
            long consumed = 0;
            for (CimInstance a : repo.references(pool.path(), repo.schema().require("CIM_AllocatedFromStoragePool"),
                    "Antecedent")) {
                consumed += (Long) a.get("SpaceConsumed");
            }
            long total = (Long) pool.get("TotalManagedSpace");
            long remaining = (Long) pool.get("RemainingManagedSpace");
            assertThat(remaining).isNotNegative();
            assertThat(remaining + consumed).as(p.id()).isEqualTo(total);
            if (p.thin()) {
                assertThat(model.state().subscribedThinBytes(p)).isLessThanOrEqualTo(p.subscriptionLimitBytes());
            }
        }
    }

    @Test
    void theInstanceViewIsReusedUntilTheStateOrTheBehaviourChanges() {
        Repository first = model.snapshot();
        assertThat(model.snapshot()).isSameAs(first);
        create(Names.THICK_POOL_ID, "cached", StorageConfigurationMethods.STORAGE_VOLUME, 1 << 20);
        Repository second = model.snapshot();
        assertThat(second).isNotSameAs(first);
        assertThat(second.instancesOf(Names.ARRAY_NAMESPACE, second.schema().require("CIM_StorageVolume")))
                .hasSize(1);
        model.behaviour().set(Behaviour.defaults().withReplyMode(org.storagegateway.smis.simulator.ReplyMode.JOB));
        assertThat(model.snapshot()).as("capabilities follow the reply mode").isNotSameAs(second);
    }
}
