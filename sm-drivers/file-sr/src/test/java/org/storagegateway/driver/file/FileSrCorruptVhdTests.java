package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.newUuid;
import static org.storagegateway.driver.file.FileSr.pattern;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.IntroduceVdiRequest;
import org.storagegateway.spi.model.SrStats;

/** A damaged VHD is reported as corrupt data and never stops the rest of the SR from working. */
class FileSrCorruptVhdTests {

    @TempDir
    Path location;

    private FileSr sr;
    private String healthy;
    private String corrupt;

    @BeforeEach
    void srWithOneGarbageFile() throws IOException {
        sr = FileSr.created(location);
        healthy = sr.createVdi(4 * MIB).uuid();
        corrupt = newUuid();
        Files.write(sr.file(corrupt), pattern(64 * 1024, 42));
    }

    @Test
    void scanSkipsTheCorruptFileReportsTheOthersAndLogsAWarning() {
        assertThat(sr.scanByUuid()).containsOnlyKeys(healthy);
        assertThat(sr.context.logLines()).anySatisfy(line -> assertThat(line)
                .startsWith("WARNING").contains(corrupt));
    }

    @ParameterizedTest(name = "{0} bytes of garbage")
    @ValueSource(ints = {0, 1, 511, 512, 1024, 3 * 512 + 7})
    void scanSkipsGarbageOfAnyLength(int length) throws IOException {
        Files.write(sr.file(corrupt), pattern(length, length));

        assertThat(sr.scanByUuid()).containsOnlyKeys(healthy);
    }

    @Test
    void statsStillWork() {
        SrStats stats = sr.view().stats();

        assertThat(stats.virtualAllocation()).isEqualTo(4 * MIB);
    }

    @Test
    void operationsOnTheCorruptVdiFailWithCorruptData() {
        SortedSet<String> before = sr.listing();

        failure(StandardErrorCode.CORRUPT_DATA, () -> sr.view().introduceVdi(new IntroduceVdiRequest(corrupt)));
        failure(StandardErrorCode.CORRUPT_DATA, () -> sr.view().resizeVdi(corrupt, 8 * MIB));
        failure(StandardErrorCode.CORRUPT_DATA, () -> sr.view().cloneVdi(copyOf(corrupt)));
        failure(StandardErrorCode.CORRUPT_DATA, () -> sr.view().snapshotVdi(copyOf(corrupt)));
        failure(StandardErrorCode.CORRUPT_DATA, () -> sr.view().deleteVdi(corrupt));

        assertThat(sr.listing()).isEqualTo(before);
    }

    @Test
    void createWithTheUuidOfTheCorruptFileReportsCorruptDataAndKeepsTheFile() throws IOException {
        byte[] garbage = Files.readAllBytes(sr.file(corrupt));

        failure(StandardErrorCode.CORRUPT_DATA,
                () -> sr.view().createVdi(new CreateVdiRequest("key", corrupt, 4 * MIB)));

        assertThat(sr.file(corrupt)).hasBinaryContent(garbage);
    }

    @Test
    void theOtherVdisCanStillBeCreatedCopiedResizedAndDeleted() {
        sr.write(healthy, 0, pattern(1000, 1));
        String created = sr.createVdi(2 * MIB).uuid();
        var clone = copyOf(healthy);
        sr.view().cloneVdi(clone);
        sr.view().resizeVdi(healthy, 6 * MIB);

        sr.view().deleteVdi(created);
        sr.view().deleteVdi(clone.newUuid());
        sr.view().deleteVdi(healthy);

        assertThat(sr.listing()).containsExactly(corrupt + ".vhd");
    }

    @Test
    void aCorruptFooterIsReportedAsCorruptDataToo() throws IOException {
        Path file = sr.file(healthy);
        byte[] bytes = Files.readAllBytes(file);
        // damage both the trailing footer and its copy at offset 0
        bytes[bytes.length - 512 + 70] ^= 0x5a;
        bytes[70] ^= 0x5a;
        Files.write(file, bytes);

        assertThat(sr.view().scan()).isEmpty();
        failure(StandardErrorCode.CORRUPT_DATA, () -> sr.view().introduceVdi(new IntroduceVdiRequest(healthy)));
    }
}
