package org.storagegateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.spi.ErrorKind;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

class StorageServiceTests {
    private final InMemoryGatewayStore store = new InMemoryGatewayStore();
    private final FakeDriverRegistry registry = new FakeDriverRegistry();
    private final MemoryDriver driver = new MemoryDriver();
    private GatewayEngine engine;
    private GatewayOperations gateway;
    private StorageRepositoryRecord sr;

    @BeforeEach
    void startWithMemoryDriver() throws Exception {
        engine = new GatewayEngine(store, registry, Clock.systemUTC());
        engine.start();
        registry.load(driver);
        engine.awaitDriverEvents();
        gateway = engine.operations();
        sr = gateway.createStorageRepository("memory", "pool", Map.of("zone", "a", "password", "s3cret"),
                Optional.empty());
    }

    @Test
    void createStorageRepositoryKeepsSecretValuesApartAndHandsThemToTheDriver() {
        assertThat(sr.deviceConfig()).containsExactly(Map.entry("zone", "a"));
        assertThat(sr.secretKeys()).containsExactly("password");
        assertThat(driver.secretsSeen).containsEntry(sr.uuid(), "s3cret");
        assertThat(gateway.listStorageRepositories()).extracting(StorageRepositoryRecord::uuid).contains(sr.uuid());
    }

