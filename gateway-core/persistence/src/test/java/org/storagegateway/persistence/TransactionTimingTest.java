package org.storagegateway.persistence;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;

/** Measures (does not assert) the wall and CPU time of typical small transactions, with Derby fully durable. */
class TransactionTimingTest {
    private static final int WARM_UP = 1000;
    private static final int ITERATIONS = 500;

    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void timeOfTypicalSmallTransactions() {
        store.use(tx -> {
            tx.repositories().save(Records.sr("sr", Records.T0));
            tx.virtualDisks().save(Records.fullVdi("source", "sr", Records.T0));
        });
        for (int i = 0; i < WARM_UP; i++) {
            saveVdiAndTask("warm-" + i);
            cloneTransactions("warm-" + i);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] single = new long[ITERATIONS];
        long[] clone = new long[ITERATIONS];
        long singleCpu = 0;
        long cloneCpu = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            saveVdiAndTask("run-" + i);
            single[i] = System.nanoTime() - start;
            long between = threads.getCurrentThreadCpuTime();
            singleCpu += between - cpu;
            start = System.nanoTime();
            cloneTransactions("run-" + i);
            clone[i] = System.nanoTime() - start;
            cloneCpu += threads.getCurrentThreadCpuTime() - between;
        }
        report("save VDI + task, 1 transaction", single, singleCpu);
        report("clone bookkeeping as the engine does it, 2 transactions", clone, cloneCpu);
    }

    private void saveVdiAndTask(String id) {
        store.use(tx -> {
            tx.virtualDisks().save(Records.plainVdi("vdi-" + id, "sr", Instant.now()));
            tx.tasks().save(Records.pendingTask("task-" + id, "key-" + id, Instant.now()));
        });
    }

    /**
     * The store work of one clone, as TaskRunner and StorageService do it: the journal (read the source and its SR,
     * insert the task RUNNING), then the completion (read the source, insert the new VDI, update the source, read the
     * task and save it SUCCESS).
     */
    private void cloneTransactions(String id) {
        TaskRecord task = store.tx(tx -> {
            tx.virtualDisks().find("source").orElseThrow();
            tx.repositories().find("sr").orElseThrow();
            TaskRecord pending = Records.pendingTask("clone-task-" + id, "clone-key-" + id, Instant.now());
            TaskRecord running = Records.withState(pending, TaskState.RUNNING);
            tx.tasks().insert(running);
            return running;
        });
        store.use(tx -> {
            VirtualDiskRecord source = tx.virtualDisks().find("source").orElseThrow();
            tx.virtualDisks().insert(Records.plainVdi("clone-" + id, source.srUuid(), Instant.now()));
            tx.virtualDisks().save(source);
            TaskRecord current = tx.tasks().find(task.uuid()).orElseThrow();
            tx.tasks().save(Records.withState(current, TaskState.SUCCESS));
        });
    }

    private static void report(String what, long[] nanos, long threadCpuNanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double avg = Arrays.stream(nanos).average().orElse(0) / 1e6;
        System.out.printf("%s over %d iterations: avg %.3f ms, p50 %.3f ms, p95 %.3f ms, p99 %.3f ms;"
                + " thread CPU %.0f us each%n", what, nanos.length, avg, sorted[sorted.length / 2] / 1e6,
                sorted[(int) (sorted.length * 0.95)] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6,
                threadCpuNanos / 1e3 / nanos.length);
    }
}
