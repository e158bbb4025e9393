package org.storagegateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.VdiInfo;

/**
 * resizeVirtualDisk: a journaled task that grows a VDI through its driver, refuses what it cannot do with typed
 * errors, tells the guests of an attached VDI, and is reconciled from the size the storage reports.
 */
class ResizeVirtualDiskTests {
    private static final long MIB = 1 << 20;

    private final InMemoryGatewayStore store = new InMemoryGatewayStore();
    private final FakeDriverRegistry registry = new FakeDriverRegistry();
    private final MemoryDriver driver = new MemoryDriver();
    private final Guests guests = new Guests();
    private GatewayEngine engine;
    private GatewayOperations gateway;
    private StorageRepositoryRecord sr;
    private VirtualDiskRecord disk;

    /** Attached VDIs as a VM service would report them, and the size refreshes it was asked for. */
    private static final class Guests implements AttachedDisks {
        final Set<String> attached = new java.util.concurrent.CopyOnWriteArraySet<>();
        final List<String> refreshed = new CopyOnWriteArrayList<>();
        volatile StorageException refusal;

        @Override
        public boolean attached(String vdiUuid) {
            return attached.contains(vdiUuid);
        }

        @Override
        public void refreshSize(String vdiUuid) {
            StorageException failure = refusal;
            if (failure != null && attached.contains(vdiUuid)) {
                throw failure;
            }
            refreshed.add(vdiUuid);
        }
    }

    @BeforeEach
    void diskOnMemoryDriver() throws Exception {
        engine = start();
        sr = gateway.createStorageRepository("memory", "pool", Map.of("zone", "a"), Optional.empty());
        disk = gateway.createVirtualDisk(sr.uuid(), "data", 4 * MIB, Optional.empty());
    }

    private GatewayEngine start() throws Exception {
        GatewayEngine started = new GatewayEngine(store, registry, Clock.systemUTC());
        started.start();
        registry.load(driver);
        started.awaitDriverEvents();
        gateway = started.operations();
        ((StorageService) gateway).useAttachedDisks(guests);
        return started;
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void growingRecordsTheSizeTheDriverReportsAsASuccessfulTask() {
        VirtualDiskRecord grown = gateway.resizeVirtualDisk(disk.uuid(), 12 * MIB, Optional.empty());

        assertThat(grown.virtualSize()).isEqualTo(12 * MIB);
        assertThat(gateway.getVirtualDisk(disk.uuid())).isEqualTo(grown);
        assertThat(driver.disks.get(disk.uuid()).virtualSize()).isEqualTo(12 * MIB);
        TaskRecord task = store.inTransaction(tx -> tx.tasks().listByState(TaskState.SUCCESS)).stream()
                .filter(t -> t.operation().equals(StorageService.VDI_RESIZE)).findFirst().orElseThrow();
        assertThat(task.journal()).hasValueSatisfying(journal -> assertThat(Journal.fromJson(journal).entries())
                .containsEntry("vdiUuid", disk.uuid()).containsEntry("virtualSizeBytes", Long.toString(12 * MIB)));
        assertThat(task.resultUuid()).contains(disk.uuid());
    }

    @Test
    void theSameIdempotencyKeyAnswersAgainWithoutResizingAgain() {
        gateway.resizeVirtualDisk(disk.uuid(), 8 * MIB, Optional.of("grow-1"));
        VirtualDiskRecord again = gateway.resizeVirtualDisk(disk.uuid(), 8 * MIB, Optional.of("grow-1"));

        assertThat(again.virtualSize()).isEqualTo(8 * MIB);
        assertThat(driver.resizes).hasValue(1);
        assertCode(() -> gateway.resizeVirtualDisk(disk.uuid(), 9 * MIB, Optional.of("grow-1")),
                StandardErrorCode.IDEMPOTENCY_KEY_REUSED);
    }

    @Test
    void shrinkingAndSizesBelowOneByteAreInvalidArgumentsAndLeaveTheStorageAlone() {
        gateway.resizeVirtualDisk(disk.uuid(), 8 * MIB, Optional.empty());

        assertCode(() -> gateway.resizeVirtualDisk(disk.uuid(), 4 * MIB, Optional.empty()),
                StandardErrorCode.INVALID_ARGUMENT);
        assertCode(() -> gateway.resizeVirtualDisk(disk.uuid(), 0, Optional.empty()),
                StandardErrorCode.INVALID_ARGUMENT);
        assertThat(driver.resizes).hasValue(1);
        assertThat(gateway.getVirtualDisk(disk.uuid()).virtualSize()).isEqualTo(8 * MIB);
    }

    @Test
    void aHiddenBaseCopyAnUnknownVdiAndADriverWithoutResizeAreRefusedWithTheirCodes() {
        gateway.cloneVirtualDisk(disk.uuid(), "clone", Optional.empty());
        String baseCopy = gateway.getVirtualDisk(disk.uuid()).parentUuid().orElseThrow();

        assertCode(() -> gateway.resizeVirtualDisk(baseCopy, 8 * MIB, Optional.empty()),
                StandardErrorCode.OPERATION_NOT_ALLOWED);
        assertCode(() -> gateway.resizeVirtualDisk(UUID.randomUUID().toString(), 8 * MIB, Optional.empty()),
                StandardErrorCode.VDI_NOT_FOUND);
        driver.capabilities = EnumSet.of(Capability.VDI_CREATE, Capability.VDI_DELETE);
        assertCode(() -> gateway.resizeVirtualDisk(disk.uuid(), 8 * MIB, Optional.empty()),
                StandardErrorCode.UNSUPPORTED_OPERATION);
        assertThat(driver.resizes).hasValue(0);
    }

    @Test
    void anAttachedVdiOnADriverWithoutOnlineResizeIsRefusedAsInUse() {
        guests.attached.add(disk.uuid());
        driver.capabilities = EnumSet.of(Capability.VDI_CREATE, Capability.VDI_RESIZE);

        assertThatThrownBy(() -> gateway.resizeVirtualDisk(disk.uuid(), 8 * MIB, Optional.empty()))
                .satisfies(e -> assertCode(e, StandardErrorCode.VDI_IN_USE))
                .hasMessageContaining("attached").hasMessageContaining("VDI_RESIZE_ONLINE");
        assertThat(driver.resizes).hasValue(0);

        guests.attached.clear();
        assertThat(gateway.resizeVirtualDisk(disk.uuid(), 8 * MIB, Optional.empty()).virtualSize())
                .isEqualTo(8 * MIB);
    }

    @Test
    void anAttachedVdiIsGrownOnlineAndItsGuestsAreToldAfterTheDriverGrewIt() {
        guests.attached.add(disk.uuid());

        VirtualDiskRecord grown = gateway.resizeVirtualDisk(disk.uuid(), 16 * MIB, Optional.empty());

        assertThat(grown.virtualSize()).isEqualTo(16 * MIB);
        assertThat(guests.refreshed).containsExactly(disk.uuid());
    }

    @Test
    void aGuestThatCouldNotBeToldFailsTheTaskWithTheBridgeCodeButTheRecordKeepsTheGrownSize() {
        guests.attached.add(disk.uuid());
        guests.refusal = new StorageException(BridgeError.UNSUPPORTED, "the datapath cannot change size");

        assertThatThrownBy(() -> gateway.resizeVirtualDisk(disk.uuid(), 16 * MIB, Optional.empty()))
                .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.errorCode().code())
                        .isEqualTo(BridgeError.UNSUPPORTED.code()))
                .hasMessageContaining("grew to " + 16 * MIB).hasMessageContaining("resize it again");
        assertThat(gateway.getVirtualDisk(disk.uuid()).virtualSize()).isEqualTo(16 * MIB);

