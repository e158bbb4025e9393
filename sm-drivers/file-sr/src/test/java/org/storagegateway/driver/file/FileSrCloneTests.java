package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.newUuid;
import static org.storagegateway.driver.file.FileSr.pattern;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.vhd.DiskType;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;
import org.storagegateway.vhd.VhdImage;

/**
 * Clone and snapshot follow XenServer's file SR "double snapshot": the source keeps its UUID on a new empty child of a
 * hidden base copy that holds the former content, and the copy is a second child of that base copy.
 */
class FileSrCloneTests {
    private static final long SIZE = 8 * MIB;

    @TempDir
    Path location;

    private FileSr sr;
    private String a;
    private byte[] content;

    @BeforeEach
    void diskWithData() {
        sr = FileSr.created(location);
        a = sr.createVdi(SIZE).uuid();
        content = new byte[(int) SIZE];
        write(a, 0, pattern(4096, 1));
        write(a, 2 * MIB - 700, pattern(1500, 2)); // across a block boundary, partial sectors
        write(a, SIZE - 512, pattern(512, 3));
    }

    private void write(String uuid, long offset, byte[] data) {
        sr.write(uuid, offset, data);
        if (uuid.equals(a)) {
            System.arraycopy(data, 0, content, (int) offset, data.length);
        }
    }

    @Test
    void aCopyReportsWhatAScanOfTheFilesReportsWithoutOpeningThemAgain() {
        CloneRequest full = copyOf(a);
        CloneResult doubleSnapshot = sr.view().cloneVdi(full);
        Map<String, VdiInfo> scanned = sr.scanByUuid();
        assertThat(doubleSnapshot.created()).isEqualTo(scanned.get(full.newUuid()));
        assertThat(doubleSnapshot.source()).isEqualTo(scanned.get(a));
        assertThat(doubleSnapshot.baseCopy()).contains(scanned.get(full.baseCopyUuid()));

        CloneRequest reuse = copyOf(a);
        CloneResult sibling = sr.view().cloneVdi(reuse);
        scanned = sr.scanByUuid();
        assertThat(sibling.baseCopy()).isEmpty();
        assertThat(sibling.created()).isEqualTo(scanned.get(reuse.newUuid()));
        assertThat(sibling.source()).isEqualTo(scanned.get(a));
    }

    @Test
    void theSourceKeepsItsUuidAsAnEmptyChildOfAHiddenBaseCopyAndTheCloneIsItsSibling() {
        CloneRequest request = copyOf(a);

        CloneResult result = sr.view().cloneVdi(request);

        assertThat(result.source().uuid()).isEqualTo(a);
        assertThat(result.source().parentUuid()).contains(request.baseCopyUuid());
        assertThat(result.source().smConfig()).containsEntry("vhd-blocks", "0")
                .containsEntry("vhd-parent", request.baseCopyUuid());
        assertThat(result.created().uuid()).isEqualTo(request.newUuid());
        assertThat(result.created().parentUuid()).contains(request.baseCopyUuid());
        assertThat(result.created().hidden()).isFalse();
        assertThat(result.created().virtualSize()).isEqualTo(SIZE);
        assertThat(result.baseCopy()).hasValueSatisfying(base -> {
            assertThat(base.uuid()).isEqualTo(request.baseCopyUuid());
            assertThat(base.hidden()).isTrue();
            assertThat(base.readOnly()).isTrue();
            assertThat(base.parentUuid()).isEmpty();
        });
        try (VhdImage source = VhdImage.open(sr.file(a), OpenMode.READ_ONLY)) {
            assertThat(source.diskType()).isEqualTo(DiskType.DIFFERENCING);
            assertThat(source.allocatedBlockCount()).isZero();
        }
        assertThat(sr.listing()).containsExactlyInAnyOrder(a + ".vhd", request.newUuid() + ".vhd",
                request.baseCopyUuid() + ".vhd");
    }

