package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.failure;
import static org.storagegateway.driver.file.FileSr.sha256;
import static org.storagegateway.vhd.nbd.QemuNbdTools.identical;
import static org.storagegateway.vhd.nbd.QemuNbdTools.qemuIo;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.spi.testing.FakeDriverContext;
import org.storagegateway.vhd.IndependentTools;
import org.storagegateway.vhd.nbd.QemuNbdTools;

/**
 * An attached VDI is served over NBD and QEMU's client reads and writes it; a snapshot taken while QEMU writes
 * switches the export to the new leaf with no write lost, duplicated or split between the two sides.
 */
class FileSrNbdDatapathTests {
    private static final long SIZE = 64 * MIB;

    @TempDir
    Path location;
    @TempDir
    Path scratch;
    private FileSr sr;

    @BeforeEach
    void sr() {
        sr = FileSr.created(location);
    }

    @AfterEach
    void stopExports() {
        sr.factory.deactivate();
    }

    private Path rawReference() throws IOException {
        Path reference = scratch.resolve("reference.raw");
        try (RandomAccessFile raw = new RandomAccessFile(reference.toFile(), "rw")) {
            raw.setLength(SIZE);
        }
        return reference;
    }

    @Test
    void attachServesTheVdiOverNbdAndIsIdempotent() throws IOException {
        String vdi = sr.createVdi(SIZE).uuid();
        Datapath first = sr.view().attachVdi(vdi, false);
        Datapath again = sr.view().attachVdi(vdi, false);

        assertThat(first).isInstanceOf(Datapath.Nbd.class).isEqualTo(again);
        String uri = ((Datapath.Nbd) first).uri();
        assertThat(uri).startsWith("nbd+unix:///" + vdi + "?socket=/").endsWith(vdi + ".sock");
        Path reference = rawReference();
        String[] writes = {"write -P 0x61 0 64k", "write -P 0x62 2044k 8k", "write -P 0x63 60M 1M"};
        qemuIo(uri, writes);
        qemuIo(reference.toString(), writes);
        assertThat(identical(uri, reference)).isTrue();

        sr.view().detachVdi(vdi);
        sr.view().detachVdi(vdi);
        Path socket = Path.of(uri.substring(uri.indexOf("socket=") + "socket=".length()));
        assertThat(socket).doesNotExist();
        assertThat(IndependentTools.readWithLibvhdi(sr.file(vdi)).sha256()).isEqualTo(sha256(Files.readAllBytes(reference)));
    }

    /**
     * Online resize, storage half: a client connected across the resize keeps reading the old range, a new connection
     * learns the new size at its handshake, the old data is intact, and writes beyond the old end land in the VHD.
     */
    @Test
    void growingAnAttachedVdiShowsTheNewSizeToNewConnectionsAndTakesWritesBeyondTheOldEnd() throws Exception {
        long oldSize = 8 * MIB;
        long newSize = 20 * MIB;
        String vdi = sr.createVdi(oldSize).uuid();
        String uri = ((Datapath.Nbd) sr.view().attachVdi(vdi, false)).uri();
        String[] before = {"write -P 0x41 0 64k", "write -P 0x42 8128k 64k"};
        qemuIo(uri, before);
        Process connected = QemuNbdTools.qemuIoInBackground(uri, List.of("read -P 0x41 0 64k", "sleep 2000",
                "read -P 0x42 8128k 64k", "read -P 0x41 0 64k"));
        Thread.sleep(500);

        assertThat(sr.view().resizeVdi(vdi, newSize).virtualSize()).isEqualTo(newSize);

        assertThat(QemuNbdTools.finish(connected)).as("the connection open across the resize").contains("read 65536/65536");
        assertThat(QemuNbdTools.exportSize(uri)).as("the size a new connection learns").isEqualTo(newSize);
        String[] after = {"write -P 0x43 8M 64k", "write -P 0x44 19M 1M"};
        qemuIo(uri, after);
        qemuIo(uri, "read -P 0x41 0 64k", "read -P 0x42 8128k 64k", "read -P 0x43 8M 64k", "read -P 0 8256k 10M",
                "read -P 0x44 19M 1M");
        Path reference = scratch.resolve("grown.raw");
        try (RandomAccessFile raw = new RandomAccessFile(reference.toFile(), "rw")) {
            raw.setLength(newSize);
        }
        qemuIo(reference.toString(), before);
        qemuIo(reference.toString(), after);
        assertThat(identical(uri, reference)).isTrue();
        sr.view().detachVdi(vdi);

        // The file itself: QEMU's vpc driver reads it whole; libvhdi reports the VHD's original size (the footer field
        // that keeps the size at creation) and so reads the range below the old end.
        Path file = sr.file(vdi);
        assertThat(IndependentTools.qemuImgInfo(file).virtualSize()).isEqualTo(newSize);
        assertThat(IndependentTools.qemuImgIdentical(file, reference)).isTrue();
        assertThat(IndependentTools.readRangeWithLibvhdi(file, 0, oldSize).sha256())
                .isEqualTo(sha256(Arrays.copyOf(Files.readAllBytes(reference), (int) oldSize)));
    }

