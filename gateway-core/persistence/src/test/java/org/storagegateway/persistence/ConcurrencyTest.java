package org.storagegateway.persistence;

import org.storagegateway.engine.port.StoreConflictException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;

class ConcurrencyTest {
    private static final int THREADS = 8;

    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void eightThreadsInsertingConcurrentlyLoseNothing() throws Exception {
        int perThread = 50;
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Callable<Void>> jobs = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            jobs.add(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    String id = thread + "-" + i;
                    store.use(tx -> {
                        // The same mix the engine does: look up, then write a VDI and a task, and read back a list.
                        tx.tasks().findByIdempotencyKey("key-" + id);
                        tx.virtualDisks().save(Records.plainVdi("vdi-" + id, "sr-" + thread, Records.T0));
                        tx.tasks().save(Records.pendingTask("task-" + id, "key-" + id, Records.T0));
                        tx.driverState().put("nfs", "job/" + id, id);
                    });
                }
                return null;
            });
        }

        runAll(jobs);

        int vdis = 0;
        for (int t = 0; t < THREADS; t++) {
            String sr = "sr-" + t;
            List<VirtualDiskRecord> onSr = store.tx(tx -> tx.virtualDisks().listBySr(sr));
            assertThat(onSr).hasSize(perThread);
            vdis += onSr.size();
        }
        List<TaskRecord> tasks = store.tx(tx -> tx.tasks().listByState(TaskState.PENDING));
        int entries = store.tx(tx -> tx.driverState().entries("nfs", "job/").size());
        assertThat(vdis).isEqualTo(THREADS * perThread);
        assertThat(tasks).hasSize(THREADS * perThread);
        assertThat(entries).isEqualTo(THREADS * perThread);
    }

    /**
     * Protects against a shared {@code Calendar} in the timestamp binding: Hibernate's UTC timestamp type hands one
     * static calendar to every {@code setTimestamp}, and Derby changes the calendar it is given, so concurrent writers
     * stored wrong instants or failed with SQL state 22007.
     */
    @Test
    void instantsWrittenAndReadByConcurrentTransactionsRoundTripExactly() throws Exception {
        int perThread = 150;
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Callable<Void>> jobs = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            jobs.add(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    String id = thread + "-" + i;
                    // Instants far apart, so that a calendar shared with another thread shows in the value.
                    Instant at = Instant.parse("2001-01-01T00:00:00Z").plusSeconds(86_400L * 365 * thread + 3_601L * i)
                            .plusNanos(1_000L * i);
                    store.use(tx -> tx.virtualDisks().insert(Records.plainVdi("vdi-" + id, "sr-" + thread, at)));
                    Optional<VirtualDiskRecord> back = store.tx(tx -> tx.virtualDisks().find("vdi-" + id));
                    assertThat(back).map(VirtualDiskRecord::createdAt).contains(at);
                }
                return null;
            });
        }

        runAll(jobs);
    }

    @Test
    void concurrentReadModifyWriteFailsTheLaterTransactionInsteadOfLosingAnUpdate() throws Exception {
        int perThread = 25;
        AtomicInteger conflicts = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Callable<Void>> jobs = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            jobs.add(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    while (true) {
                        try {
                            store.use(tx -> {
                                int value = tx.driverState().get("nfs", "counter").map(Integer::parseInt).orElse(0);
                                tx.driverState().put("nfs", "counter", Integer.toString(value + 1));
                                VirtualDiskRecord vdi = tx.virtualDisks().find("shared")
                                        .orElse(Records.plainVdi("shared", "sr", Records.T0));
                                tx.virtualDisks().save(new VirtualDiskRecord(vdi.uuid(), vdi.srUuid(),
                                        vdi.nameLabel(), vdi.virtualSize(), vdi.physicalUtilisation() + 1,
                                        vdi.readOnly(), vdi.managed(), vdi.hidden(), vdi.parentUuid(),
                                        vdi.snapshot(), vdi.snapshotOf(), vdi.smConfig(), vdi.createdAt()));
                            });
                            break;
                        } catch (StoreConflictException e) {
                            conflicts.incrementAndGet();
                        }
                    }
                }
                return null;
            });
        }

        runAll(jobs);

        Optional<String> counter = store.tx(tx -> tx.driverState().get("nfs", "counter"));
        Optional<VirtualDiskRecord> shared = store.tx(tx -> tx.virtualDisks().find("shared"));
        assertThat(counter).contains(Integer.toString(THREADS * perThread));
        assertThat(shared.orElseThrow().physicalUtilisation()).isEqualTo(THREADS * perThread);
        System.out.printf("read-modify-write: %d increments, %d conflicts retried%n", THREADS * perThread,
                conflicts.get());
    }

    @Test
    void racingTasksWithTheSameIdempotencyKeyLeaveExactlyOne() throws Exception {
        for (int round = 0; round < 10; round++) {
            String key = "race-" + round;
            CyclicBarrier start = new CyclicBarrier(THREADS);
            AtomicInteger duplicates = new AtomicInteger();
            List<Callable<Void>> jobs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                String uuid = key + "-task-" + t;
                jobs.add(() -> {
                    start.await();
                    try {
                        store.use(tx -> {
                            if (tx.tasks().findByIdempotencyKey(key).isEmpty()) {
                                tx.tasks().save(Records.pendingTask(uuid, key, Records.T0));
                            }
                        });
                    } catch (DuplicateIdempotencyKeyException e) {
                        duplicates.incrementAndGet();
                    }
                    return null;
                });
            }

            runAll(jobs);

            List<TaskRecord> withKey = store.tx(tx -> tx.tasks().listByState(TaskState.PENDING).stream()
                    .filter(task -> task.idempotencyKey().equals(key)).toList());
            assertThat(withKey).hasSize(1);
            assertThat(duplicates.get()).isLessThanOrEqualTo(THREADS - 1);
        }
    }

    @Test
    void writingARowAConcurrentTransactionChangedAfterItWasReadIsAConflict() {
        VirtualDiskRecord original = Records.plainVdi("v1", "sr", Records.T0);
        store.use(tx -> tx.virtualDisks().save(original));
        VirtualDiskRecord theirs = Records.fullVdi("v1", "sr", Records.T0);

        assertThatThrownBy(() -> store.use(tx -> {
            VirtualDiskRecord read = tx.virtualDisks().find("v1").orElseThrow();
            inAnotherTransaction(other -> other.virtualDisks().save(theirs));
            tx.virtualDisks().save(Records.fullVdi(read.uuid(), "mine", read.createdAt()));
        })).isInstanceOf(StoreConflictException.class);

        Optional<VirtualDiskRecord> kept = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(kept).contains(theirs);
    }

    @Test
    void writingOrDeletingARowAConcurrentTransactionDeletedAfterItWasReadIsAConflict() {
        store.use(tx -> tx.driverState().put("nfs", "k", "v"));
        assertThatThrownBy(() -> store.use(tx -> {
            tx.driverState().get("nfs", "k").orElseThrow();
            inAnotherTransaction(other -> other.driverState().remove("nfs", "k"));
            tx.driverState().put("nfs", "k", "mine");
        })).isInstanceOf(StoreConflictException.class);
        Optional<String> gone = store.tx(tx -> tx.driverState().get("nfs", "k"));
        assertThat(gone).isEmpty();

        store.use(tx -> tx.tasks().save(Records.pendingTask("t1", "key", Records.T0)));
        assertThatThrownBy(() -> store.use(tx -> {
            tx.tasks().find("t1").orElseThrow();
            inAnotherTransaction(other -> other.tasks().save(Records.withState(
                    Records.pendingTask("t1", "key", Records.T0), TaskState.RUNNING)));
            tx.tasks().delete("t1");
        })).isInstanceOf(StoreConflictException.class);
        Optional<TaskRecord> kept = store.tx(tx -> tx.tasks().find("t1"));
        assertThat(kept.orElseThrow().state()).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void creatingARowAConcurrentTransactionCreatedAfterThisOneFoundItAbsentIsAConflict() {
        assertThatThrownBy(() -> store.use(tx -> {
            assertThat(tx.driverState().get("nfs", "job")).isEmpty();
            inAnotherTransaction(other -> other.driverState().put("nfs", "job", "theirs"));
            tx.driverState().put("nfs", "job", "mine");
        })).isInstanceOf(StoreConflictException.class).hasMessageContaining("found none");
        Optional<String> theirs = store.tx(tx -> tx.driverState().get("nfs", "job"));
        assertThat(theirs).contains("theirs");

        VirtualDiskRecord their = Records.fullVdi("v9", "sr", Records.T0);
        assertThatThrownBy(() -> store.use(tx -> {
            assertThat(tx.virtualDisks().find("v9")).isEmpty();
            inAnotherTransaction(other -> other.virtualDisks().save(their));
            tx.virtualDisks().save(Records.plainVdi("v9", "sr", Records.T0));
        })).isInstanceOf(StoreConflictException.class);
        Optional<VirtualDiskRecord> kept = store.tx(tx -> tx.virtualDisks().find("v9"));
        assertThat(kept).contains(their);
    }

    @Test
    void findingARowAbsentThenCreatingItInTheSameTransactionIsFine() {
        store.use(tx -> {
            assertThat(tx.virtualDisks().find("v1")).isEmpty();
            tx.virtualDisks().save(Records.plainVdi("v1", "sr", Records.T0));
            assertThat(tx.virtualDisks().find("v1")).isPresent();
            tx.virtualDisks().save(Records.fullVdi("v1", "sr", Records.T0));
            tx.virtualDisks().delete("v1");
            assertThat(tx.virtualDisks().find("v1")).isEmpty();
            tx.virtualDisks().save(Records.plainVdi("v1", "sr", Records.T0));
        });
        Optional<VirtualDiskRecord> found = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(found).contains(Records.plainVdi("v1", "sr", Records.T0));
    }

    /** Run a transaction on another thread and wait for it, from inside a transaction of this thread. */
    private void inAnotherTransaction(java.util.function.Consumer<org.storagegateway.engine.port.StoreTransaction> work) {
        try {
            pool.submit(() -> store.use(work)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void runAll(List<Callable<Void>> jobs) throws Exception {
        List<Future<Void>> futures = new ArrayList<>();
        for (Callable<Void> job : jobs) {
            futures.add(pool.submit(job));
        }
        for (Future<Void> f : futures) {
            f.get(120, TimeUnit.SECONDS); // a deadlock would show as a timeout here
        }
    }
}
