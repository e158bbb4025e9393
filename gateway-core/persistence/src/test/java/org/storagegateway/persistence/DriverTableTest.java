package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.DriverRecord;

class DriverTableTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void savesFindsAndListsByType() {
        DriverRecord nfs = Records.driver("nfs");
        DriverRecord file = new DriverRecord("file", "v", "2", "1.1", Set.of(), Records.T0, Records.T0);
        store.use(tx -> {
            tx.drivers().save(nfs);
            tx.drivers().save(file);
        });

        Optional<DriverRecord> found = store.tx(tx -> tx.drivers().find("nfs"));
        Optional<DriverRecord> absent = store.tx(tx -> tx.drivers().find("iscsi"));
        List<DriverRecord> all = store.tx(tx -> tx.drivers().list());

        assertThat(found).contains(nfs);
        assertThat(absent).isEmpty();
        assertThat(all).containsExactly(file, nfs);
        assertThat(all.get(0).capabilities()).isEmpty();
    }

    @Test
    void saveReplacesTheRecordOfTheSameType() {
        store.use(tx -> tx.drivers().save(Records.driver("nfs")));
        DriverRecord newer = new DriverRecord("nfs", "Other", "2.0", "1.1", Set.of("SR_PROBE"), Records.T0,
                Records.T0.plusSeconds(3600));

        store.use(tx -> tx.drivers().save(newer));

        List<DriverRecord> all = store.tx(tx -> tx.drivers().list());
        assertThat(all).containsExactly(newer);
    }
}