    @Test
    void createStorageRepositoryRefusesUnknownAndMissingKeys() {
        assertThatThrownBy(() -> gateway.createStorageRepository("memory", "x", Map.of("zone", "a", "colour", "b"),
                Optional.empty())).satisfies(e -> assertCode(e, StandardErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("colour");
        assertThatThrownBy(() -> gateway.createStorageRepository("memory", "x", Map.of(), Optional.empty()))
                .satisfies(e -> assertCode(e, StandardErrorCode.INVALID_ARGUMENT)).hasMessageContaining("zone");
    }

    @Test
    void unknownTypeAndUnloadedDriverAreDistinguished() {
        assertThatThrownBy(() -> gateway.createStorageRepository("nosuch", "x", Map.of(), Optional.empty()))
                .satisfies(e -> assertCode(e, StandardErrorCode.UNKNOWN_SR_TYPE));
        registry.unload("memory");
        assertThatThrownBy(() -> gateway.createStorageRepository("memory", "x", Map.of("zone", "a"),
                Optional.empty())).satisfies(e -> assertCode(e, StandardErrorCode.DRIVER_UNAVAILABLE));
        assertThatThrownBy(() -> gateway.createVirtualDisk(sr.uuid(), "d", 1 << 20, Optional.empty()))
                .satisfies(e -> assertCode(e, StandardErrorCode.DRIVER_UNAVAILABLE));
        assertThat(gateway.listDrivers()).singleElement().satisfies(d -> assertThat(d.available()).isFalse());
    }

    @Test
    void createVirtualDiskRecordsWhatTheDriverReports() {
        VirtualDiskRecord disk = gateway.createVirtualDisk(sr.uuid(), "data", 10 << 20, Optional.empty());
        assertThat(disk.nameLabel()).isEqualTo("data");
        assertThat(disk.virtualSize()).isEqualTo(10 << 20);
        assertThat(disk.physicalUtilisation()).isEqualTo(4096);
        assertThat(disk.managed()).isTrue();
        assertThat(gateway.listVirtualDisks(sr.uuid())).extracting(VirtualDiskRecord::uuid).containsExactly(disk.uuid());
    }

    @Test
    void sameIdempotencyKeyReturnsSameResultWithoutActingAgain() {
        VirtualDiskRecord first = gateway.createVirtualDisk(sr.uuid(), "data", 1 << 20, Optional.of("k1"));
        VirtualDiskRecord again = gateway.createVirtualDisk(sr.uuid(), "data", 1 << 20, Optional.of("k1"));
        assertThat(again.uuid()).isEqualTo(first.uuid());
        assertThat(driver.creates).hasValue(1);
        assertThatThrownBy(() -> gateway.createVirtualDisk(sr.uuid(), "other", 1 << 20, Optional.of("k1")))
                .satisfies(e -> assertCode(e, StandardErrorCode.IDEMPOTENCY_KEY_REUSED));
    }

    @Test
    void cloneMakesTheOldContentAHiddenBaseCopyAndKeepsTheSourceIdentity() {
        VirtualDiskRecord source = gateway.createVirtualDisk(sr.uuid(), "golden", 1 << 20, Optional.empty());
        VirtualDiskRecord clone = gateway.cloneVirtualDisk(source.uuid(), "clone-1", Optional.empty());

        VirtualDiskRecord sourceNow = gateway.getVirtualDisk(source.uuid());
        String baseUuid = sourceNow.parentUuid().orElseThrow();
        VirtualDiskRecord base = gateway.getVirtualDisk(baseUuid);
        assertThat(clone.parentUuid()).contains(baseUuid);
        assertThat(clone.snapshot()).isFalse();
        assertThat(clone.readOnly()).isFalse();
        assertThat(base.hidden()).isTrue();
        assertThat(base.managed()).isFalse();
        assertThat(base.readOnly()).isTrue();
        assertThat(gateway.listVirtualDisks(sr.uuid())).extracting(VirtualDiskRecord::uuid)
                .containsExactlyInAnyOrder(source.uuid(), clone.uuid());
        assertThatThrownBy(() -> gateway.cloneVirtualDisk(baseUuid, "x", Optional.empty()))
                .satisfies(e -> assertCode(e, StandardErrorCode.OPERATION_NOT_ALLOWED));
    }

    @Test
    void aCloneCostsTwoStoreTransactionsTheJournalAndTheResult() {
        VirtualDiskRecord source = gateway.createVirtualDisk(sr.uuid(), "golden", 1 << 20, Optional.empty());
        int before = store.transactions();
        VirtualDiskRecord clone = gateway.cloneVirtualDisk(source.uuid(), "clone-1", Optional.empty());
        assertThat(store.transactions() - before).isEqualTo(2);
        assertThat(clone).isEqualTo(gateway.getVirtualDisk(clone.uuid()));
    }

    @Test
    void aReplayIsAnsweredBeforeTheRequestIsValidatedAgain() {
        VirtualDiskRecord disk = gateway.createVirtualDisk(sr.uuid(), "doomed", 1 << 20, Optional.empty());
        TaskRecord deleted = gateway.deleteVirtualDisk(disk.uuid(), Optional.of("delete-once"));
        // The VDI is gone, so the request would no longer validate; the same key still answers the same task.
        assertThat(gateway.deleteVirtualDisk(disk.uuid(), Optional.of("delete-once")).uuid())
                .isEqualTo(deleted.uuid());
        assertThatThrownBy(() -> gateway.deleteVirtualDisk(disk.uuid(), Optional.empty()))
                .satisfies(e -> assertCode(e, StandardErrorCode.VDI_NOT_FOUND));
        VirtualDiskRecord source = gateway.createVirtualDisk(sr.uuid(), "golden", 1 << 20, Optional.empty());
        VirtualDiskRecord clone = gateway.cloneVirtualDisk(source.uuid(), "copy", Optional.of("clone-once"));
        gateway.deleteVirtualDisk(source.uuid(), Optional.empty());
        assertThat(gateway.cloneVirtualDisk(source.uuid(), "copy", Optional.of("clone-once")).uuid())
                .isEqualTo(clone.uuid());
    }

    @Test
    void snapshotIsReadOnlyAndRemembersItsSource() {
        VirtualDiskRecord source = gateway.createVirtualDisk(sr.uuid(), "vm disk", 1 << 20, Optional.empty());
        VirtualDiskRecord snapshot = gateway.snapshotVirtualDisk(source.uuid(), Optional.empty());
        assertThat(snapshot.snapshot()).isTrue();
        assertThat(snapshot.snapshotOf()).contains(source.uuid());
        assertThat(snapshot.readOnly()).isTrue();
        assertThat(snapshot.nameLabel()).isEqualTo("vm disk");
    }

    @Test
    void driverFailureEndsTheTaskInFailureAndIsReplayedForTheSameKey() {
        driver.nextFailure.set(MemoryDriver.failure());
        assertThatThrownBy(() -> gateway.createVirtualDisk(sr.uuid(), "d", 1 << 20, Optional.of("full")))
                .satisfies(e -> assertCode(e, StandardErrorCode.INSUFFICIENT_SPACE));
        assertThatThrownBy(() -> gateway.createVirtualDisk(sr.uuid(), "d", 1 << 20, Optional.of("full")))
                .satisfies(e -> assertCode(e, StandardErrorCode.INSUFFICIENT_SPACE))
                .hasMessage("The pool is full");
        assertThat(driver.creates).hasValue(1);
        TaskRecord task = store.inTransaction(tx -> tx.tasks().findByIdempotencyKey("client:full")).orElseThrow();
        assertThat(task.state()).isEqualTo(TaskState.FAILURE);
        assertThat(task.errorKind()).contains(ErrorKind.INSUFFICIENT_RESOURCES.name());
    }

    @Test
    void cancelStopsATaskAtItsNextSafePoint() throws Exception {
        driver.holdCreateUntilCancelled = new CountDownLatch(1);
        CompletableFuture<VirtualDiskRecord> call = CompletableFuture.supplyAsync(
                () -> gateway.createVirtualDisk(sr.uuid(), "slow", 1 << 20, Optional.of("slow")));
        assertThat(driver.createEntered.await(10, TimeUnit.SECONDS)).isTrue();
        TaskRecord running = store.inTransaction(tx -> tx.tasks().findByIdempotencyKey("client:slow")).orElseThrow();
        assertThat(running.state()).isEqualTo(TaskState.RUNNING);
        assertThat(running.journal()).isPresent();

        gateway.cancelTask(running.uuid());

        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
                .cause().satisfies(e -> assertCode(e, StandardErrorCode.CANCELLED));
        TaskRecord cancelled = gateway.getTask(running.uuid());
        assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(cancelled.cancelRequested()).isTrue();
        assertThat(gateway.listVirtualDisks(sr.uuid())).isEmpty();
    }

    @Test
    void deleteRemovesTheRecordAndForgetsOrphanedBaseCopies() {
        VirtualDiskRecord source = gateway.createVirtualDisk(sr.uuid(), "golden", 1 << 20, Optional.empty());
        VirtualDiskRecord clone = gateway.cloneVirtualDisk(source.uuid(), "c", Optional.empty());
        TaskRecord task = gateway.deleteVirtualDisk(clone.uuid(), Optional.of("del"));
        assertThat(task.state()).isEqualTo(TaskState.SUCCESS);
        assertThatThrownBy(() -> gateway.getVirtualDisk(clone.uuid()))
                .satisfies(e -> assertCode(e, StandardErrorCode.VDI_NOT_FOUND));
        assertThat(gateway.deleteVirtualDisk(clone.uuid(), Optional.of("del")).uuid()).isEqualTo(task.uuid());
    }

    @Test
    void tasksLeftRunningAreInterruptedAndReconciledFromTheStorageOnceTheDriverLoads() throws Exception {
        String onStorage = "11111111-1111-1111-1111-111111111111";
        String neverMade = "22222222-2222-2222-2222-222222222222";
        driver.disks.put(onStorage, new org.storagegateway.spi.model.VdiInfo(onStorage, 1 << 20, 4096, false, false,
                Optional.empty(), Map.of()));
        store.useTransaction(tx -> {
            tx.tasks().save(runningCreate(onStorage, "k-forward"));
            tx.tasks().save(runningCreate(neverMade, "k-back"));
        });
        engine.close();
        registry.unload("memory");

        GatewayEngine restarted = new GatewayEngine(store, registry, Clock.systemUTC());
        assertThat(restarted.start()).isEqualTo(2);
        TaskRecord waiting = store.inTransaction(tx -> tx.tasks().findByIdempotencyKey("client:k-forward")).orElseThrow();
        assertThat(waiting.state()).isEqualTo(TaskState.INTERRUPTED);
        assertThat(waiting.resolution()).isEmpty();

        registry.load(driver);
        restarted.awaitDriverEvents();

        TaskRecord forward = restarted.operations().getTask(waiting.uuid());
        assertThat(forward.resolution()).contains("ROLLED_FORWARD");
        assertThat(forward.resultUuid()).contains(onStorage);
        assertThat(restarted.operations().getVirtualDisk(onStorage).nameLabel()).isEqualTo("recovered");
        TaskRecord back = store.inTransaction(tx -> tx.tasks().findByIdempotencyKey("client:k-back")).orElseThrow();
        assertThat(back.resolution()).contains("ROLLED_BACK");
        // A retry of the rolled-forward request answers with the VDI the storage had.
        assertThat(restarted.operations().createVirtualDisk(sr.uuid(), "recovered", 1 << 20, Optional.of("k-forward"))
                .uuid()).isEqualTo(onStorage);
        restarted.close();
    }

    private TaskRecord runningCreate(String vdiUuid, String key) {
        String fingerprint = fingerprintOf(key);
        return TaskRecord.pending(java.util.UUID.randomUUID().toString(), StorageService.VDI_CREATE, "client:" + key,
                fingerprint, Optional.of(vdiUuid), Optional.of(Journal.of("srUuid", sr.uuid(), "vdiUuid", vdiUuid,
                        "nameLabel", "recovered").toJson()), Instant.now()).withState(TaskState.RUNNING);
    }

    /** The fingerprint the service computes for createVirtualDisk(sr, "recovered", 1 MiB). */
    private String fingerprintOf(String key) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {StorageService.VDI_CREATE, sr.uuid(), "recovered", Integer.toString(1 << 20)}) {
                digest.update(part.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertCode(Throwable e, StandardErrorCode expected) {
        assertThat(e).isInstanceOf(StorageException.class);
        assertThat(((StorageException) e).errorCode().code()).isEqualTo(expected.code());
        assertThat(((StorageException) e).errorCode().name()).isEqualTo(expected.name());
    }
}
