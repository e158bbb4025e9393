package org.storagegateway.smis.simulator.array;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** array.json keeps every record, and a file written before replication and masking existed still loads. */
class StateStoreTests {
    @TempDir
    Path dir;

    @Test
    void replicasHardwareIdsGroupsAndViewsSurviveTheStateFile() throws Exception {
        ArrayState s = ArrayState.initial("ABCDEF012", "SIM-ABCDEF012", List.of(
                new PoolRecord(Names.THICK_POOL_ID, "Thick pool", false, null, 1L << 30, false, 0)));
        VolumeRecord a = new VolumeRecord(1, "00001", "a", "65A1E5AABCDEF0120000000000000001", Names.THICK_POOL_ID,
                512, 2048, false);
        VolumeRecord b = new VolumeRecord(2, "00002", "b", "65A1E5AABCDEF0120000000000000002", Names.THICK_POOL_ID,
                512, 2048, false);
        s = s.withVolume(a).withVolume(b).withSync(new SyncRecord("00001", "00002", SyncRecord.SNAPSHOT,
                SyncRecord.SYNCHRONIZED, 1234L));
        HardwareIdRecord h = new HardwareIdRecord("SIM:HWID-1", "iqn.2026-01.org.example:h", 5, "h");
        MaskingGroupRecord g = new MaskingGroupRecord("SIM:DG-2", "disks", MaskingGroupRecord.DEVICES,
                List.of("00001"), true);
        ViewRecord v = new ViewRecord(3, "view", List.of(h.id()), List.of("iqn.x,t,0x0001"),
                List.of(new ViewRecord.Unit("00001", "0001", 2)), null, null, null);
        s = s.withMasking(List.of(h), List.of(g), List.of(v), 3);

        StateStore store = new StateStore(dir);
        store.save(s);
        ArrayState loaded = store.load();
        assertThat(loaded).isEqualTo(s);
        assertThat(loaded.nextMaskingNumber()).isEqualTo(4);
        assertThat(loaded.viewInitiators(loaded.view(3))).containsExactly("iqn.2026-01.org.example:h");
    }

    @Test
    void aStateWrittenBeforeReplicationAndMaskingLoadsWithNone() throws Exception {
        Files.writeString(dir.resolve(StateStore.FILE_NAME), """
                {"format":1,"serial":"ABCDEF012","systemName":"SIM-ABCDEF012","nextVolumeNumber":1,
                 "nextJobNumber":1,"pools":[],"volumes":[],"jobs":[]}
                """);
        ArrayState loaded = new StateStore(dir).load();
        assertThat(loaded.syncs()).isEmpty();
        assertThat(loaded.hardwareIds()).isEmpty();
        assertThat(loaded.groups()).isEmpty();
        assertThat(loaded.views()).isEmpty();
        assertThat(loaded.nextMaskingNumber()).isEqualTo(1);
    }
}
