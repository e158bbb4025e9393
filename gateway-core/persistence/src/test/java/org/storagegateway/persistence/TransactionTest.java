package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.engine.port.StoreTransaction;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

class TransactionTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void returnsTheResultOfTheWork() {
        String result = store.tx(tx -> {
            tx.drivers().save(Records.driver("nfs"));
            return "done";
        });
        assertThat(result).isEqualTo("done");
    }

    @Test
    void aStorageExceptionRollsEverythingBackAndIsRethrownUnchanged() {
        StorageException thrown = new StorageException(StandardErrorCode.VDI_IN_USE, "in use");
        assertThatThrownBy(() -> store.use(tx -> {
            writeToEveryTable(tx);
            throw thrown;
        })).isSameAs(thrown);
        assertNothingWritten();
    }

    @Test
    void anyRuntimeExceptionOrErrorRollsBackAndIsRethrownUnchanged() {
        IllegalStateException runtime = new IllegalStateException("boom");
        assertThatThrownBy(() -> store.use(tx -> {
            writeToEveryTable(tx);
            throw runtime;
        })).isSameAs(runtime).hasNoSuppressedExceptions();
        assertNothingWritten();

        AssertionError error = new AssertionError("error");
        assertThatThrownBy(() -> store.use(tx -> {
            writeToEveryTable(tx);
            throw error;
        })).isSameAs(error);
        assertNothingWritten();
    }

    @Test
    void aStoreFailureTheWorkSwallowedStillRollsBack() {
        store.use(tx -> tx.tasks().save(Records.pendingTask("t1", "k", Records.T0)));
        AtomicReference<RuntimeException> caught = new AtomicReference<>();

        assertThatThrownBy(() -> store.use(tx -> {
            tx.virtualDisks().save(Records.plainVdi("v1", "sr1", Records.T0));
            try {
                tx.tasks().save(Records.pendingTask("t2", "k", Records.T0));
            } catch (DuplicateIdempotencyKeyException e) {
                caught.set(e);
            }
        })).isSameAs(caught.get()).isInstanceOf(DuplicateIdempotencyKeyException.class);

        Optional<VirtualDiskRecord> vdi = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(vdi).isEmpty();
    }

    @Test
    void theTransactionObjectIsUnusableAfterwards() {
        StoreTransaction leaked = store.tx(tx -> tx);

        assertThatThrownBy(leaked::tasks).isInstanceOf(IllegalStateException.class);
        var tasks = store.tx(StoreTransaction::tasks);
        assertThatThrownBy(() -> tasks.find("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ended");
    }

    @Test
    void transactionsDoNotNestAndCannotCloseTheStore() {
        assertThatThrownBy(() -> store.use(tx -> store.use(inner -> { })))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nest");
        assertThatThrownBy(() -> store.use(tx -> store.store().close()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("inside");
        List<VirtualDiskRecord> stillOpen = store.tx(tx -> tx.virtualDisks().listBySr("x"));
        assertThat(stillOpen).isEmpty();
    }

    private static void writeToEveryTable(StoreTransaction tx) {
        StorageRepositoryRecord sr = Records.sr("sr1", Records.T0);
        tx.drivers().save(Records.driver("nfs"));
        tx.repositories().save(sr);
        tx.repositories().saveSecrets("sr1", Map.of("password", "p"));
        tx.virtualDisks().save(Records.fullVdi("v1", "sr1", Records.T0));
        tx.tasks().save(Records.fullTask("t1", "k1", Records.T0));
        tx.driverState().put("nfs", "k", "v");
        // Reads in the same transaction see the writes.
        assertThat(tx.virtualDisks().listBySr("sr1")).hasSize(1);
        assertThat(tx.tasks().findByIdempotencyKey("k1")).isPresent();
        assertThat(tx.repositories().secrets("sr1")).containsEntry("password", "p");
    }

    private void assertNothingWritten() {
        boolean empty = store.tx(tx -> tx.drivers().list().isEmpty()
                && tx.repositories().list().isEmpty()
                && tx.repositories().secrets("sr1").isEmpty()
                && tx.virtualDisks().find("v1").isEmpty()
                && tx.tasks().find("t1").isEmpty()
                && tx.tasks().listByState(TaskState.values()).isEmpty()
                && tx.driverState().entries("nfs", "").isEmpty());
        assertThat(empty).isTrue();
        List<TaskRecord> none = store.tx(tx -> tx.tasks().listByState(TaskState.FAILURE));
        assertThat(none).isEmpty();
    }
}
