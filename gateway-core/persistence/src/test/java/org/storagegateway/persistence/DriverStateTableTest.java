package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

class DriverStateTableTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void putGetReplaceRemove() {
        store.use(tx -> {
            tx.driverState().put("nfs", "job/1", "a");
            tx.driverState().put("iscsi", "job/1", "other namespace");
        });
        Optional<String> first = store.tx(tx -> tx.driverState().get("nfs", "job/1"));
        assertThat(first).contains("a");

        store.use(tx -> tx.driverState().put("nfs", "job/1", "b"));
        Optional<String> replaced = store.tx(tx -> tx.driverState().get("nfs", "job/1"));
        assertThat(replaced).contains("b");

        store.use(tx -> {
            tx.driverState().remove("nfs", "job/1");
            tx.driverState().remove("nfs", "never-there");
        });
        Optional<String> removed = store.tx(tx -> tx.driverState().get("nfs", "job/1"));
        Optional<String> otherType = store.tx(tx -> tx.driverState().get("iscsi", "job/1"));
        assertThat(removed).isEmpty();
        assertThat(otherType).contains("other namespace");
    }

    @Test
    void entriesByPrefixAreSortedAndTreatLikeWildcardsLiterally() {
        store.use(tx -> {
            for (String key : List.of("job/2", "job/10", "job/1", "jobs", "joc", "50%_off", "50%x", "5!0", "5!1",
                    "a_b", "axb", "")) {
                tx.driverState().put("nfs", key, "v:" + key);
            }
            tx.driverState().put("other", "job/3", "elsewhere");
        });

        Map<String, String> jobs = store.tx(tx -> tx.driverState().entries("nfs", "job/"));
        Map<String, String> percent = store.tx(tx -> tx.driverState().entries("nfs", "50%_"));
        Map<String, String> bang = store.tx(tx -> tx.driverState().entries("nfs", "5!"));
        Map<String, String> underscore = store.tx(tx -> tx.driverState().entries("nfs", "a_"));
        Map<String, String> all = store.tx(tx -> tx.driverState().entries("nfs", ""));
        Map<String, String> none = store.tx(tx -> tx.driverState().entries("unknown", ""));

        assertThat(jobs).containsExactly(Map.entry("job/1", "v:job/1"), Map.entry("job/10", "v:job/10"),
                Map.entry("job/2", "v:job/2"));
        assertThat(percent).containsOnlyKeys("50%_off");
        assertThat(bang).containsOnlyKeys("5!0", "5!1");
        assertThat(underscore).containsOnlyKeys("a_b");
        assertThat(all).hasSize(12);
        assertThat(List.copyOf(all.keySet())).isSorted();
        assertThat(none).isEmpty();
    }

    @Test
    void enforcesTheStateStoreLimits() {
        String key200 = "k".repeat(200);
        String value4000 = "é".repeat(4000);
        store.use(tx -> tx.driverState().put("nfs", key200, value4000));
        Optional<String> stored = store.tx(tx -> tx.driverState().get("nfs", key200));
        assertThat(stored).contains(value4000);

        assertThatThrownBy(() -> store.use(tx -> tx.driverState().put("nfs", key200 + "k", "v")))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> store.use(tx -> tx.driverState().put("nfs", "k", value4000 + "x")))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT));
    }
}
