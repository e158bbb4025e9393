package org.storagegateway.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.engine.port.StoreConflictException;
import org.storagegateway.engine.port.StoreRetry;
import org.storagegateway.engine.port.StoreTransaction;
import org.storagegateway.spi.CrashPoints;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.TaskMonitor;

/**
 * Runs mutating operations as persisted tasks, journal first.
 *
 * <p>Life of a task:
 * <ol>
 *   <li>Its idempotency key is looked up first, before the request is validated. A finished task with the same key
 *       answers the call again (its result, or its error); a running one is waited for; a key reused for a different
 *       request (another fingerprint of the arguments) is refused.</li>
 *   <li>In the same transaction the request is prepared: validated against the records, which yields its journal and
 *       its body. The task is saved RUNNING with that journal, and this commit is durable before storage is
 *       touched.</li>
 *   <li>The body acts on storage and returns a {@link Completion}: the record changes that describe what it did.</li>
 *   <li>The completion and the SUCCESS state commit in one transaction; a failure commits FAILURE or CANCELLED.</li>
 * </ol>
 * A task without an idempotency key costs two store transactions: the journal (step 2) and the result (step 4).
 * If the process dies between 2 and 4, the task stays RUNNING in the store and {@link TaskRecovery} hands it to its
 * reconciler at the next start. Tasks on the same subject (a VDI, an SR) run one at a time.
 */
