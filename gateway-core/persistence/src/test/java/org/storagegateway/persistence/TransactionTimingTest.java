package org.storagegateway.persistence;

import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;

/** Measures (does not assert) the time of typical small transactions, with Derby fully durable. */
class TransactionTimingTest {
    private static final int WARM_UP = 1000;
    private static final int ITERATIONS = 500;

    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void timeOfTypicalSmallTransactions() {
        store.use(tx -> tx.virtualDisks().save(Records.fullVdi("source", "sr", Records.T0)));
        for (int i = 0; i < WARM_UP; i++) {
            saveVdiAndTask("warm-" + i);
            cloneTransactions("warm-" + i);
        }
        long[] single = new long[ITERATIONS];
        long[] clone = new long[ITERATIONS];
        for (int i = 0; i < ITERATIONS; i++) {
            long start = System.nanoTime();
            saveVdiAndTask("run-" + i);
            single[i] = System.nanoTime() - start;
            start = System.nanoTime();
            cloneTransactions("run-" + i);
            clone[i] = System.nanoTime() - start;
        }
        report("save VDI + task, 1 transaction", single);
        report("clone bookkeeping, 3 transactions", clone);
    }

    private void saveVdiAndTask(String id) {
        store.use(tx -> {
            tx.virtualDisks().save(Records.plainVdi("vdi-" + id, "sr", Instant.now()));
            tx.tasks().save(Records.pendingTask("task-" + id, "key-" + id, Instant.now()));
        });
    }

    /** What the engine does around one clone: create the task, mark it running, record the result. */
    private void cloneTransactions(String id) {
        String key = "key-" + id;
        TaskRecord task = store.tx(tx -> {
            Optional<TaskRecord> existing = tx.tasks().findByIdempotencyKey(key);
            if (existing.isPresent()) {
                return existing.get();
            }
            tx.virtualDisks().find("source").orElseThrow();
            TaskRecord created = Records.pendingTask("task-" + id, key, Instant.now());
            tx.tasks().save(created);
            return created;
        });
        store.use(tx -> tx.tasks().save(Records.withState(task, TaskState.RUNNING)));
        store.use(tx -> {
            VirtualDiskRecord source = tx.virtualDisks().find("source").orElseThrow();
            tx.virtualDisks().save(Records.plainVdi("clone-" + id, source.srUuid(), Instant.now()));
            tx.tasks().save(Records.withState(task, TaskState.SUCCESS));
        });
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double avg = Arrays.stream(nanos).average().orElse(0) / 1e6;
        System.out.printf("%s over %d iterations: avg %.3f ms, p50 %.3f ms, p95 %.3f ms, p99 %.3f ms%n", what,
                nanos.length, avg, sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.95)] / 1e6,
                sorted[(int) (sorted.length * 0.99)] / 1e6);
    }
}
