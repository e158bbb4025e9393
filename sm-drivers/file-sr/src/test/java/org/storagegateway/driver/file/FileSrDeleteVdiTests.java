package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.newUuid;
import static org.storagegateway.driver.file.FileSr.pattern;

import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.IntroduceVdiRequest;
import org.storagegateway.vhd.VhdImage;

/** deleteVdi removes leaves, hides parents that still have children, and collects base copies left childless. */
class FileSrDeleteVdiTests {

    @TempDir
    Path location;

    private FileSr sr;

    @BeforeEach
    void sr() {
        sr = FileSr.created(location);
    }

    @Test
    void deletingALeafRemovesItsFile() {
        String a = sr.createVdi(4 * MIB).uuid();
        String b = sr.createVdi(4 * MIB).uuid();

        sr.view().deleteVdi(a);

        assertThat(sr.listing()).containsExactly(b + ".vhd");
        assertThat(sr.scanByUuid()).containsOnlyKeys(b);
    }

    @Test
    void deletingAVdiThatIsNotThereReturnsNormallyAgainAndAgain() {
        String a = sr.createVdi(4 * MIB).uuid();

        sr.view().deleteVdi(newUuid());
        sr.view().deleteVdi(a);
        sr.view().deleteVdi(a);

        assertThat(sr.listing()).isEmpty();
    }

    @Test
    void deletingSomethingThatIsNotAUuidIsRefused() {
        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.view().deleteVdi("../" + sr.srUuid));
        assertThat(sr.folder()).isDirectory();
    }

    @Test
    void deletingOneChildOfABaseCopyKeepsTheBaseCopyForTheOther() {
        String a = sr.createVdi(4 * MIB).uuid();
        sr.write(a, 0, pattern(1000, 1));
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);

        sr.view().deleteVdi(clone.newUuid());

        assertThat(sr.listing()).containsExactlyInAnyOrder(a + ".vhd", clone.baseCopyUuid() + ".vhd");
        assertThat(sr.read(a)).startsWith(pattern(1000, 1));
    }

    @Test
    void deletingTheLastChildOfAHiddenBaseCopyAlsoRemovesTheBaseCopy() {
        String a = sr.createVdi(4 * MIB).uuid();
        sr.write(a, 0, pattern(1000, 1));
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);
        sr.view().deleteVdi(clone.newUuid());

        sr.view().deleteVdi(a);

        assertThat(sr.listing()).isEmpty();
    }

    @Test
    void orphanedBaseCopiesAreRemovedRecursivelyUpTheChain() {
        String a = sr.createVdi(4 * MIB).uuid();
        sr.write(a, 0, pattern(1000, 1));
        CloneRequest first = copyOf(a);
        sr.view().cloneVdi(first);
        sr.write(a, 512, pattern(1000, 2));
        CloneRequest second = copyOf(a);
        sr.view().cloneVdi(second);
        String other = sr.createVdi(2 * MIB).uuid();
        // a -> second base -> first base; each base copy also has a clone
        sr.view().deleteVdi(first.newUuid());
        sr.view().deleteVdi(second.newUuid());
        assertThat(sr.listing()).containsExactlyInAnyOrder(a + ".vhd", first.baseCopyUuid() + ".vhd",
                second.baseCopyUuid() + ".vhd", other + ".vhd");

        sr.view().deleteVdi(a);

        assertThat(sr.listing()).containsExactly(other + ".vhd");
    }

    @Test
    void deletingAVdiThatStillHasChildrenHidesItInstead() {
        String parent = sr.createVdi(4 * MIB).uuid();
        sr.write(parent, 0, pattern(3000, 5));
        String child = newUuid();
        VhdImage.createDifferencing(sr.file(child), sr.file(parent), UUID.randomUUID());
        sr.view().introduceVdi(new IntroduceVdiRequest(child));

        sr.view().deleteVdi(parent);

        assertThat(sr.file(parent)).exists();
        assertThat(sr.scanByUuid().get(parent).hidden()).isTrue();
        assertThat(sr.read(child)).startsWith(pattern(3000, 5));
        assertThat(sr.view().stats().virtualAllocation()).isEqualTo(4 * MIB);

        sr.view().deleteVdi(child);

        assertThat(sr.listing()).isEmpty();
    }

    @Test
    void deletingAHiddenBaseCopyThatStillHasChildrenKeepsIt() {
        String a = sr.createVdi(4 * MIB).uuid();
        sr.write(a, 0, pattern(1000, 1));
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);

        sr.view().deleteVdi(clone.baseCopyUuid());

        assertThat(sr.listing()).hasSize(3);
        assertThat(sr.read(clone.newUuid())).startsWith(pattern(1000, 1));
    }

    @Test
    void aVisibleParentIsNotCollectedWithItsLastChild() {
        String parent = sr.createVdi(4 * MIB).uuid();
        String child = newUuid();
        VhdImage.createDifferencing(sr.file(child), sr.file(parent), UUID.randomUUID());

        sr.view().deleteVdi(child);

        assertThat(sr.listing()).containsExactly(parent + ".vhd");
    }
}
