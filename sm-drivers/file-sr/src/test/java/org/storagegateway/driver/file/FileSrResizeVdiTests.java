package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.GIB;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.newUuid;
import static org.storagegateway.driver.file.FileSr.pattern;

import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.VdiInfo;

/** resizeVdi grows a VDI in whole 2 MiB blocks, keeps its data, and never shrinks it. */
class FileSrResizeVdiTests {

    @TempDir
    Path location;

    private FileSr sr;
    private String a;
    private byte[] content;

    @BeforeEach
    void diskWithData() {
        sr = FileSr.created(location);
        a = sr.createVdi(4 * MIB).uuid();
        content = new byte[(int) (4 * MIB)];
        byte[] head = pattern(5000, 1);
        byte[] tail = pattern(3000, 2);
        sr.write(a, 0, head);
        sr.write(a, 4 * MIB - tail.length, tail);
        System.arraycopy(head, 0, content, 0, head.length);
        System.arraycopy(tail, 0, content, content.length - tail.length, tail.length);
    }

    @Test
    void growingChangesTheVirtualSizeRoundedUpAndKeepsTheData() {
        VdiInfo grown = sr.view().resizeVdi(a, 9 * MIB + 1);

        assertThat(grown.virtualSize()).isEqualTo(10 * MIB);
        assertThat(sr.scanByUuid().get(a).virtualSize()).isEqualTo(10 * MIB);
        assertThat(sr.read(a)).isEqualTo(Arrays.copyOf(content, (int) (10 * MIB)));
    }

    @Test
    void theGrownPartCanBeWrittenAndRead() {
        sr.view().resizeVdi(a, 8 * MIB);
        byte[] data = pattern(4096, 9);

        sr.write(a, 7 * MIB, data);

        byte[] expected = Arrays.copyOf(content, (int) (8 * MIB));
        System.arraycopy(data, 0, expected, (int) (7 * MIB), data.length);
        assertThat(sr.read(a)).isEqualTo(expected);
    }

    @Test
    void growingACloneKeepsWhatItReadsFromItsBaseCopy() {
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);

        sr.view().resizeVdi(a, 16 * MIB);

        assertThat(sr.read(a)).isEqualTo(Arrays.copyOf(content, (int) (16 * MIB)));
        assertThat(sr.read(clone.newUuid())).isEqualTo(content);
        assertThat(sr.view().stats().virtualAllocation()).isEqualTo(20 * MIB);
    }

    @Test
    void shrinkingIsRefusedWithInvalidArgumentAndChangesNothing() {
        sr.view().resizeVdi(a, 8 * MIB);

        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.view().resizeVdi(a, 4 * MIB));

        assertThat(sr.scanByUuid().get(a).virtualSize()).isEqualTo(8 * MIB);
        assertThat(sr.read(a)).isEqualTo(Arrays.copyOf(content, (int) (8 * MIB)));
    }

    @Test
    void resizingToTheCurrentSizeChangesNothing() {
        VdiInfo before = sr.scanByUuid().get(a);

        assertThat(sr.view().resizeVdi(a, 4 * MIB - 100)).isEqualTo(before);
    }

    @Test
    void sizesOutsideOneByteTo2040GibAreRefused() {
        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.view().resizeVdi(a, 0));
        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.view().resizeVdi(a, -1));
        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.view().resizeVdi(a, 2040 * GIB + 1));

        assertThat(sr.read(a)).isEqualTo(content);
    }

    @Test
    void resizingAHiddenBaseCopyIsNotAllowed() {
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);

        failure(StandardErrorCode.OPERATION_NOT_ALLOWED, () -> sr.view().resizeVdi(clone.baseCopyUuid(), 8 * MIB));
    }

    @Test
    void resizingAVdiThatIsNotThereFailsWithVdiNotFound() {
        failure(StandardErrorCode.VDI_NOT_FOUND, () -> sr.view().resizeVdi(newUuid(), 8 * MIB));
    }
}