        guests.refusal = null;
        assertThat(gateway.resizeVirtualDisk(disk.uuid(), 16 * MIB, Optional.empty()).virtualSize())
                .isEqualTo(16 * MIB);
        assertThat(guests.refreshed).containsExactly(disk.uuid());
    }

    @Test
    void anInterruptedResizeRollsForwardIfTheStorageGrewAndBackIfItDidNot() throws Exception {
        VirtualDiskRecord other = gateway.createVirtualDisk(sr.uuid(), "other", 4 * MIB, Optional.empty());
        VdiInfo onStorage = driver.disks.get(disk.uuid());
        driver.disks.put(disk.uuid(), new VdiInfo(disk.uuid(), 10 * MIB, onStorage.physicalUtilisation(), false,
                false, Optional.empty(), Map.of()));
        store.useTransaction(tx -> {
            tx.tasks().save(runningResize(disk.uuid(), 10 * MIB, "k-forward"));
            tx.tasks().save(runningResize(other.uuid(), 10 * MIB, "k-back"));
        });
        engine.close();
        engine = start();

        TaskRecord forward = task("k-forward");
        assertThat(forward.state()).isEqualTo(TaskState.INTERRUPTED);
        assertThat(forward.resolution()).contains("ROLLED_FORWARD");
        assertThat(gateway.getVirtualDisk(disk.uuid()).virtualSize()).isEqualTo(10 * MIB);
        assertThat(task("k-back").resolution()).contains("ROLLED_BACK");
        assertThat(gateway.getVirtualDisk(other.uuid()).virtualSize()).isEqualTo(4 * MIB);
        // The rolled-back request runs again under its key; the rolled-forward one answers with the grown VDI.
        assertThat(gateway.resizeVirtualDisk(other.uuid(), 10 * MIB, Optional.of("k-back")).virtualSize())
                .isEqualTo(10 * MIB);
        assertThat(gateway.resizeVirtualDisk(disk.uuid(), 10 * MIB, Optional.of("k-forward")).virtualSize())
                .isEqualTo(10 * MIB);
        assertThat(driver.resizes).hasValue(1);
    }

    private TaskRecord task(String key) {
        return store.inTransaction(tx -> tx.tasks().findByIdempotencyKey("client:" + key)).orElseThrow();
    }

    private TaskRecord runningResize(String vdiUuid, long size, String key) {
        return TaskRecord.pending(UUID.randomUUID().toString(), StorageService.VDI_RESIZE, "client:" + key,
                StorageService.fingerprint(StorageService.VDI_RESIZE, vdiUuid, Long.toString(size)),
                Optional.of(vdiUuid), Optional.of(Journal.of("srUuid", sr.uuid(), "vdiUuid", vdiUuid,
                        "virtualSizeBytes", Long.toString(size)).toJson()), Instant.now())
                .withState(TaskState.RUNNING);
    }

    private static void assertCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode expected) {
        assertThatThrownBy(call).satisfies(e -> assertCode(e, expected));
    }

    private static void assertCode(Throwable e, ErrorCode expected) {
        assertThat(e).isInstanceOf(StorageException.class);
        assertThat(((StorageException) e).errorCode().code()).isEqualTo(expected.code());
        assertThat(((StorageException) e).errorCode().name()).isEqualTo(expected.name());
    }
}