    @Test
    void scanShowsTheHiddenBaseCopyWithBothChildrenPointingAtIt() {
        CloneRequest request = copyOf(a);
        CloneResult result = sr.view().cloneVdi(request);

        Map<String, VdiInfo> scanned = sr.scanByUuid();

        assertThat(scanned).containsOnlyKeys(a, request.newUuid(), request.baseCopyUuid());
        assertThat(scanned.get(request.baseCopyUuid()).hidden()).isTrue();
        assertThat(scanned.get(a).parentUuid()).contains(request.baseCopyUuid());
        assertThat(scanned.get(request.newUuid()).parentUuid()).contains(request.baseCopyUuid());
        assertThat(scanned.values()).containsExactlyInAnyOrder(result.created(), result.source(),
                result.baseCopy().orElseThrow());
    }

    @Test
    void theSourceAndTheCloneBothReadWhatWasWrittenBefore() {
        CloneRequest request = copyOf(a);

        sr.view().cloneVdi(request);

        assertThat(sr.read(a)).isEqualTo(content);
        assertThat(sr.read(request.newUuid())).isEqualTo(content);
    }

    @Test
    void writesAfterTheCloneStayOnTheDiskTheyWereWrittenTo() {
        CloneRequest request = copyOf(a);
        sr.view().cloneVdi(request);
        byte[] before = content.clone();

        write(a, 0, pattern(1024, 10));
        sr.write(request.newUuid(), 4 * MIB, pattern(1024, 11));

        assertThat(sr.read(a)).isEqualTo(content);
        byte[] cloneExpected = before.clone();
        System.arraycopy(pattern(1024, 11), 0, cloneExpected, (int) (4 * MIB), 1024);
        assertThat(sr.read(request.newUuid())).isEqualTo(cloneExpected);
        assertThat(sr.read(request.baseCopyUuid())).isEqualTo(before);
    }

    @Test
    void repeatingTheSameRequestReturnsTheSameResultAndCreatesNothing() {
        CloneRequest request = copyOf(a);
        CloneResult first = sr.view().cloneVdi(request);
        SortedSet<String> files = sr.listing();

        CloneResult second = sr.view().cloneVdi(request);

        assertThat(second).isEqualTo(first);
        assertThat(sr.listing()).isEqualTo(files);
        assertThat(FileSr.depth(sr.file(a))).isEqualTo(2);
        assertThat(sr.read(request.newUuid())).isEqualTo(content);
    }

    @Test
    void snapshotBuildsTheSameChainAsClone() {
        CloneRequest request = copyOf(a);

        CloneResult result = sr.view().snapshotVdi(request);

        assertThat(result.baseCopy()).map(VdiInfo::uuid).contains(request.baseCopyUuid());
        assertThat(result.created().parentUuid()).contains(request.baseCopyUuid());
        assertThat(result.source().parentUuid()).contains(request.baseCopyUuid());
        assertThat(sr.read(request.newUuid())).isEqualTo(content);
        assertThat(sr.read(a)).isEqualTo(content);
    }

    @Test
    void snapshotOfAnUnchangedDiskReusesTheExistingParentInsteadOfStackingAnEmptyOne() {
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);
        SortedSet<String> before = sr.listing();
        CloneRequest snapshot = copyOf(a);

        CloneResult result = sr.view().snapshotVdi(snapshot);

