package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.vhd.IndependentTools;
import org.storagegateway.vhd.VhdCoalesce;

/** collectGarbage shortens chains by coalescing single-child base copies and keeps every VDI's content. */
class FileSrGarbageCollectionTests {
    private static final GarbageCollectionLimits UNLIMITED = new GarbageCollectionLimits(Long.MAX_VALUE, 100);

    @TempDir
    Path location;

    private FileSr sr;

    @BeforeEach
    void sr() {
        sr = FileSr.created(location);
    }

    @Test
    void aLeafWhoseBaseCopyLostItsOtherChildIsMergedWithItAndKeepsItsUuid() throws Exception {
        String a = sr.createVdi(8 * MIB).uuid();
        sr.write(a, 0, FileSr.pattern(3 * (int) MIB, 1));
        CloneResult clone = sr.view().cloneVdi(FileSr.copyOf(a));
        sr.write(a, 512, FileSr.pattern(4096, 2));
        byte[] expected = sr.read(a);
        sr.view().deleteVdi(clone.created().uuid());
        String base = clone.baseCopy().orElseThrow().uuid();
        assertThat(sr.scanByUuid().get(a).parentUuid()).contains(base);

        GarbageCollectionReport report = sr.view().collectGarbage(UNLIMITED);

        assertThat(report.coalesced()).isEqualTo(1);
        assertThat(report.moreWork()).isFalse();
        Map<String, VdiInfo> after = sr.scanByUuid();
        assertThat(after).containsOnlyKeys(a);
        assertThat(after.get(a).parentUuid()).isEmpty();
        assertThat(after.get(a).hidden()).isFalse();
        assertThat(sr.read(a)).isEqualTo(expected);
        assertLibvhdiReads(a, expected);
        assertThat(sr.listing()).noneMatch(name -> name.startsWith("."));
    }

    @Test
    void anInternalBaseCopyWithOneChildIsMergedIntoItsParentAndItsChildrenRelinked() throws Exception {
        String a = sr.createVdi(8 * MIB).uuid();
        sr.write(a, 0, FileSr.pattern((int) MIB, 3));
        CloneResult first = sr.view().cloneVdi(FileSr.copyOf(a));
        sr.write(a, 2 * MIB - 1024, FileSr.pattern(8192, 4));
        CloneResult second = sr.view().cloneVdi(FileSr.copyOf(a));
        sr.write(a, 5 * MIB, FileSr.pattern(4096, 5));
        String n2 = second.created().uuid();
        byte[] expectedA = sr.read(a);
        byte[] expectedN2 = sr.read(n2);
        sr.view().deleteVdi(first.created().uuid());
        assertThat(FileSr.depth(sr.file(a))).isEqualTo(3);

        GarbageCollectionReport report = sr.view().collectGarbage(UNLIMITED);

        assertThat(report.coalesced()).isEqualTo(1);
        String root = first.baseCopy().orElseThrow().uuid();
        assertThat(sr.scanByUuid()).containsOnlyKeys(a, n2, root);
        assertThat(sr.scanByUuid().get(a).parentUuid()).contains(root);
        assertThat(sr.scanByUuid().get(n2).parentUuid()).contains(root);
        assertThat(FileSr.depth(sr.file(a))).isEqualTo(2);
        assertThat(sr.read(a)).isEqualTo(expectedA);
        assertThat(sr.read(n2)).isEqualTo(expectedN2);
        assertLibvhdiReads(a, expectedA);
        assertLibvhdiReads(n2, expectedN2);
    }

    @Test
    void aCancelledCollectionLeavesValidChainsAndTheNextOneFinishes() {
        String a = sr.createVdi(8 * MIB).uuid();
        sr.write(a, 0, FileSr.pattern(2 * (int) MIB, 6));
        CloneResult clone = sr.view().cloneVdi(FileSr.copyOf(a));
        for (int i = 0; i < 40; i++) {
            sr.write(a, i * 131072L, FileSr.pattern(1024, 10 + i));
        }
        byte[] expected = sr.read(a);
        sr.view().deleteVdi(clone.created().uuid());

        sr.context.requestCancel();
        GarbageCollectionReport stopped = sr.view().collectGarbage(UNLIMITED);
        assertThat(stopped.moreWork()).isTrue();
        assertThat(stopped.coalesced()).isZero();
        assertThat(sr.listing()).anyMatch(name -> name.startsWith(".coalesce-"));
        assertThat(sr.read(a)).isEqualTo(expected);

        sr.context.withdrawCancel();
        GarbageCollectionReport finished = sr.view().collectGarbage(UNLIMITED);
        assertThat(finished.coalesced()).isEqualTo(1);
        assertThat(sr.read(a)).isEqualTo(expected);
        assertThat(sr.listing()).noneMatch(name -> name.startsWith("."));
    }

    @Test
    void aCoalesceInterruptedAfterTheMergeIsFinishedFromItsJournal() throws Exception {
        String a = sr.createVdi(8 * MIB).uuid();
        sr.write(a, 0, FileSr.pattern((int) MIB, 7));
        CloneResult clone = sr.view().cloneVdi(FileSr.copyOf(a));
        sr.write(a, 3 * MIB, FileSr.pattern(4096, 8));
        byte[] expected = sr.read(a);
        sr.view().deleteVdi(clone.created().uuid());
        String base = clone.baseCopy().orElseThrow().uuid();
        // What a crash right after the merge leaves: the journal, the merged parent, the leaf unchanged.
        Files.write(sr.folder().resolve(".coalesce-" + base + "-" + a), new byte[0]);
        assertThat(VhdCoalesce.mergeIntoParent(sr.file(a), sr.file(base), b -> true, b -> { })).isTrue();

        GarbageCollectionReport report = sr.view().collectGarbage(new GarbageCollectionLimits(Long.MAX_VALUE, 0));

        assertThat(report.coalesced()).isEqualTo(1);
        assertThat(sr.scanByUuid()).containsOnlyKeys(a);
        assertThat(sr.read(a)).isEqualTo(expected);
        assertLibvhdiReads(a, expected);
    }

    @Test
    void coalescingCopiesNoFasterThanTheLimit() {
        String a = sr.createVdi(8 * MIB).uuid();
        CloneResult clone = sr.view().cloneVdi(FileSr.copyOf(a));
        sr.write(a, 0, FileSr.pattern(2 * (int) MIB, 9));
        sr.view().deleteVdi(clone.created().uuid());
        long limit = 8 * MIB;

        long started = System.nanoTime();
        GarbageCollectionReport report = sr.view().collectGarbage(new GarbageCollectionLimits(limit, 10));
        double seconds = (System.nanoTime() - started) / 1e9;

        assertThat(report.bytesCopied()).isEqualTo(2 * MIB);
        assertThat(seconds).as("2 MiB at 8 MiB/s").isGreaterThanOrEqualTo(0.9 * report.bytesCopied() / limit);
    }

    private void assertLibvhdiReads(String vdiUuid, byte[] expected) throws Exception {
        if (IndependentTools.libvhdiAvailable()) {
            assertThat(IndependentTools.readWithLibvhdi(sr.file(vdiUuid)).sha256()).isEqualTo(FileSr.sha256(expected));
        }
    }
}
