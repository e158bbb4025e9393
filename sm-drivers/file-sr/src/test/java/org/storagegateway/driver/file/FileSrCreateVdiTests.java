package org.storagegateway.driver.file;

import org.storagegateway.vhd.IndependentTools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.storagegateway.driver.file.FileSr.GIB;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.newUuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.vhd.DiskType;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdImage;

/** createVdi: an empty dynamic VHD named by the VDI's UUID, sized in whole 2 MiB blocks. */
class FileSrCreateVdiTests {

    @TempDir
    Path location;

    @Test
    void createsAnEmptyDynamicVhdNamedByTheUuid() {
        FileSr sr = FileSr.created(location);
        String uuid = newUuid();

        VdiInfo vdi = sr.view().createVdi(new CreateVdiRequest("key", uuid, 8 * MIB));

        assertThat(vdi.uuid()).isEqualTo(uuid);
        assertThat(vdi.virtualSize()).isEqualTo(8 * MIB);
        assertThat(vdi.parentUuid()).isEmpty();
        assertThat(vdi.hidden()).isFalse();
        assertThat(sr.listing()).containsExactly(uuid + ".vhd");
        try (VhdImage image = VhdImage.open(sr.file(uuid), OpenMode.READ_ONLY)) {
            assertThat(image.diskType()).isEqualTo(DiskType.DYNAMIC);
            assertThat(image.uuid()).hasToString(uuid);
            assertThat(image.allocatedBlockCount()).isZero();
        }
        assertThat(sr.read(uuid)).containsOnly(0);
    }

    @Test
    void roundsTheSizeUpToWholeTwoMibBlocks() {
        FileSr sr = FileSr.created(location);

        assertThat(sr.createVdi(1).virtualSize()).isEqualTo(2 * MIB);
        assertThat(sr.createVdi(2 * MIB).virtualSize()).isEqualTo(2 * MIB);
        assertThat(sr.createVdi(2 * MIB + 1).virtualSize()).isEqualTo(4 * MIB);
        assertThat(sr.createVdi(5 * MIB + 512).virtualSize()).isEqualTo(6 * MIB);
    }

    @Test
    void acceptsTheLargestVhdSize() {
        FileSr sr = FileSr.created(location);

        assertThat(sr.createVdi(2040 * GIB).virtualSize()).isEqualTo(2040 * GIB);
    }

    @Test
    void refusesMoreThan2040GibWithInvalidArgumentAndLeavesNothingBehind() {
        FileSr sr = FileSr.created(location);

        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.createVdi(2040 * GIB + 1));
        failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.createVdi(Long.MAX_VALUE));

        assertThat(sr.listing()).isEmpty();
    }

    @Test
    void aZeroSizeCannotEvenBeRequested() {
        // The SPI's request refuses it before any driver sees it; the driver's own check is in resizeVdi's tests.
        assertThatIllegalArgumentException().isThrownBy(() -> new CreateVdiRequest("key", newUuid(), 0));
    }

    @Test
    void refusesAVdiUuidThatIsNotAUuid() {
        FileSr sr = FileSr.created(location);

        failure(StandardErrorCode.INVALID_ARGUMENT,
                () -> sr.view().createVdi(new CreateVdiRequest("key", "../escape", 4 * MIB)));
        assertThat(sr.listing()).isEmpty();
    }

    @Test
    void isIdempotentTheSameUuidTwiceGivesTheSameVdiAndOneFile() {
        FileSr sr = FileSr.created(location);
        CreateVdiRequest request = new CreateVdiRequest("key", newUuid(), 8 * MIB);

        VdiInfo first = sr.view().createVdi(request);
        VdiInfo second = sr.view().createVdi(request);

        assertThat(second).isEqualTo(first);
        assertThat(sr.listing()).containsExactly(request.vdiUuid() + ".vhd");
    }

    @Test
    void aRepeatDoesNotTouchDataWrittenSince() {
        FileSr sr = FileSr.created(location);
        CreateVdiRequest request = new CreateVdiRequest("key", newUuid(), 8 * MIB);
        sr.view().createVdi(request);
        byte[] data = FileSr.pattern(4096, 7);
        sr.write(request.vdiUuid(), 0, data);

        sr.view().createVdi(request);

        byte[] content = sr.read(request.vdiUuid());
        assertThat(java.util.Arrays.copyOf(content, data.length)).isEqualTo(data);
    }

    @Test
    void leavesNoStagingFile() {
        FileSr sr = FileSr.created(location);

        sr.createVdi(4 * MIB);
        sr.createVdi(6 * MIB);

        assertThat(sr.listing()).allSatisfy(name -> assertThat(name).endsWith(".vhd"));
    }

    @Test
    void replacesAStagingFileLeftByAnInterruptedCreate() throws IOException {
        FileSr sr = FileSr.created(location);
        String uuid = newUuid();
        Files.write(sr.folder().resolve(uuid + ".vhd.new"), FileSr.pattern(700, 3));

        VdiInfo vdi = sr.view().createVdi(new CreateVdiRequest("key", uuid, 4 * MIB));

        assertThat(vdi.virtualSize()).isEqualTo(4 * MIB);
        assertThat(sr.listing()).containsExactly(uuid + ".vhd");
    }

    @Test
    void qemuImgSeesTheRoundedVirtualSizeOfACreatedVdi() throws IOException {
        Assumptions.assumeTrue(IndependentTools.qemuImgAvailable(), "qemu-img is not installed");
        FileSr sr = FileSr.created(location);
        List<long[]> sizes = new ArrayList<>();
        for (long requested : new long[] {1, 5 * MIB + 1, 64 * MIB - 100}) {
            String uuid = newUuid();
            long reported = sr.view().createVdi(new CreateVdiRequest("k", uuid, requested)).virtualSize();
            IndependentTools.QemuInfo info = IndependentTools.qemuImgInfo(sr.file(uuid));
            assertThat(info.format()).isEqualTo("vpc");
            sizes.add(new long[] {requested, reported, info.virtualSize()});
        }

        assertThat(sizes).extracting(s -> s[2]).containsExactly(2 * MIB, 6 * MIB, 64 * MIB);
        assertThat(sizes).allSatisfy(s -> assertThat(s[2]).isEqualTo(s[1]));
    }
}
