package org.storagegateway.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 *   <li>Its idempotency key is looked up. A finished task with the same key answers the call again (its result, or its
 *       error); a running one is waited for; a key reused for a different request is refused.</li>
 *   <li>The task is saved RUNNING together with its journal, in one transaction, before the storage is touched.</li>
 *   <li>The body acts on storage and returns a {@link Completion}: the record changes that describe what it did.</li>
 *   <li>The completion and the SUCCESS state commit in one transaction; a failure commits FAILURE or CANCELLED.</li>
 * </ol>
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
     * What a task is about.
     *
     * @param operation the operation name, such as {@code vdi.clone}
     * @param idempotencyKey the caller's key; without one the task is never replayed
     * @param fingerprint a digest of the request's arguments
     * @param subjectUuid the object the task acts on; tasks on the same subject are serialised
     * @param journal the intent, written before the body runs
     */
    public record TaskRequest(
            String operation, Optional<String> idempotencyKey, String fingerprint, Optional<String> subjectUuid,
            Journal journal) {
        public TaskRequest {
            Objects.requireNonNull(operation, "operation is null");
            Objects.requireNonNull(idempotencyKey, "idempotencyKey is null");
            Objects.requireNonNull(fingerprint, "fingerprint is null");
            Objects.requireNonNull(subjectUuid, "subjectUuid is null");
            Objects.requireNonNull(journal, "journal is null");
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
     * Run a task to its end and return its terminal record.
     *
     * @throws StorageException with the task's error if it failed or was cancelled (also when replayed)
     */
    public TaskRecord run(TaskRequest request, Body body) {
        String key = request.idempotencyKey().map(k -> "client:" + k).orElseGet(() -> "gateway:" + UUID.randomUUID());
        while (true) {
            // A key the gateway just made up cannot have been used before: no need to look it up.
            Optional<TaskRecord> earlier = request.idempotencyKey().isEmpty()
                    ? Optional.empty() : store.inTransaction(tx -> tx.tasks().findByIdempotencyKey(key));
            if (earlier.isPresent()) {
                Optional<TaskRecord> replay = replay(earlier.get(), request);
                if (replay.isPresent()) {
                    return answer(replay.get());
                }
            }
            CompletableFuture<TaskRecord> mine = new CompletableFuture<>();
            CompletableFuture<TaskRecord> other = runningByKey.putIfAbsent(key, mine);
            if (other != null) {
                awaitQuietly(other);
                continue;
            }
            try {
                TaskRecord finished = execute(key, earlier, request, body);
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

    private TaskRecord execute(String key, Optional<TaskRecord> earlier, TaskRequest request, Body body) {
        ReentrantLock lock = request.subjectUuid()
                .map(s -> subjectLocks[Math.floorMod(s.hashCode(), subjectLocks.length)])
                .orElse(null);
        if (lock != null) {
            lock.lock();
        }
        try {
            Instant now = clock.instant();
            TaskRecord started = TaskRecord.pending(UUID.randomUUID().toString(), request.operation(), key,
                    request.fingerprint(), request.subjectUuid(), Optional.of(request.journal().toJson()), now)
                    .withState(TaskState.RUNNING);
            store.useTransaction(tx -> {
                // A cancelled or rolled-back attempt under the same key gives way to this one.
                earlier.ifPresent(e -> tx.tasks().delete(e.uuid()));
                tx.tasks().save(started);
            });
            CrashPoints.reach("task.journaled");
            RunningTask live = new RunningTask(started.uuid());
            running.put(started.uuid(), live);
            try {
                Completion completion = body.run(live);
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
