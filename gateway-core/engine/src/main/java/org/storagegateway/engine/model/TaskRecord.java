package org.storagegateway.engine.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import org.storagegateway.spi.ErrorCode;

/**
 * A persisted task: one mutating operation, its journal and its outcome.
 *
 * @param uuid the task's UUID
 * @param operation what the task does, such as {@code vdi.clone}
 * @param idempotencyKey the caller's key, or one derived by the gateway; unique among tasks
 * @param requestFingerprint a digest of the request, to detect a key reused for a different request
 * @param state where the task is in its life
 * @param progress 0 to 1
 * @param cancelRequested whether a caller asked to cancel
 * @param subjectUuid the object the task is about (an SR or a VDI)
 * @param journal the intent written before the task acted on storage: a small JSON document owned by the operation
 * @param resultUuid the object the task produced, once it succeeded
 * @param errorCode the stable error number, if it failed
 * @param errorName the stable error name, if it failed
 * @param errorKind the error kind name, if it failed
 * @param errorMessage the error message, if it failed
 * @param resolution how the reconciler resolved an interrupted task
 * @param createdAt when the task was created
 * @param finishedAt when it reached a terminal state
 */
public record TaskRecord(
        String uuid,
        String operation,
        String idempotencyKey,
        String requestFingerprint,
        TaskState state,
        double progress,
        boolean cancelRequested,
        Optional<String> subjectUuid,
        Optional<String> journal,
        Optional<String> resultUuid,
        Optional<Integer> errorCode,
        Optional<String> errorName,
        Optional<String> errorKind,
        Optional<String> errorMessage,
        Optional<String> resolution,
        Instant createdAt,
        Optional<Instant> finishedAt) {

    public TaskRecord {
        Objects.requireNonNull(uuid, "uuid is null");
        Objects.requireNonNull(operation, "operation is null");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey is null");
        Objects.requireNonNull(requestFingerprint, "requestFingerprint is null");
        Objects.requireNonNull(state, "state is null");
        Objects.requireNonNull(subjectUuid, "subjectUuid is null");
        Objects.requireNonNull(journal, "journal is null");
        Objects.requireNonNull(resultUuid, "resultUuid is null");
        Objects.requireNonNull(errorCode, "errorCode is null");
        Objects.requireNonNull(errorName, "errorName is null");
        Objects.requireNonNull(errorKind, "errorKind is null");
        Objects.requireNonNull(errorMessage, "errorMessage is null");
        Objects.requireNonNull(resolution, "resolution is null");
        Objects.requireNonNull(createdAt, "createdAt is null");
        Objects.requireNonNull(finishedAt, "finishedAt is null");
        if (progress < 0 || progress > 1) {
            throw new IllegalArgumentException("progress must be within 0..1");
        }
    }

    /** Return a new pending task. */
    public static TaskRecord pending(
            String uuid, String operation, String idempotencyKey, String requestFingerprint,
            Optional<String> subjectUuid, Optional<String> journal, Instant now) {
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, TaskState.PENDING, 0, false,
                subjectUuid, journal, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), now, Optional.empty());
    }

    /** Return this task in state {@code newState}, otherwise unchanged. */
    public TaskRecord withState(TaskState newState) {
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, newState, progress, cancelRequested,
                subjectUuid, journal, resultUuid, errorCode, errorName, errorKind, errorMessage, resolution, createdAt,
                finishedAt);
    }

    /** Return this task with progress raised to {@code fraction} (progress never goes back). */
    public TaskRecord withProgress(double fraction) {
        double clamped = Math.max(progress, Math.min(1, Math.max(0, fraction)));
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, state, clamped, cancelRequested,
                subjectUuid, journal, resultUuid, errorCode, errorName, errorKind, errorMessage, resolution, createdAt,
                finishedAt);
    }

    /** Return this task with cancel requested. */
    public TaskRecord withCancelRequested() {
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, state, progress, true,
                subjectUuid, journal, resultUuid, errorCode, errorName, errorKind, errorMessage, resolution, createdAt,
                finishedAt);
    }

    /** Return this task finished successfully with {@code result}. */
    public TaskRecord succeeded(Optional<String> result, Instant now) {
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, TaskState.SUCCESS, 1,
                cancelRequested, subjectUuid, journal, result, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), resolution, createdAt, Optional.of(now));
    }

    /** Return this task finished in {@code finalState} (FAILURE or CANCELLED) with the given error. */
    public TaskRecord failed(TaskState finalState, ErrorCode code, String message, Instant now) {
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, finalState, progress,
                cancelRequested, subjectUuid, journal, Optional.empty(), Optional.of(code.code()),
                Optional.of(code.name()), Optional.of(code.kind().name()), Optional.of(message), resolution, createdAt,
                Optional.of(now));
    }

    /** Return this task marked interrupted, awaiting its reconciler. */
    public TaskRecord interrupted(Instant now) {
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, TaskState.INTERRUPTED, progress,
                cancelRequested, subjectUuid, journal, resultUuid, errorCode, errorName, errorKind, errorMessage,
                Optional.empty(), createdAt, Optional.of(now));
    }

    /** Return this interrupted task with the reconciler's resolution and, if it rolled forward, the result. */
    public TaskRecord resolved(Resolution outcome, Optional<String> result) {
        return new TaskRecord(uuid, operation, idempotencyKey, requestFingerprint, state, progress, cancelRequested,
                subjectUuid, journal, result, errorCode, errorName, errorKind, errorMessage,
                Optional.of(outcome.name()), createdAt, finishedAt);
    }

    /** Return the error of a failed task, if it has one. */
    public Optional<ErrorCode> error() {
        if (errorCode.isEmpty() || errorName.isEmpty() || errorKind.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ErrorCode.of(errorCode.get(), errorName.get(),
                org.storagegateway.spi.ErrorKind.valueOf(errorKind.get())));
    }

    /** How the reconciler resolved an interrupted task. */
    public enum Resolution {
        /** The storage showed the task had done its work; the records were completed to match. */
        ROLLED_FORWARD,
        /** The storage showed the task had not done its work; what it had started was undone. */
        ROLLED_BACK
    }
}
