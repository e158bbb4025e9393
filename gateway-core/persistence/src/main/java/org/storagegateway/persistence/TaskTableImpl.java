package org.storagegateway.persistence;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.port.TaskTable;

final class TaskTableImpl implements TaskTable {
    private final HibernateTransaction tx;

    TaskTableImpl(HibernateTransaction tx) {
        this.tx = tx;
    }

    /**
     * {@inheritDoc}
     *
     * @throws DuplicateIdempotencyKeyException if another task has the idempotency key; the transaction then rolls
     *         back
     */
    @Override
    public void save(TaskRecord task) {
        write(task, false);
    }

    /**
     * {@inheritDoc}
     *
     * @throws DuplicateIdempotencyKeyException if another task has the idempotency key (the unique constraint
     *         decides); the transaction then rolls back
     */
    @Override
    public void insert(TaskRecord task) {
        write(task, true);
    }

    private void write(TaskRecord task, boolean knownNew) {
        Objects.requireNonNull(task, "task is null");
        Limits.check(task.uuid(), Limits.UUID, "The task UUID");
        Limits.check(task.operation(), Limits.OPERATION, "The task operation");
        Limits.check(task.idempotencyKey(), Limits.IDEMPOTENCY_KEY, "The idempotency key");
        Limits.check(task.requestFingerprint(), Limits.FINGERPRINT, "The request fingerprint");
        String subject = Limits.check(task.subjectUuid(), Limits.UUID, "The task subject UUID");
        String journal = Limits.check(task.journal(), Limits.JOURNAL, "The task journal");
        String result = Limits.check(task.resultUuid(), Limits.UUID, "The task result UUID");
        String errorName = Limits.check(task.errorName(), Limits.ERROR_NAME, "The error name");
        String errorKind = Limits.check(task.errorKind(), Limits.ERROR_KIND, "The error kind");
        String errorMessage = Limits.check(task.errorMessage(), Limits.ERROR_MESSAGE, "The error message");
        String resolution = Limits.check(task.resolution(), Limits.RESOLUTION, "The task resolution");
        tx.write(() -> {
            TaskEntity e = knownNew ? null : tx.find(TaskEntity.class, task.uuid());
            boolean isNew = e == null;
            if (!knownNew && (isNew || !e.idempotencyKey.equals(task.idempotencyKey()))) {
                // Checked here for a clear message; the unique constraint still decides between concurrent inserts.
                List<String> holders = tx.session()
                        .createSelectionQuery("select t.uuid from Task t where t.idempotencyKey = :key", String.class)
                        .setParameter("key", task.idempotencyKey())
                        .getResultList();
                if (!holders.isEmpty()) {
                    throw tx.doom(new DuplicateIdempotencyKeyException(
                            "The idempotency key is already used by task " + holders.get(0), null));
                }
            }
            if (isNew) {
                e = new TaskEntity();
                e.uuid = task.uuid();
            }
            e.operation = task.operation();
            e.idempotencyKey = task.idempotencyKey();
            e.requestFingerprint = task.requestFingerprint();
            e.state = task.state();
            e.progress = task.progress();
            e.cancelRequested = task.cancelRequested();
            e.subjectUuid = subject;
            e.journal = journal;
            e.resultUuid = result;
            e.errorCode = task.errorCode().orElse(null);
            e.errorName = errorName;
            e.errorKind = errorKind;
            e.errorMessage = errorMessage;
            e.resolution = resolution;
            e.createdAt = task.createdAt();
            e.finishedAt = task.finishedAt().orElse(null);
            if (isNew) {
                tx.persist(e, e.uuid);
            }
        });
    }

    @Override
    public Optional<TaskRecord> find(String uuid) {
        Objects.requireNonNull(uuid, "uuid is null");
        return tx.read(() -> Optional.ofNullable(tx.find(TaskEntity.class, uuid))
                .map(TaskTableImpl::toRecord));
    }

    @Override
    public Optional<TaskRecord> findByIdempotencyKey(String idempotencyKey) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey is null");
        return tx.read(() -> tx.session()
                .createSelectionQuery("from Task t where t.idempotencyKey = :key", TaskEntity.class)
                .setParameter("key", idempotencyKey)
                .uniqueResultOptional()
                .map(TaskTableImpl::toRecord));
    }

    @Override
    public List<TaskRecord> listByState(TaskState... states) {
        Set<TaskState> wanted = Set.copyOf(Arrays.asList(states));
        if (wanted.isEmpty()) {
            return List.of();
        }
        return tx.read(() -> tx.session()
                .createSelectionQuery("from Task t where t.state in :states order by t.createdAt, t.uuid",
                        TaskEntity.class)
                .setParameterList("states", wanted)
                .getResultList().stream().map(TaskTableImpl::toRecord).toList());
    }

    @Override
    public void delete(String uuid) {
        Objects.requireNonNull(uuid, "uuid is null");
        tx.write(() -> {
            TaskEntity e = tx.find(TaskEntity.class, uuid);
            if (e != null) {
                tx.session().remove(e);
            }
        });
    }

    private static TaskRecord toRecord(TaskEntity e) {
        return new TaskRecord(e.uuid, e.operation, e.idempotencyKey, e.requestFingerprint, e.state, e.progress,
                e.cancelRequested, Optional.ofNullable(e.subjectUuid), Optional.ofNullable(e.journal),
                Optional.ofNullable(e.resultUuid), Optional.ofNullable(e.errorCode), Optional.ofNullable(e.errorName),
                Optional.ofNullable(e.errorKind), Optional.ofNullable(e.errorMessage),
                Optional.ofNullable(e.resolution), e.createdAt, Optional.ofNullable(e.finishedAt));
    }
}
