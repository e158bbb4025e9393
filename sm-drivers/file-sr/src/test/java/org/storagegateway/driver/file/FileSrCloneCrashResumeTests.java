package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.pattern;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.vhd.DiskType;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdImage;

/**
 * A clone interrupted after any of its steps (link the base copy, stage and rename the new source leaf, create the
 * copy, hide the base copy) is completed by repeating the same request, with the data intact.
 */
class FileSrCloneCrashResumeTests {
    private static final long SIZE = 8 * MIB;

    @TempDir
    Path location;

    private FileSr sr;
    private String a;
    private byte[] content;
    private CloneRequest request;
    private Path source;
    private Path base;
    private Path created;

    @BeforeEach
    void diskWithData() {
        sr = FileSr.created(location);
        a = sr.createVdi(SIZE).uuid();
        content = new byte[(int) SIZE];
        byte[] data = pattern(3 * 1024 * 1024, 1);
        sr.write(a, MIB + 100, data);
        System.arraycopy(data, 0, content, (int) MIB + 100, data.length);
        request = copyOf(a);
        source = sr.file(a);
        base = sr.file(request.baseCopyUuid());
        created = sr.file(request.newUuid());
    }

    private void linkBaseCopy() throws IOException {
        Files.createLink(base, source);
    }

    private void stageAndRenameTheNewSourceLeaf() throws IOException {
        Path staging = source.resolveSibling(a + ".vhd.new");
        VhdImage.createDifferencing(staging, base, UUID.randomUUID());
        Files.move(staging, source, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void assertCompleted(CloneResult result) {
        assertThat(sr.listing()).containsExactlyInAnyOrder(a + ".vhd", request.newUuid() + ".vhd",
                request.baseCopyUuid() + ".vhd");
        assertThat(result.baseCopy()).hasValueSatisfying(b -> {
            assertThat(b.uuid()).isEqualTo(request.baseCopyUuid());
            assertThat(b.hidden()).isTrue();
        });
        assertThat(result.source().parentUuid()).contains(request.baseCopyUuid());
        assertThat(result.created().parentUuid()).contains(request.baseCopyUuid());
        VdiInfo scannedBase = sr.scanByUuid().get(request.baseCopyUuid());
        assertThat(scannedBase.hidden()).isTrue();
        try (VhdImage leaf = VhdImage.open(source, OpenMode.READ_ONLY)) {
            assertThat(leaf.diskType()).isEqualTo(DiskType.DIFFERENCING);
            assertThat(leaf.allocatedBlockCount()).isZero();
        }
        assertThat(sr.read(a)).isEqualTo(content);
        assertThat(sr.read(request.newUuid())).isEqualTo(content);
        assertThat(sr.read(request.baseCopyUuid())).isEqualTo(content);
    }

    @Test
    void afterOnlyTheHardLinkOfTheSourceAsBaseCopy() throws IOException {
        linkBaseCopy();

        CloneResult result = sr.view().cloneVdi(request);

        assertCompleted(result);
        assertThat(sr.view().cloneVdi(request)).isEqualTo(result);
    }

    @Test
    void afterTheLinkAndAHalfWrittenStagingFile() throws IOException {
        linkBaseCopy();
        Files.write(source.resolveSibling(a + ".vhd.new"), pattern(1000, 5));

        assertCompleted(sr.view().cloneVdi(request));
    }

    @Test
    void afterBothChildrenWereStagedAndNeitherRenamed() throws IOException {
        linkBaseCopy();
        VhdImage.createDifferencing(source.resolveSibling(a + ".vhd.new"), base, UUID.randomUUID());
        Files.write(created.resolveSibling(request.newUuid() + ".vhd.new"), pattern(700, 6));

        assertCompleted(sr.view().cloneVdi(request));
    }

    @Test
    void afterTheSourceLeafWasRenamedWithTheCopyStillStaged() throws IOException {
        linkBaseCopy();
        stageAndRenameTheNewSourceLeaf();
        VhdImage.createDifferencing(created.resolveSibling(request.newUuid() + ".vhd.new"), base, UUID.randomUUID());

        assertCompleted(sr.view().cloneVdi(request));
    }

    @Test
    void afterTheLinkAndTheRenameOfTheStagedSourceLeaf() throws IOException {
        linkBaseCopy();
        stageAndRenameTheNewSourceLeaf();

        CloneResult result = sr.view().cloneVdi(request);

        assertCompleted(result);
        assertThat(sr.view().snapshotVdi(request)).isEqualTo(result);
    }

    @Test
    void afterTheCopyWasCreatedButBeforeTheBaseCopyWasHidden() throws IOException {
        linkBaseCopy();
        stageAndRenameTheNewSourceLeaf();
        VhdImage.createDifferencing(created, base, UUID.randomUUID());

        assertCompleted(sr.view().cloneVdi(request));
    }

    @Test
    void afterACancelBetweenSteps() {
        sr.context.requestCancel();
        failure(StandardErrorCode.CANCELLED, () -> sr.view().cloneVdi(request));
        assertThat(sr.read(a)).isEqualTo(content);

        sr.context.withdrawCancel();
        assertCompleted(sr.view().cloneVdi(request));
    }
}
