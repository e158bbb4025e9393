package org.storagegateway.driver.file;

import org.storagegateway.vhd.IndependentTools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.pattern;
import static org.storagegateway.driver.file.FileSr.sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.vhd.VhdImage;

/**
 * The chains the driver builds are read by libvhdi, which shares no code with the gateway, as the content written
 * into them: the driver's files are real VHD chains, not just something our own library agrees with.
 */
class FileSrChainsReadByLibvhdiTests {
    private static final long SIZE = 16 * MIB;

    @TempDir
    Path location;

    private FileSr sr;
    private String a;
    private byte[] content;

    @BeforeEach
    void diskWithData() {
        Assumptions.assumeTrue(IndependentTools.libvhdiAvailable(),
                "python3-libvhdi is not installed for " + IndependentTools.PYTHON);
        sr = FileSr.created(location);
        a = sr.createVdi(SIZE).uuid();
        content = new byte[(int) SIZE];
        writeA(0, pattern(4096, 1));
        writeA(2 * MIB - 333, pattern(70_000, 2));
        writeA(SIZE - 1024, pattern(1024, 3));
    }

    private void writeA(long offset, byte[] data) {
        sr.write(a, offset, data);
        System.arraycopy(data, 0, content, (int) offset, data.length);
    }

    private void assertLibvhdiReads(String vdi, int depth, byte[] expected) throws IOException {
        IndependentTools.LibvhdiReading reading = IndependentTools.readWithLibvhdi(sr.file(vdi));
        assertThat(reading.depth()).as("chain depth of %s", vdi).isEqualTo(depth);
        assertThat(reading.mediaSize()).isEqualTo(expected.length);
        assertThat(reading.sha256()).as("SHA-256 of %s", vdi).isEqualTo(sha256(expected));
    }

    @Test
    void aCloneAndItsSourceReadAsTheDataWrittenBefore() throws IOException {
        CloneRequest clone = copyOf(a);

        sr.view().cloneVdi(clone);

        assertLibvhdiReads(a, 2, content);
        assertLibvhdiReads(clone.newUuid(), 2, content);
        assertLibvhdiReads(clone.baseCopyUuid(), 1, content);
    }

    @Test
    void aSnapshotThatReusedTheParentReadsAsTheSource() throws IOException {
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);
        CloneRequest snapshot = copyOf(a);

        sr.view().snapshotVdi(snapshot);

        assertLibvhdiReads(snapshot.newUuid(), 2, content);
        assertLibvhdiReads(a, 2, content);
    }

    @Test
    void everyCopyOfADeepChainReadsAsTheSourceDidWhenItWasTaken() throws IOException {
        Map<String, byte[]> copies = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            CloneRequest request = copyOf(a);
            if (i % 2 == 0) {
                sr.view().cloneVdi(request);
            } else {
                sr.view().snapshotVdi(request);
            }
            copies.put(request.newUuid(), content.clone());
            writeA(i * 1_000_003L % (SIZE - 9000), pattern(9000, 10 + i));
        }

        assertLibvhdiReads(a, 7, content);
        int depth = 2;
        for (Map.Entry<String, byte[]> copy : copies.entrySet()) {
            assertLibvhdiReads(copy.getKey(), depth++, copy.getValue());
        }
    }

    @Test
    void writesToACloneAreSeenOnlyThroughTheClone() throws IOException {
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);
        byte[] cloneContent = content.clone();
        byte[] data = pattern(5000, 20);
        sr.write(clone.newUuid(), 3 * MIB + 1, data);
        System.arraycopy(data, 0, cloneContent, (int) (3 * MIB + 1), data.length);

        assertLibvhdiReads(clone.newUuid(), 2, cloneContent);
        assertLibvhdiReads(a, 2, content);
    }

    @Test
    void aCloneResumedAfterACrashReadsAsTheSource() throws IOException {
        CloneRequest request = copyOf(a);
        Path source = sr.file(a);
        Path base = sr.file(request.baseCopyUuid());
        Files.createLink(base, source);
        Path staging = source.resolveSibling(a + ".vhd.new");
        VhdImage.createDifferencing(staging, base, UUID.randomUUID());
        Files.move(staging, source, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        sr.view().cloneVdi(request);

        assertLibvhdiReads(a, 2, content);
        assertLibvhdiReads(request.newUuid(), 2, content);
    }

    @Test
    void aGrownCloneKeepsItsDataAndItsNewSizeForTheOtherReaders() throws IOException {
        CloneRequest clone = copyOf(a);
        sr.view().cloneVdi(clone);

        sr.view().resizeVdi(a, SIZE + 4 * MIB);

        // libvhdi takes the media size from the footer's "original size" (offset 40), which a resize rightly leaves
        // alone, as vhd-util does; it reads the old size's worth, and qemu-img (which uses "current size") the new.
        assertLibvhdiReads(a, 2, content);
        Assumptions.assumeTrue(IndependentTools.qemuImgAvailable(), "qemu-img is not installed");
        assertThat(IndependentTools.qemuImgInfo(sr.file(a)).virtualSize()).isEqualTo(SIZE + 4 * MIB);
    }
}