        assertThat(result.baseCopy()).isEmpty();
        assertThat(result.created().parentUuid()).contains(clone.baseCopyUuid());
        assertThat(result.source().parentUuid()).contains(clone.baseCopyUuid());
        assertThat(sr.listing()).doesNotContain(snapshot.baseCopyUuid() + ".vhd")
                .containsAll(before)
                .hasSize(before.size() + 1)
                .contains(snapshot.newUuid() + ".vhd");
        assertThat(FileSr.depth(sr.file(snapshot.newUuid()))).isEqualTo(2);
        assertThat(sr.read(snapshot.newUuid())).isEqualTo(content);
        // repeated, it still answers the same
        assertThat(sr.view().snapshotVdi(snapshot)).isEqualTo(result);
        assertThat(sr.listing()).hasSize(before.size() + 1);
    }

    @Test
    void aDiskWrittenToSinceItsLastCopyGetsANewBaseCopy() {
        CloneRequest first = copyOf(a);
        sr.view().cloneVdi(first);
        write(a, 6 * MIB, pattern(2048, 4));
        CloneRequest second = copyOf(a);

        CloneResult result = sr.view().snapshotVdi(second);

        assertThat(result.baseCopy()).map(VdiInfo::parentUuid).contains(Optional.of(first.baseCopyUuid()));
        assertThat(result.created().parentUuid()).contains(second.baseCopyUuid());
        assertThat(FileSr.depth(sr.file(a))).isEqualTo(3);
        assertThat(sr.read(second.newUuid())).isEqualTo(content);
        assertThat(sr.read(a)).isEqualTo(content);
    }

    @Test
    void snapshotOfAnUnchangedButGrownDiskHasTheGrownSize() {
        sr.view().cloneVdi(copyOf(a));
        sr.view().resizeVdi(a, 12 * MIB);
        CloneRequest snapshot = copyOf(a);

        CloneResult result = sr.view().snapshotVdi(snapshot);

        assertThat(result.created().virtualSize()).isEqualTo(12 * MIB);
        byte[] grown = Arrays.copyOf(content, (int) (12 * MIB));
        assertThat(sr.read(snapshot.newUuid())).isEqualTo(grown);
        assertThat(sr.read(a)).isEqualTo(grown);
    }

    @Test
    void copyingAHiddenBaseCopyIsNotAllowed() {
        CloneRequest request = copyOf(a);
        sr.view().cloneVdi(request);
        SortedSet<String> before = sr.listing();

        failure(StandardErrorCode.OPERATION_NOT_ALLOWED, () -> sr.view().cloneVdi(copyOf(request.baseCopyUuid())));

        assertThat(sr.listing()).isEqualTo(before);
    }

    @Test
    void copyingAVdiThatIsNotThereFailsWithVdiNotFound() {
        failure(StandardErrorCode.VDI_NOT_FOUND, () -> sr.view().cloneVdi(copyOf(newUuid())));
    }

    @Test
    void aRequestWhoseUuidsAreNotAllDifferentIsRefusedAndTheSourceIsUntouched() {
        SortedSet<String> before = sr.listing();
        String other = newUuid();

        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.view().cloneVdi(new CloneRequest("k", a, other, a)));
        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.view().cloneVdi(new CloneRequest("k", a, a, other)));
        failure(StandardErrorCode.INVALID_ARGUMENT,
                () -> sr.view().snapshotVdi(new CloneRequest("k", a, other, other)));

        assertThat(sr.listing()).isEqualTo(before);
        assertThat(sr.read(a)).isEqualTo(content);
        assertThat(FileSr.depth(sr.file(a))).isEqualTo(1);
    }

    @Test
    void aBaseCopyUuidThatAlreadyNamesAnotherVdiIsRefusedAndThatVdiIsLeftAlone() {
        String other = sr.createVdi(4 * MIB).uuid();
        SortedSet<String> before = sr.listing();

        failure(StandardErrorCode.INVALID_ARGUMENT,
                () -> sr.view().cloneVdi(new CloneRequest("k", a, newUuid(), other)));

        assertThat(sr.listing()).isEqualTo(before);
        assertThat(sr.scanByUuid().get(other).hidden()).isFalse();
        assertThat(FileSr.depth(sr.file(a))).isEqualTo(1);
    }

    @Test
    void copiesStopWithChainTooDeepWhenTheChainReachesThirtyImagesAndLeaveNoFiles() {
        for (int i = 1; i < VhdChain.MAX_CHAIN_DEPTH; i++) {
            sr.view().cloneVdi(copyOf(a));
            write(a, i * 4096L, new byte[] {(byte) i, 1, 2, 3});
        }
        assertThat(FileSr.depth(sr.file(a))).isEqualTo(VhdChain.MAX_CHAIN_DEPTH);
        SortedSet<String> before = sr.listing();

        failure(StandardErrorCode.CHAIN_TOO_DEEP, () -> sr.view().cloneVdi(copyOf(a)));
        failure(StandardErrorCode.CHAIN_TOO_DEEP, () -> sr.view().snapshotVdi(copyOf(a)));

        assertThat(sr.listing()).isEqualTo(before);
        assertThat(sr.read(a)).isEqualTo(content);
    }
}
