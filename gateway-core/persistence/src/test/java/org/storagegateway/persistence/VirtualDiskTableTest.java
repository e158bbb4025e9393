package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.engine.port.StoreConflictException;

class VirtualDiskTableTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void savesAndFindsEveryField() {
        VirtualDiskRecord full = Records.fullVdi("v-full", "sr1", Records.T0);
        VirtualDiskRecord plain = Records.plainVdi("v-plain", "sr1", Records.T0);
        store.use(tx -> {
            tx.virtualDisks().save(full);
            tx.virtualDisks().save(plain);
        });

        Optional<VirtualDiskRecord> foundFull = store.tx(tx -> tx.virtualDisks().find("v-full"));
        Optional<VirtualDiskRecord> foundPlain = store.tx(tx -> tx.virtualDisks().find("v-plain"));
        Optional<VirtualDiskRecord> absent = store.tx(tx -> tx.virtualDisks().find("nope"));

        assertThat(foundFull).contains(full);
        assertThat(foundFull.orElseThrow().parentUuid()).isPresent();
        assertThat(foundPlain).contains(plain);
        assertThat(foundPlain.orElseThrow().parentUuid()).isEmpty();
        assertThat(foundPlain.orElseThrow().snapshotOf()).isEmpty();
        assertThat(absent).isEmpty();
    }

    @Test
    void listsTheVdisOfOneSrOldestFirstHiddenIncluded() {
        VirtualDiskRecord second = Records.plainVdi("a-second", "sr1", Records.T0.plusNanos(1));
        VirtualDiskRecord hiddenFirst = Records.fullVdi("b-first", "sr1", Records.T0);
        VirtualDiskRecord sameTimeAsSecond = Records.plainVdi("c-third", "sr1", Records.T0.plusNanos(1));
        VirtualDiskRecord elsewhere = Records.plainVdi("d-other", "sr2", Records.T0);
        store.use(tx -> List.of(sameTimeAsSecond, second, elsewhere, hiddenFirst)
                .forEach(tx.virtualDisks()::save));

        List<VirtualDiskRecord> onSr1 = store.tx(tx -> tx.virtualDisks().listBySr("sr1"));
        List<VirtualDiskRecord> onSr3 = store.tx(tx -> tx.virtualDisks().listBySr("sr3"));

        assertThat(onSr1).containsExactly(hiddenFirst, second, sameTimeAsSecond);
        assertThat(onSr3).isEmpty();
    }

    @Test
    void insertWithoutLookingFirstStillRejectsATakenUuid() {
        VirtualDiskRecord first = Records.plainVdi("v1", "sr1", Records.T0);
        store.use(tx -> tx.virtualDisks().insert(first));
        Optional<VirtualDiskRecord> inserted = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(inserted).contains(first);

        assertThatThrownBy(() -> store.use(tx -> tx.virtualDisks().insert(Records.fullVdi("v1", "sr2", Records.T0))))
                .isInstanceOf(StoreConflictException.class);
        Optional<VirtualDiskRecord> still = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(still).contains(first);
    }

    @Test
    void saveReplacesAndDeleteRemoves() {
        VirtualDiskRecord plain = Records.plainVdi("v1", "sr1", Records.T0);
        store.use(tx -> tx.virtualDisks().save(plain));
        VirtualDiskRecord changed = Records.fullVdi("v1", "sr1", Records.T0.plusSeconds(1));

        store.use(tx -> tx.virtualDisks().save(changed));
        Optional<VirtualDiskRecord> found = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(found).contains(changed);

        store.use(tx -> tx.virtualDisks().save(plain));
        Optional<VirtualDiskRecord> back = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(back).as("optionals and sm-config cleared again").contains(plain);

        store.use(tx -> {
            tx.virtualDisks().delete("v1");
            tx.virtualDisks().delete("v1");
        });
        Optional<VirtualDiskRecord> gone = store.tx(tx -> tx.virtualDisks().find("v1"));
        assertThat(gone).isEmpty();
    }

    @Test
    void instantsSurviveDaylightSavingGapsAndOverlapsOfTheJvmZone() {
        TimeZone original = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
        try {
            store.reopen();
            // 02:30 local does not exist on 2024-03-10; 01:30 local happens twice on 2024-11-03.
            List<Instant> instants = List.of(Instant.parse("2024-03-10T07:30:00.123456789Z"),
                    Instant.parse("2024-11-03T05:30:00Z"), Instant.parse("2024-11-03T06:30:00Z"));
            for (int i = 0; i < instants.size(); i++) {
                VirtualDiskRecord vdi = Records.plainVdi("v" + i, "sr", instants.get(i));
                store.use(tx -> tx.virtualDisks().save(vdi));
                Optional<VirtualDiskRecord> found = store.tx(tx -> tx.virtualDisks().find(vdi.uuid()));
                assertThat(found.orElseThrow().createdAt()).isEqualTo(instants.get(i));
            }
        } finally {
            TimeZone.setDefault(original);
        }
    }
}
