package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

class TaskTableTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void savesAndFindsEveryFieldByUuidAndByKey() {
        TaskRecord full = Records.fullTask("t-full", "key-full", Records.T0);
        TaskRecord pending = Records.pendingTask("t-pending", "key-pending", Records.T0);
        store.use(tx -> {
            tx.tasks().save(full);
            tx.tasks().save(pending);
        });

        Optional<TaskRecord> byUuid = store.tx(tx -> tx.tasks().find("t-full"));
        Optional<TaskRecord> byKey = store.tx(tx -> tx.tasks().findByIdempotencyKey("key-full"));
        Optional<TaskRecord> pendingByUuid = store.tx(tx -> tx.tasks().find("t-pending"));
        Optional<TaskRecord> absent = store.tx(tx -> tx.tasks().find("nope"));
        Optional<TaskRecord> absentKey = store.tx(tx -> tx.tasks().findByIdempotencyKey("nope"));

        assertThat(byUuid).contains(full);
        assertThat(byKey).contains(full);
        assertThat(pendingByUuid).contains(pending);
        TaskRecord p = pendingByUuid.orElseThrow();
        assertThat(List.of(p.subjectUuid(), p.journal(), p.resultUuid(), p.errorName(), p.errorKind(),
                p.errorMessage(), p.resolution())).allMatch(Optional::isEmpty);
        assertThat(p.errorCode()).isEmpty();
        assertThat(p.finishedAt()).isEmpty();
        assertThat(absent).isEmpty();
        assertThat(absentKey).isEmpty();
    }

    @Test
    void listsByStateOldestFirst() {
        TaskRecord running = Records.withState(Records.pendingTask("a", "k-a", Records.T0.plusSeconds(2)),
                TaskState.RUNNING);
        TaskRecord pending = Records.pendingTask("b", "k-b", Records.T0.plusSeconds(1));
        TaskRecord done = Records.withState(Records.pendingTask("c", "k-c", Records.T0), TaskState.SUCCESS);
        TaskRecord interrupted = Records.withState(Records.pendingTask("d", "k-d", Records.T0),
                TaskState.INTERRUPTED);
        store.use(tx -> List.of(running, pending, done, interrupted).forEach(tx.tasks()::save));

        List<TaskRecord> live = store.tx(tx -> tx.tasks().listByState(TaskState.PENDING, TaskState.RUNNING));
        List<TaskRecord> finished = store.tx(tx -> tx.tasks().listByState(TaskState.SUCCESS,
                TaskState.INTERRUPTED, TaskState.SUCCESS));
        List<TaskRecord> cancelled = store.tx(tx -> tx.tasks().listByState(TaskState.CANCELLED));
        List<TaskRecord> none = store.tx(tx -> tx.tasks().listByState());

        assertThat(live).containsExactly(pending, running);
        assertThat(finished).containsExactly(done, interrupted);
        assertThat(cancelled).isEmpty();
        assertThat(none).isEmpty();
    }

    @Test
    void saveReplacesAndDeleteRemoves() {
        TaskRecord pending = Records.pendingTask("t1", "k1", Records.T0);
        store.use(tx -> tx.tasks().save(pending));
        TaskRecord failed = Records.fullTask("t1", "k1", Records.T0);

        store.use(tx -> tx.tasks().save(failed));
        Optional<TaskRecord> found = store.tx(tx -> tx.tasks().find("t1"));
        assertThat(found).contains(failed);

        store.use(tx -> tx.tasks().save(pending));
        Optional<TaskRecord> back = store.tx(tx -> tx.tasks().find("t1"));
        assertThat(back).contains(pending);

        store.use(tx -> {
            tx.tasks().delete("t1");
            tx.tasks().delete("t1");
        });
        Optional<TaskRecord> gone = store.tx(tx -> tx.tasks().find("t1"));
        Optional<TaskRecord> goneByKey = store.tx(tx -> tx.tasks().findByIdempotencyKey("k1"));
        assertThat(gone).isEmpty();
        assertThat(goneByKey).isEmpty();
        store.use(tx -> tx.tasks().save(Records.pendingTask("t2", "k1", Records.T0)));
    }

    @Test
    void aNewAttemptMayTakeTheKeyOfATaskDeletedInTheSameTransaction() {
        // What the engine's TaskRunner does when a cancelled attempt gives way to a new one under the same key.
        TaskRecord cancelled = Records.withState(Records.pendingTask("old", "client:k", Records.T0),
                TaskState.CANCELLED);
        store.use(tx -> tx.tasks().save(cancelled));
        TaskRecord retry = Records.withState(Records.pendingTask("new", "client:k", Records.T0.plusSeconds(1)),
                TaskState.RUNNING);

        store.use(tx -> {
            tx.tasks().delete("old");
            tx.tasks().save(retry);
        });

        Optional<TaskRecord> byKey = store.tx(tx -> tx.tasks().findByIdempotencyKey("client:k"));
        Optional<TaskRecord> old = store.tx(tx -> tx.tasks().find("old"));
        assertThat(byKey).contains(retry);
        assertThat(old).isEmpty();
    }

    @Test
    void aTaskMayMoveToAFreeKeyButNotToATakenOne() {
        store.use(tx -> {
            tx.tasks().save(Records.pendingTask("t1", "k1", Records.T0));
            tx.tasks().save(Records.pendingTask("t2", "k2", Records.T0));
        });

        store.use(tx -> tx.tasks().save(Records.pendingTask("t1", "k3", Records.T0)));
        assertThatThrownBy(() -> store.use(tx -> tx.tasks().save(Records.pendingTask("t1", "k2", Records.T0))))
                .isInstanceOf(DuplicateIdempotencyKeyException.class);

        Optional<TaskRecord> t1 = store.tx(tx -> tx.tasks().find("t1"));
        assertThat(t1.orElseThrow().idempotencyKey()).isEqualTo("k3");
    }

    @Test
    void rejectsADuplicateIdempotencyKeyAcrossTransactions() {
        TaskRecord first = Records.pendingTask("t1", "same-key", Records.T0);
        store.use(tx -> tx.tasks().save(first));

        assertThatThrownBy(() -> store.use(tx -> {
            tx.virtualDisks().save(Records.plainVdi("v1", "sr", Records.T0));
            tx.tasks().save(Records.pendingTask("t2", "same-key", Records.T0));
        }))
                .isInstanceOfSatisfying(DuplicateIdempotencyKeyException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(StandardErrorCode.IDEMPOTENCY_KEY_REUSED);
                    assertThat(e.getMessage()).contains("t1");
                });

        Optional<TaskRecord> byKey = store.tx(tx -> tx.tasks().findByIdempotencyKey("same-key"));
        Optional<TaskRecord> second = store.tx(tx -> tx.tasks().find("t2"));
        assertThat(byKey).contains(first);
        assertThat(second).isEmpty();
        Optional<VirtualDiskRecord> vdi = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(vdi).as("whole transaction rolled back").isEmpty();
    }

    @Test
    void insertWithoutLookingFirstStillRejectsATakenKeyOrUuid() {
        TaskRecord first = Records.pendingTask("t1", "same-key", Records.T0);
        store.use(tx -> tx.tasks().insert(first));
        Optional<TaskRecord> inserted = store.tx(tx -> tx.tasks().find("t1"));
        assertThat(inserted).contains(first);

        assertThatThrownBy(() -> store.use(tx -> tx.tasks().insert(Records.pendingTask("t2", "same-key", Records.T0))))
                .isInstanceOfSatisfying(DuplicateIdempotencyKeyException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.IDEMPOTENCY_KEY_REUSED));
        assertThatThrownBy(() -> store.use(tx -> tx.tasks().insert(Records.pendingTask("t1", "other-key", Records.T0))))
                .isInstanceOf(org.storagegateway.engine.port.StoreConflictException.class);
        Optional<TaskRecord> second = store.tx(tx -> tx.tasks().find("t2"));
        Optional<TaskRecord> still = store.tx(tx -> tx.tasks().find("t1"));
        assertThat(second).isEmpty();
        assertThat(still).contains(first);
    }

    @Test
    void rejectsADuplicateIdempotencyKeyInTheSameTransaction() {
        assertThatThrownBy(() -> store.use(tx -> {
            tx.tasks().save(Records.pendingTask("t1", "same-key", Records.T0));
            tx.tasks().save(Records.pendingTask("t2", "same-key", Records.T0));
        })).isInstanceOf(DuplicateIdempotencyKeyException.class);

        Optional<TaskRecord> none = store.tx(tx -> tx.tasks().findByIdempotencyKey("same-key"));
        assertThat(none).isEmpty();
    }

    @Test
    void rejectsAnOverlongIdempotencyKeyAsInvalidArgument() {
        TaskRecord task = Records.pendingTask("t1", "k".repeat(256), Records.T0);

        assertThatThrownBy(() -> store.use(tx -> tx.tasks().save(task)))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT));
        store.use(tx -> tx.tasks().save(Records.pendingTask("t1", "k".repeat(255), Records.T0)));
    }
}
