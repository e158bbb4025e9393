package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.newUuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.IntroduceVdiRequest;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.spi.testing.FakeDriverContext;
import org.storagegateway.vhd.VhdImage;

/** An SR's life: create, attach, scan, stats, probe, introduce, and how the device-config is checked. */
class FileSrLifecycleTests {

    @TempDir
    Path location;

    @Test
    void createMakesTheSrFolderUnderThePathAndReportsAnEmptySr() {
        FileSr sr = FileSr.notCreated(location);

        SrStats stats = sr.view().create();

        assertThat(sr.folder()).isDirectory();
        assertThat(stats.physicalUtilisation()).isZero();
        assertThat(stats.virtualAllocation()).isZero();
        assertThat(stats.physicalSize()).isPositive();
    }

    @Test
    void createIsIdempotentAndKeepsWhatIsThere() {
        FileSr sr = FileSr.created(location);
        VdiInfo vdi = sr.createVdi(4 * MIB);

        sr.view().create();

        assertThat(sr.view().scan()).containsExactly(vdi);
    }

    @Test
    void attachAndDetachSucceedOnACreatedSrAndCanBeRepeated() {
        FileSr sr = FileSr.created(location);

        sr.view().attach();
        sr.view().attach();
        sr.view().detach();
        sr.view().detach();
    }

    @Test
    void attachFailsWhenTheSrFolderIsMissing() {
        FileSr sr = FileSr.notCreated(location);

        failure(StandardErrorCode.STORAGE_FAILURE, () -> sr.view().attach());
    }

    @Test
    void scanOfAnEmptySrFindsNothingAndStatsAreZero() {
        FileSr sr = FileSr.created(location);

        assertThat(sr.view().scan()).isEmpty();
        SrStats stats = sr.view().stats();
        assertThat(stats.physicalUtilisation()).isZero();
        assertThat(stats.virtualAllocation()).isZero();
        assertThat(stats.physicalSize()).isEqualTo(location.toFile().getTotalSpace());
    }

    @Test
    void scanIgnoresFilesThatAreNotVdis() throws IOException {
        FileSr sr = FileSr.created(location);
        VdiInfo vdi = sr.createVdi(4 * MIB);
        Files.writeString(sr.folder().resolve("filelog.txt"), "x");
        Files.writeString(sr.folder().resolve("not-a-uuid.vhd"), "x");
        Files.writeString(sr.folder().resolve(newUuid() + ".vhd.new"), "x");
        Files.writeString(sr.folder().resolve(newUuid() + ".raw"), "x");

        assertThat(sr.view().scan()).containsExactly(vdi);
    }

    @Test
    void statsUtilisationIsTheSumOfTheVhdFileSizesAndAllocationTheSumOfVisibleVirtualSizes() throws IOException {
        FileSr sr = FileSr.created(location);
        VdiInfo a = sr.createVdi(8 * MIB);
        sr.createVdi(4 * MIB);
        sr.write(a.uuid(), 3 * MIB, FileSr.pattern(5000, 1));
        sr.view().cloneVdi(copyOf(a.uuid()));

        SrStats stats = sr.view().stats();

        long fileSizes = 0;
        for (String name : sr.listing()) {
            fileSizes += Files.size(sr.folder().resolve(name));
        }
        // a (8), its clone (8) and the 4 MiB disk are visible; the base copy (8) is hidden and not counted.
        assertThat(stats.physicalUtilisation()).isEqualTo(fileSizes);
        assertThat(stats.virtualAllocation()).isEqualTo(20 * MIB);
        assertThat(sr.view().scan()).hasSize(4);
    }

    @Test
    void scanReportsSizesAndParentsAsFoundInTheFiles() throws IOException {
        FileSr sr = FileSr.created(location);
        VdiInfo a = sr.createVdi(6 * MIB);

        VdiInfo scanned = sr.scanByUuid().get(a.uuid());

        assertThat(scanned.virtualSize()).isEqualTo(6 * MIB);
        assertThat(scanned.physicalUtilisation()).isEqualTo(Files.size(sr.file(a.uuid())));
        assertThat(scanned.parentUuid()).isEmpty();
        assertThat(scanned.hidden()).isFalse();
        assertThat(scanned.readOnly()).isFalse();
        assertThat(scanned.smConfig()).containsEntry("vhd-blocks", "0").doesNotContainKey("vhd-parent");
    }