public final class TaskRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);
    private static final Duration PROGRESS_WRITE_INTERVAL = Duration.ofMillis(500);

    private final GatewayStore store;
    private final Clock clock;
    private final Map<String, RunningTask> running = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<TaskRecord>> runningByKey = new ConcurrentHashMap<>();
    /** Striped locks: tasks whose subjects hash alike also wait for each other, which is harmless and bounded. */
    private final ReentrantLock[] subjectLocks = new ReentrantLock[256];

    public TaskRunner(GatewayStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        for (int i = 0; i < subjectLocks.length; i++) {
            subjectLocks[i] = new ReentrantLock();
        }
    }

    /**
     * What a task is about, from the caller's arguments alone.
     *
     * @param operation the operation name, such as {@code vdi.clone}
     * @param idempotencyKey the caller's key; without one the task is never replayed
     * @param fingerprint a digest of the request's arguments, never of records read from the store
     * @param subjectUuid the object the task acts on; tasks on the same subject are serialised
     */
    public record TaskRequest(
            String operation, Optional<String> idempotencyKey, String fingerprint, Optional<String> subjectUuid) {
        public TaskRequest {
            Objects.requireNonNull(operation, "operation is null");
            Objects.requireNonNull(idempotencyKey, "idempotencyKey is null");
            Objects.requireNonNull(fingerprint, "fingerprint is null");
            Objects.requireNonNull(subjectUuid, "subjectUuid is null");
        }
    }

    /**
     * The fingerprint of a request whose arguments are exactly its journal: the operation and the journal's entries,
     * in key order.
     */
    public static String fingerprint(String operation, Journal arguments) {
        List<String> parts = new ArrayList<>();
        parts.add(operation);
        new TreeMap<>(arguments.entries()).forEach((key, value) -> {
            parts.add(key);
            parts.add(value);
        });
        return StorageService.fingerprint(parts.toArray(String[]::new));
    }

    /**
     * Validates a request against the records, inside the transaction that journals the task, and returns its plan.
     * It throws a {@link StorageException} to refuse the request, which then leaves no task behind.
     */
    @FunctionalInterface
    public interface Preparation {
        Plan prepare(StoreTransaction tx);
    }

    /**
     * A validated request: its intent, written before the body runs, and the body.
     *
     * @param journal the intent; after a crash the reconciler reads it
     * @param body the part that acts on storage
     */
    public record Plan(Journal journal, Body body) {
        public Plan {
            Objects.requireNonNull(journal, "journal is null");
            Objects.requireNonNull(body, "body is null");
        }
    }

    /** The part of a task that acts on storage. */
    @FunctionalInterface
    public interface Body {
        Completion run(TaskMonitor monitor);
    }

    /** Record changes committed together with the task's success; returns the UUID of the task's result, if any. */
    @FunctionalInterface
    public interface Completion {
        Optional<String> apply(StoreTransaction tx);
    }

    /**
     * Run a task to its end and return its terminal record: replay an earlier task with the same idempotency key, or
     * prepare, journal and run a new one.
     *
     * @throws StorageException with the task's error if it failed or was cancelled (also when replayed), or the error
     *         with which the preparation refused the request
     */
    public TaskRecord run(TaskRequest request, Preparation preparation) {
        String key = request.idempotencyKey().map(k -> "client:" + k).orElseGet(() -> "gateway:" + UUID.randomUUID());
        while (true) {
            CompletableFuture<TaskRecord> mine = new CompletableFuture<>();
            CompletableFuture<TaskRecord> other = runningByKey.putIfAbsent(key, mine);
            if (other != null) {
                awaitQuietly(other);
                continue;
            }
            try {
                TaskRecord finished = execute(key, request, preparation);
                mine.complete(finished);
                return answer(finished);
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                runningByKey.remove(key, mine);
            }
        }
    }

    /** Ask a task to cancel; running bodies see it at their next check. Returns the task as stored. */
    public TaskRecord requestCancel(String taskUuid) {
        TaskRecord task = StoreRetry.inTransaction(store, tx -> {
            TaskRecord found = tx.tasks().find(taskUuid).orElseThrow(() -> new StorageException(
                    StandardErrorCode.TASK_NOT_FOUND, "No task with UUID " + taskUuid));
            if (found.state().isTerminal()) {
                return found;
            }
            TaskRecord flagged = found.withCancelRequested();
            tx.tasks().save(flagged);
            return flagged;
        });
        RunningTask live = running.get(taskUuid);
        if (live != null) {
            live.cancelRequested = true;
        }
        return task;
    }

    private Optional<TaskRecord> replay(TaskRecord earlier, TaskRequest request) {
        if (!earlier.operation().equals(request.operation())
                || !earlier.requestFingerprint().equals(request.fingerprint())) {
            throw new StorageException(StandardErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "The idempotency key was already used for a different request (task " + earlier.uuid() + ")");
        }
        return switch (earlier.state()) {
            case SUCCESS, FAILURE -> Optional.of(earlier);
            case INTERRUPTED -> earlier.resolution().filter(r -> r.equals(TaskRecord.Resolution.ROLLED_FORWARD.name()))
                    .map(r -> earlier)
                    .or(() -> {
                        if (earlier.resolution().isEmpty()) {
                            throw new StorageException(StandardErrorCode.OPERATION_NOT_ALLOWED,
                                    "An interrupted attempt of this request (task " + earlier.uuid()
                                            + ") awaits reconciliation; retry once its driver is loaded");
                        }
                        return Optional.empty();
                    });
            case CANCELLED -> Optional.empty();
            case PENDING, RUNNING -> Optional.empty();
        };
    }

    /** What the journal transaction found: an earlier task to answer with, or the started task and its plan. */
    private record Begun(Optional<TaskRecord> replayed, TaskRecord started, Plan plan) {
    }

    private TaskRecord execute(String key, TaskRequest request, Preparation preparation) {
        ReentrantLock lock = request.subjectUuid()
                .map(s -> subjectLocks[Math.floorMod(s.hashCode(), subjectLocks.length)])
                .orElse(null);
        if (lock != null) {
            lock.lock();
        }
        try {
            Begun begun = store.inTransaction(tx -> {
                if (request.idempotencyKey().isPresent()) {
                    // A key the gateway just made up cannot have been used before: only callers' keys are looked up.
                    Optional<TaskRecord> earlier = tx.tasks().findByIdempotencyKey(key);
                    if (earlier.isPresent()) {
                        Optional<TaskRecord> replay = replay(earlier.get(), request);
                        if (replay.isPresent()) {
                            return new Begun(replay, null, null);
                        }
                        // A cancelled or rolled-back attempt under the same key gives way to this one.
                        tx.tasks().delete(earlier.get().uuid());
                    }
                }
                Plan plan = preparation.prepare(tx);
                TaskRecord started = TaskRecord.pending(UUID.randomUUID().toString(), request.operation(), key,
                        request.fingerprint(), request.subjectUuid(), Optional.of(plan.journal().toJson()),
                        clock.instant()).withState(TaskState.RUNNING);
                tx.tasks().insert(started);
                return new Begun(Optional.empty(), started, plan);
            });
            if (begun.replayed().isPresent()) {
                return begun.replayed().get();
            }
            TaskRecord started = begun.started();
            CrashPoints.reach("task.journaled");
            RunningTask live = new RunningTask(started.uuid());
            running.put(started.uuid(), live);
            try {
                Completion completion = begun.plan().body().run(live);
                CrashPoints.reach("task.storage-done");
                return StoreRetry.inTransaction(store, tx -> {
                    Optional<String> result = completion.apply(tx);
                    TaskRecord done = current(tx, started).succeeded(result, clock.instant());
                    tx.tasks().save(done);
                    return done;
                });
            } catch (StorageException e) {
                TaskState state = e.errorCode().code() == StandardErrorCode.CANCELLED.code()
                        ? TaskState.CANCELLED : TaskState.FAILURE;
                return finishWithError(started, state, e.errorCode(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("Task {} ({}) failed unexpectedly", started.uuid(), request.operation(), e);
                return finishWithError(started, TaskState.FAILURE, StandardErrorCode.INTERNAL_ERROR,
                        "Internal error in " + request.operation() + "; see the gateway log for task " + started.uuid());
            } finally {
                running.remove(started.uuid());
            }
        } finally {
            if (lock != null) {
                lock.unlock();
            }
        }
    }

    private TaskRecord finishWithError(TaskRecord started, TaskState state, ErrorCode code, String message) {
        return StoreRetry.inTransaction(store, tx -> {
            TaskRecord done = current(tx, started).failed(state, code, message, clock.instant());
            tx.tasks().save(done);
            return done;
        });
    }

    private static TaskRecord current(StoreTransaction tx, TaskRecord started) {
        return tx.tasks().find(started.uuid()).orElse(started);
    }

    private static TaskRecord answer(TaskRecord task) {
        Optional<ErrorCode> error = task.error();
        if (error.isPresent()) {
            throw new StorageException(error.get(), task.errorMessage().orElse(error.get().name()));
        }
        return task;
    }

    private static void awaitQuietly(CompletableFuture<TaskRecord> other) {
        try {
            other.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(StandardErrorCode.CANCELLED, "Interrupted while waiting for the same request");
        } catch (ExecutionException e) {
            // The other attempt's outcome is in the store; the loop reads it.
        }
    }

    /** The monitor of one running task: cancel flag in memory, progress written to the store at a limited rate. */
    private final class RunningTask implements TaskMonitor {
        private final String taskUuid;
        private volatile boolean cancelRequested;
        private volatile double progress;
        private Instant lastWrite = Instant.EPOCH;

        RunningTask(String taskUuid) {
            this.taskUuid = taskUuid;
        }

        @Override
        public synchronized void progress(double fraction) {
            progress = Math.max(progress, Math.min(1, Math.max(0, fraction)));
            Instant now = clock.instant();
            if (Duration.between(lastWrite, now).compareTo(PROGRESS_WRITE_INTERVAL) >= 0) {
                lastWrite = now;
                double value = progress;
                try {
                    store.useTransaction(tx -> tx.tasks().find(taskUuid)
                            .ifPresent(t -> tx.tasks().save(t.withProgress(value))));
                } catch (StoreConflictException e) {
                    // Progress is advisory: a cancel request won the race; the next report writes it.
                    lastWrite = Instant.EPOCH;
                }
            }
        }

        @Override
        public boolean isCancelRequested() {
            return cancelRequested;
        }
    }
}
