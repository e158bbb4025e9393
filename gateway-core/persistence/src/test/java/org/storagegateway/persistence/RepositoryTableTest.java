package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

class RepositoryTableTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void savesFindsListsOldestFirstAndDeletes() {
        StorageRepositoryRecord newer = Records.sr("b-newer", Records.T0.plusSeconds(10));
        StorageRepositoryRecord older = Records.sr("z-older", Records.T0);
        StorageRepositoryRecord bare = new StorageRepositoryRecord("a-bare", "nfs", "bare", Map.of(), Set.of(),
                Records.T0.plusSeconds(5));
        store.use(tx -> {
            tx.repositories().save(newer);
            tx.repositories().save(older);
            tx.repositories().save(bare);
        });

        Optional<StorageRepositoryRecord> found = store.tx(tx -> tx.repositories().find("z-older"));
        Optional<StorageRepositoryRecord> foundBare = store.tx(tx -> tx.repositories().find("a-bare"));
        List<StorageRepositoryRecord> all = store.tx(tx -> tx.repositories().list());

        assertThat(found).contains(older);
        assertThat(foundBare).contains(bare);
        assertThat(all).containsExactly(older, bare, newer);

        store.use(tx -> {
            tx.repositories().delete("z-older");
            tx.repositories().delete("never-existed");
        });
        List<StorageRepositoryRecord> left = store.tx(tx -> tx.repositories().list());
        Optional<StorageRepositoryRecord> gone = store.tx(tx -> tx.repositories().find("z-older"));
        assertThat(left).containsExactly(bare, newer);
        assertThat(gone).isEmpty();
    }

    @Test
    void saveReplacesTheRecordWithTheSameUuid() {
        store.use(tx -> tx.repositories().save(Records.sr("sr1", Records.T0)));
        StorageRepositoryRecord renamed = new StorageRepositoryRecord("sr1", "file", "renamed",
                Map.of("path", "/other"), Set.of("password", "token"), Records.T0);

        store.use(tx -> tx.repositories().save(renamed));

        List<StorageRepositoryRecord> all = store.tx(tx -> tx.repositories().list());
        assertThat(all).containsExactly(renamed);
    }

    @Test
    void secretsAreKeptApartReplacedAndDeletedWithTheSr() {
        StorageRepositoryRecord sr = Records.sr("sr1", Records.T0);
        store.use(tx -> {
            tx.repositories().save(sr);
            tx.repositories().saveSecrets("sr1", Map.of("password", "hunter2", "token", "t0k3n"));
        });

        Map<String, String> secrets = store.tx(tx -> tx.repositories().secrets("sr1"));
        Optional<StorageRepositoryRecord> found = store.tx(tx -> tx.repositories().find("sr1"));
        List<StorageRepositoryRecord> all = store.tx(tx -> tx.repositories().list());
        assertThat(secrets).isEqualTo(Map.of("password", "hunter2", "token", "t0k3n"));
        assertThat(found).contains(sr);
        assertThat(found.orElseThrow().toString()).doesNotContain("hunter2", "t0k3n");
        assertThat(all).containsExactly(sr);
        assertThat(all.toString()).doesNotContain("hunter2", "t0k3n");

        store.use(tx -> tx.repositories().saveSecrets("sr1", Map.of("password", "changed", "user", "admin")));
        Map<String, String> replaced = store.tx(tx -> tx.repositories().secrets("sr1"));
        assertThat(replaced).isEqualTo(Map.of("password", "changed", "user", "admin"));

        store.use(tx -> tx.repositories().saveSecrets("sr1", Map.of()));
        Map<String, String> cleared = store.tx(tx -> tx.repositories().secrets("sr1"));
        assertThat(cleared).isEmpty();

        store.use(tx -> tx.repositories().saveSecrets("sr1", Map.of("password", "again")));
        store.use(tx -> tx.repositories().delete("sr1"));
        store.use(tx -> tx.repositories().save(sr));
        Map<String, String> afterDelete = store.tx(tx -> tx.repositories().secrets("sr1"));
        assertThat(afterDelete).as("secrets deleted with the SR, not revived with a new SR of the same UUID")
                .isEmpty();
    }

    @Test
    void secretsOfAnSrWithoutAnyAreEmpty() {
        store.use(tx -> tx.repositories().save(Records.sr("sr1", Records.T0)));

        Map<String, String> secrets = store.tx(tx -> tx.repositories().secrets("sr1"));
        Map<String, String> ofUnknown = store.tx(tx -> tx.repositories().secrets("unknown"));

        assertThat(secrets).isEmpty();
        assertThat(ofUnknown).isEmpty();
    }

    @Test
    void savingSecretsOfAnUnknownSrFails() {
        assertThatThrownBy(() -> store.use(tx -> tx.repositories().saveSecrets("unknown", Map.of("k", "v"))))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.SR_NOT_FOUND));
    }

    @Test
    void refusesASecretValueInTheDeviceConfig() {
        StorageRepositoryRecord leaky = new StorageRepositoryRecord("sr1", "file", "x",
                Map.of("password", "in-clear"), Set.of("password"), Records.T0);

        assertThatThrownBy(() -> store.use(tx -> tx.repositories().save(leaky)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'password'")
                .hasMessageNotContaining("in-clear");
        List<StorageRepositoryRecord> all = store.tx(tx -> tx.repositories().list());
        assertThat(all).isEmpty();
    }
}