    @Test
    void probeListsTheSrFoldersUnderThePathWithTheirDiskCounts() throws IOException {
        FileSr first = FileSr.created(location);
        first.createVdi(4 * MIB);
        first.createVdi(4 * MIB);
        FileSr second = FileSr.created(location);
        Files.createDirectory(location.resolve("lost+found"));
        Files.writeString(location.resolve(newUuid()), "a file, not a folder");

        List<ProbeEntry> found = first.factory.probe(Map.of("path", location.toString()), first.context);

        assertThat(found).extracting(ProbeEntry::id).containsExactlyInAnyOrder(first.srUuid, second.srUuid);
        assertThat(found).allSatisfy(e -> assertThat(e.kind()).isEqualTo(ProbeEntry.Kind.STORAGE_REPOSITORY));
        ProbeEntry firstEntry = found.stream().filter(e -> e.id().equals(first.srUuid)).findFirst().orElseThrow();
        assertThat(firstEntry.attributes())
                .containsEntry("path", first.folder().toString())
                .containsEntry("vhd-count", "2");
    }

    @Test
    void probeOfAMissingPathFailsAsAStorageFailure() {
        FileSrDriverFactory factory = new FileSrDriverFactory();

        failure(StandardErrorCode.STORAGE_FAILURE, () -> factory.probe(
                Map.of("path", location.resolve("absent").toString()), new FakeDriverContext()));
    }

    @Test
    void openRefusesAMissingOrRelativePath() {
        FileSrDriverFactory factory = new FileSrDriverFactory();
        FakeDriverContext context = new FakeDriverContext();

        failure(StandardErrorCode.INVALID_ARGUMENT,
                () -> factory.open(new RepositoryConfig(newUuid(), "name", Map.of()), context));
        failure(StandardErrorCode.INVALID_ARGUMENT,
                () -> factory.open(new RepositoryConfig(newUuid(), "name", Map.of("path", "relative/dir")), context));
    }

    @Test
    void descriptorDeclaresTheFileTypeAndWhatTheDriverOffers() {
        var descriptor = new FileSrDriverFactory().descriptor();

        assertThat(descriptor.srType()).isEqualTo("file");
        assertThat(descriptor.configKey("path")).hasValueSatisfying(k -> assertThat(k.required()).isTrue());
        assertThat(descriptor.capabilities()).contains(Capability.SR_PROBE, Capability.VDI_CLONE,
                Capability.VDI_SNAPSHOT, Capability.VDI_RESIZE, Capability.VDI_RESIZE_ONLINE, Capability.VDI_INTRODUCE,
                Capability.VDI_DELETE);
    }

    @Test
    void introduceAdoptsAVhdFilePutIntoTheFolderByOtherMeans() {
        FileSr sr = FileSr.created(location);
        String uuid = newUuid();
        VhdImage.createDynamic(sr.file(uuid), 10 * MIB, java.util.UUID.fromString(uuid));

        VdiInfo introduced = sr.view().introduceVdi(new IntroduceVdiRequest(uuid));

        assertThat(introduced.uuid()).isEqualTo(uuid);
        assertThat(introduced.virtualSize()).isEqualTo(10 * MIB);
        assertThat(introduced.hidden()).isFalse();
        assertThat(sr.view().scan()).containsExactly(introduced);
    }

    @Test
    void introduceOfAFileThatIsNotThereFailsWithVdiNotFound() {
        FileSr sr = FileSr.created(location);

        failure(StandardErrorCode.VDI_NOT_FOUND, () -> sr.view().introduceVdi(new IntroduceVdiRequest(newUuid())));
    }

    @Test
    void introduceRefusesSomethingThatIsNotAUuid() {
        FileSr sr = FileSr.created(location);

        failure(StandardErrorCode.INVALID_ARGUMENT,
                () -> sr.view().introduceVdi(new IntroduceVdiRequest("../../etc/passwd")));
    }
}