    @Test
    void attachedVdisCannotBeDeletedAndHiddenBaseCopiesAttachOnlyReadOnly() {
        String vdi = sr.createVdi(SIZE).uuid();
        sr.view().attachVdi(vdi, false);
        failure(StandardErrorCode.VDI_IN_USE, () -> sr.view().deleteVdi(vdi));

        CloneResult snapshot = sr.view().snapshotVdi(copyOf(vdi));
        String base = snapshot.baseCopy().orElseThrow().uuid();
        failure(StandardErrorCode.OPERATION_NOT_ALLOWED, () -> sr.view().attachVdi(base, false));
        Datapath readOnly = sr.view().attachVdi(base, true);
        qemuIo(true, ((Datapath.Nbd) readOnly).uri(), "read -P 0 0 1M");
        String frozen = snapshot.created().uuid();
        sr.view().attachVdi(frozen, true);
        failure(StandardErrorCode.VDI_IN_USE, () -> sr.view().attachVdi(frozen, false));

        sr.view().detachVdi(vdi);
        sr.view().deleteVdi(vdi);
    }

    /**
     * qemu-io writes 1000 regions one after the other while the VDI is snapshotted three times. The leaf ends with all
     * of them; each snapshot holds exactly the first k, each whole, for some k: every switch fell between two requests.
     */
    @Test
    void snapshotsWhileQemuWritesKeepEveryWriteOnExactlyOneSide() throws Exception {
        String vdi = sr.createVdi(SIZE).uuid();
        String uri = ((Datapath.Nbd) sr.view().attachVdi(vdi, false)).uri();
        int regions = 1000;
        int stride = (int) (SIZE / regions) / 4096 * 4096;
        int length = 16 << 10;
        List<String> writes = new ArrayList<>();
        for (int i = 0; i < regions; i++) {
            writes.add("write -P " + (i % 255 + 1) + " " + (long) i * stride + " " + length);
        }
        Path reference = rawReference();
        long emptySize = Files.size(sr.file(vdi));

        Process writer = QemuNbdTools.qemuIoInBackground(uri, writes);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2))
                .until(() -> Files.size(sr.file(vdi)) > emptySize);
        List<CloneResult> snapshots = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            snapshots.add(sr.view().snapshotVdi(copyOf(vdi)));
            Thread.sleep(30);
        }
        QemuNbdTools.finish(writer);
        qemuIo(reference.toString(), writes.toArray(String[]::new));

        assertThat(identical(uri, reference)).as("the attached VDI has every write").isTrue();
        int previous = 0;
        for (CloneResult snapshot : snapshots) {
            byte[] frozen = sr.read(snapshot.created().uuid());
            int k = countWritten(frozen, regions, stride);
            byte[] expected = new byte[(int) SIZE];
            for (int i = 0; i < k; i++) {
                Arrays.fill(expected, i * stride, i * stride + length, (byte) (i % 255 + 1));
            }
            assertThat(sha256(frozen)).as("a snapshot is the first %d writes, whole", k).isEqualTo(sha256(expected));
            assertThat(IndependentTools.readWithLibvhdi(sr.file(snapshot.created().uuid())).sha256())
                    .isEqualTo(sha256(expected));
            assertThat(k).as("snapshots in order").isGreaterThanOrEqualTo(previous);
            previous = k;
        }
        int first = countWritten(sr.read(snapshots.get(0).created().uuid()), regions, stride);
        assertThat(first).as("the first snapshot fell amid the writes").isPositive().isLessThan(regions);

        sr.view().detachVdi(vdi);
        assertThat(IndependentTools.readWithLibvhdi(sr.file(vdi)).sha256())
                .isEqualTo(sha256(Files.readAllBytes(reference)));
    }

    @Test
    void exportsReadingThroughAnInternalChildKeepServingWhileItIsMergedAndPauseOnlyForTheRelink() throws Exception {
        String vdi = sr.createVdi(SIZE).uuid();
        String uri = ((Datapath.Nbd) sr.view().attachVdi(vdi, false)).uri();
        Path reference = rawReference();
        String[][] writes = {{"write -P 0x41 0 1M", "write -P 0x42 5M 3M"}, {"write -P 0x43 512k 1M"},
                {"write -P 0x44 40M 4k"}};
        qemuIo(uri, writes[0]);
        qemuIo(reference.toString(), writes[0]);
        CloneResult first = sr.view().snapshotVdi(copyOf(vdi));
        qemuIo(uri, writes[1]);
        qemuIo(reference.toString(), writes[1]);
        sr.view().snapshotVdi(copyOf(vdi));
        qemuIo(uri, writes[2]);
        qemuIo(reference.toString(), writes[2]);
        // The first base copy now has one child, the second base copy: an internal child, under the attached leaf.
        sr.view().deleteVdi(first.created().uuid());
        assertThat(FileSr.depth(sr.file(vdi))).isEqualTo(3);

        FakeDriverContext held = new FakeDriverContext();
        FakeDriverContext.Hold merging = held.holdAtCancelCheck();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<GarbageCollectionReport> collection =
                    pool.submit(() -> sr.view(held).collectGarbage(new GarbageCollectionLimits(Long.MAX_VALUE, 4)));
            assertThat(merging.awaitReached(Duration.ofSeconds(10))).isTrue();

            // Served while the merge is stopped inside: QEMU writes and reads the whole disk.
            qemuIo(uri, "write -P 0x45 60M 4k");
            qemuIo(reference.toString(), "write -P 0x45 60M 4k");
            assertThat(identical(uri, reference)).isTrue();
            assertThat(collection).as("the coalesce was still merging").isNotDone();

            merging.release();
            assertThat(collection.get(30, TimeUnit.SECONDS).coalesced()).isEqualTo(1);
        } finally {
            merging.release();
            pool.shutdownNow();
        }
        assertThat(FileSr.depth(sr.file(vdi))).as("the internal child was merged away").isEqualTo(2);
        assertThat(identical(uri, reference)).isTrue();
        qemuIo(uri, "write -P 0x46 61M 4k");
        qemuIo(reference.toString(), "write -P 0x46 61M 4k");
        assertThat(identical(uri, reference)).isTrue();
    }

    private static int countWritten(byte[] disk, int regions, int stride) {
        int k = 0;
        while (k < regions && disk[k * stride] != 0) {
            k++;
        }
        return k;
    }

    @Test
    void coalescingUnderAnAttachedVdiKeepsServingTheSameBytes() throws IOException {
        String vdi = sr.createVdi(SIZE).uuid();
        String uri = ((Datapath.Nbd) sr.view().attachVdi(vdi, false)).uri();
        Path reference = rawReference();
        String[] before = {"write -P 0x41 0 1M", "write -P 0x42 5M 3M"};
        qemuIo(uri, before);
        qemuIo(reference.toString(), before);
        CloneResult snapshot = sr.view().snapshotVdi(copyOf(vdi));
        String[] after = {"write -P 0x43 512k 1M", "write -P 0x44 40M 4k"};
        qemuIo(uri, after);
        qemuIo(reference.toString(), after);
        sr.view().deleteVdi(snapshot.created().uuid());

        sr.view().collectGarbage(new GarbageCollectionLimits(1L << 30, 4));

        assertThat(FileSr.depth(sr.file(vdi))).as("the chain was coalesced").isEqualTo(1);
        assertThat(identical(uri, reference)).isTrue();
        qemuIo(uri, "write -P 0x45 60M 4k");
        qemuIo(reference.toString(), "write -P 0x45 60M 4k");
        assertThat(identical(uri, reference)).isTrue();
    }
}
