package org.storagegateway.vhd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.storagegateway.vhd.TestSupport.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of reads, writes, copy-on-write, resize and re-parenting, checked with the library itself. */
class VhdChainTest {

    private static final long SIZE = 64 * MIB;

    @TempDir
    Path dir;

    @Test
    void randomWritesReadBackAndSurviveReopen() {
        Path f = dir.resolve("d.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        byte[] model = new byte[(int) SIZE];
        try (VhdChain chain = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(1), SIZE, 200), chain, model);
            assertThat(readAll(chain)).isEqualTo(model);
        }
        try (VhdChain chain = VhdChain.open(f, OpenMode.READ_ONLY)) {
            assertThat(readAll(chain)).isEqualTo(model);
            byte[] piece = new byte[777];
            chain.read(3 * MIB - 100, piece, 0, piece.length);
            assertThat(piece).isEqualTo(Arrays.copyOfRange(model, (int) (3 * MIB - 100), (int) (3 * MIB - 100 + 777)));
            assertThatThrownBy(() -> chain.write(0, new byte[1], 0, 1))
                    .isInstanceOfSatisfying(VhdException.class, e -> assertThat(e.reason())
                            .isEqualTo(VhdException.Reason.READ_ONLY));
            assertThatThrownBy(() -> chain.read(SIZE - 10, new byte[11], 0, 11))
                    .isInstanceOfSatisfying(VhdException.class, e -> assertThat(e.reason())
                            .isEqualTo(VhdException.Reason.INVALID_ARGUMENT));
        }
    }

    @Test
    void threeLevelChainMergesLeafToRootAndNeverTouchesParents() throws Exception {
        Path base = dir.resolve("base.vhd");
        VhdImage.createDynamic(base, SIZE, UUID.randomUUID(), fastOptions());
        byte[] model = new byte[(int) SIZE];
        try (VhdChain c = VhdChain.open(base, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(2), SIZE, 80), c, model);
        }
        byte[] baseModel = model.clone();
        byte[] baseBytes = bytes(base);

        Path mid = dir.resolve("mid.vhd");
        VhdImage.createDifferencing(mid, base, UUID.randomUUID(), fastOptions());
        try (VhdChain c = VhdChain.open(mid, OpenMode.READ_WRITE)) {
            assertThat(c.depth()).isEqualTo(2);
            apply(randomWrites(new Random(3), SIZE, 80), c, model);
        }
        byte[] midModel = model.clone();
        Path leaf = dir.resolve("leaf.vhd");
        VhdImage.createDifferencing(leaf, mid, UUID.randomUUID(), fastOptions());
        try (VhdChain c = VhdChain.open(leaf, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(4), SIZE, 80), c, model);
            assertThat(readAll(c)).isEqualTo(model);
        }
        assertThat(bytes(base)).as("parents are never written").isEqualTo(baseBytes);
        assertThat(VhdChain.depth(leaf)).isEqualTo(3);
        assertThat(VhdChain.resolvePaths(leaf)).containsExactly(leaf, mid, base);
        try (VhdChain c = VhdChain.open(leaf, OpenMode.READ_ONLY)) {
            assertThat(readAll(c)).isEqualTo(model);
            assertThat(c.images()).extracting(VhdImage::path).containsExactly(leaf, mid, base);
        }
        try (VhdChain c = VhdChain.open(mid, OpenMode.READ_ONLY)) {
            assertThat(readAll(c)).isEqualTo(midModel);
        }
        try (VhdChain c = VhdChain.open(base, OpenMode.READ_ONLY)) {
            assertThat(readAll(c)).isEqualTo(baseModel);
        }
    }

    @Test
    void copyOnWriteIsPerSectorAndNeverCopiesParentBlocks() throws Exception {
        Path base = dir.resolve("base.vhd");
        VhdImage.createDynamic(base, SIZE, UUID.randomUUID(), fastOptions());
        byte[] full = new byte[4 * BLOCK];
        new Random(5).nextBytes(full);
        try (VhdChain c = VhdChain.open(base, OpenMode.READ_WRITE)) {
            c.write(0, full, 0, full.length);
        }
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(), fastOptions());
        long emptySize = Files.size(child);

        long sector = 1234;
        int patchAt = 37;
        byte[] patch = new byte[100];
        Arrays.fill(patch, (byte) 0x5A);
        try (VhdChain c = VhdChain.open(child, OpenMode.READ_WRITE)) {
            c.write(sector * 512 + patchAt, patch, 0, patch.length);
            byte[] got = new byte[512];
            c.read(sector * 512, got, 0, 512);
            byte[] expected = Arrays.copyOfRange(full, (int) (sector * 512), (int) (sector * 512 + 512));
            System.arraycopy(patch, 0, expected, patchAt, patch.length);
            assertThat(got).as("partial sector = old sector from the parent + patch").isEqualTo(expected);
        }
        try (VhdImage img = VhdImage.open(child, OpenMode.READ_ONLY)) {
            assertThat(img.allocatedBlocks()).containsExactly(0);
            byte[] bm = img.sectorBitmap(0);
            int set = 0;
            for (int s = 0; s < BLOCK / 512; s++) {
                set += bit(bm, 0, s) ? 1 : 0;
            }
            assertThat(set).as("exactly one sector owned by the child").isEqualTo(1);
            assertThat(bit(bm, 0, (int) sector)).isTrue();
            assertThat(img.isBlockFull(0)).isFalse();
            // the on-disk sector of the child holds the merged sector, the rest of its block is zero
            byte[] file = bytes(child);
            long data = img.blockBitmapOffset(0) + 512;
            byte[] onDisk = Arrays.copyOfRange(file, (int) (data + sector * 512), (int) (data + sector * 512 + 512));
            assertThat(onDisk[patchAt]).isEqualTo((byte) 0x5A);
            assertThat(onDisk[0]).isEqualTo(full[(int) (sector * 512)]);
            assertThat(Arrays.copyOfRange(file, (int) data, (int) (data + sector * 512))).containsOnly(0);
            assertThat(img.physicalSizeBytes()).isEqualTo(Files.size(child))
                    .isLessThanOrEqualTo(emptySize + 4096 + BLOCK);
        }
    }

    @Test
    void blockBecomesFullInBatmapOnlyWhenEverySectorIsWritten() {
        Path f = dir.resolve("f.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        byte[] half = new byte[BLOCK / 2];
        Arrays.fill(half, (byte) 1);
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            c.write(3L * BLOCK, half, 0, half.length);
            assertThat(c.leaf().isBlockFull(3)).isFalse();
            c.write(3L * BLOCK + half.length, half, 0, half.length);
            assertThat(c.leaf().isBlockFull(3)).isTrue();
        }
        try (VhdImage img = VhdImage.open(f, OpenMode.READ_ONLY)) {
            assertThat(img.isBlockFull(3)).isTrue();
            assertThat(img.allocatedBlockCount()).isEqualTo(1);
        }
    }

    @Test
    void strictWriteOrderingProducesTheSameImage() {
        Path a = dir.resolve("a.vhd");
        Path b = dir.resolve("b.vhd");
        UUID id = UUID.randomUUID();
        VhdImage.createDynamic(a, SIZE, id, fastOptions());
        VhdImage.createDynamic(b, SIZE, id, fastOptions());
        List<Write> writes = randomWrites(new Random(6), SIZE, 50);
        byte[] m1 = new byte[(int) SIZE];
        byte[] m2 = new byte[(int) SIZE];
        try (VhdChain c = VhdChain.open(a, OpenMode.READ_WRITE, WriteOrdering.RELAXED)) {
            apply(writes, c, m1);
        }
        try (VhdChain c = VhdChain.open(b, OpenMode.READ_WRITE, WriteOrdering.STRICT)) {
            apply(writes, c, m2);
        }
        assertThat(a).hasSameBinaryContentAs(b);
    }

    @Test
    void crashedWriterLeavesNoTrailingFooterAndIsReadableAndRepaired() throws Exception {
        Path f = dir.resolve("live.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        byte[] model = new byte[(int) SIZE];
        Path crashed = dir.resolve("crashed.vhd");
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(9), SIZE, 40), c, model);
            // what a crash would leave: data, bitmaps and BAT written, trailing footer not yet
            Files.copy(f, crashed, StandardCopyOption.REPLACE_EXISTING);
        }
        try (VhdChain c = VhdChain.open(crashed, OpenMode.READ_ONLY)) {
            assertThat(c.leaf().footerRecoveredFromBackup()).isTrue();
            assertThat(readAll(c)).isEqualTo(model);
        }
        try (VhdImage img = VhdImage.open(crashed, OpenMode.READ_WRITE)) {
            assertThat(img.footerRecoveredFromBackup()).isTrue();
        }
        try (VhdImage img = VhdImage.open(crashed, OpenMode.READ_ONLY)) {
            assertThat(img.footerRecoveredFromBackup()).isFalse();
            assertThat(Files.size(crashed)).isEqualTo(img.physicalSizeBytes());
        }
        assertThat(crashed).hasSameBinaryContentAs(f);
    }

    @Test
    void growWithinReservedTableOnlyRewritesFooters() throws Exception {
        Path f = dir.resolve("r.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions().withReservedVirtualSize(4 * SIZE));
        byte[] model = new byte[(int) (3 * SIZE)];
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(10), SIZE, 30), c, model);
        }
        long before = Files.size(f);
        VhdImage.resize(f, 3 * SIZE);
        assertThat(Files.size(f)).isEqualTo(before);
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            assertThat(c.virtualSize()).isEqualTo(3 * SIZE);
            assertThat(c.leaf().header().orElseThrow().tableOffset()).isEqualTo(1536);
            apply(randomWrites(new Random(11), 3 * SIZE, 30), c, model);
            assertThat(readAll(c)).isEqualTo(model);
        }
        try (VhdImage img = VhdImage.open(f, OpenMode.READ_ONLY)) {
            assertThat(img.footer().originalSize()).isEqualTo(SIZE);
            assertThat(img.footer().geometry()).isEqualTo(Geometry.forSize(3 * SIZE));
        }
    }

    @Test
    void growBeyondTheTableRelocatesBatAndMovesBlocksInTheWay() throws Exception {
        Path f = dir.resolve("g.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        long newSize = 160 * MIB; // 80 entries: the new tables need more than the gap before block 0
        byte[] model = new byte[(int) newSize];
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(12), SIZE, 60), c, model);
            byte[] all = new byte[BLOCK];
            new Random(13).nextBytes(all);
            c.write(0, all, 0, all.length); // block 0 sits right after the metadata
            System.arraycopy(all, 0, model, 0, all.length);
        }
        VhdImage.resize(f, newSize);
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            VhdHeader h = c.leaf().header().orElseThrow();
            assertThat(h.maxTableEntries()).isEqualTo(80);
            assertThat(h.tableOffset()).isGreaterThan(1536);
            assertThat(c.virtualSize()).isEqualTo(newSize);
            assertThat(c.leaf().isBlockFull(0)).isTrue();
            assertThat(readAll(c)).isEqualTo(model);
            apply(randomWrites(new Random(14), newSize, 60), c, model);
        }
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_ONLY)) {
            assertThat(readAll(c)).isEqualTo(model);
            for (int blk : c.leaf().allocatedBlocks()) {
                assertThat((c.leaf().blockBitmapOffset(blk) + 512) % 4096).isZero();
            }
        }
        // a second relocation on top of the first
        VhdImage.resize(f, 400 * MIB);
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_ONLY)) {
            byte[] head = new byte[model.length];
            c.read(0, head, 0, head.length);
            assertThat(head).isEqualTo(model);
        }
    }

    @Test
    void shrinkIsRefusedAndFixedImagesGrow() throws Exception {
        Path f = dir.resolve("s.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        assertThatThrownBy(() -> VhdImage.resize(f, SIZE / 2)).isInstanceOfSatisfying(VhdException.class,
                e -> assertThat(e.reason()).isEqualTo(VhdException.Reason.INVALID_ARGUMENT));
        assertThatThrownBy(() -> VhdImage.resize(f, SIZE + 100)).isInstanceOfSatisfying(VhdException.class,
                e -> assertThat(e.reason()).isEqualTo(VhdException.Reason.INVALID_ARGUMENT));

        Path fixed = dir.resolve("fixed.vhd");
        VhdImage.createFixed(fixed, 4 * MIB, UUID.randomUUID(), fastOptions());
        byte[] data = new byte[4 * (int) MIB];
        new Random(15).nextBytes(data);
        try (VhdChain c = VhdChain.open(fixed, OpenMode.READ_WRITE)) {
            c.write(0, data, 0, data.length);
        }
        VhdImage.resize(fixed, 6 * MIB);
        assertThat(Files.size(fixed)).isEqualTo(6 * MIB + 512);
        try (VhdChain c = VhdChain.open(fixed, OpenMode.READ_ONLY)) {
            byte[] expected = Arrays.copyOf(data, (int) (6 * MIB));
            assertThat(readAll(c)).isEqualTo(expected);
        }
    }

    @Test
    void childGrownBeyondItsParentReadsZerosPastTheParent() {
        Path base = dir.resolve("base.vhd");
        VhdImage.createDynamic(base, SIZE, UUID.randomUUID(), fastOptions());
        byte[] ones = new byte[(int) SIZE];
        Arrays.fill(ones, (byte) 0x11);
        try (VhdChain c = VhdChain.open(base, OpenMode.READ_WRITE)) {
            c.write(0, ones, 0, ones.length);
        }
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(), fastOptions());
        VhdImage.resize(child, 2 * SIZE);
        try (VhdChain c = VhdChain.open(child, OpenMode.READ_WRITE)) {
            byte[] all = readAll(c);
            byte[] expected = Arrays.copyOf(ones, (int) (2 * SIZE));
            assertThat(all).isEqualTo(expected);
            c.write(SIZE - 3, new byte[] {1, 2, 3, 4, 5, 6}, 0, 6);
            byte[] got = new byte[8];
            c.read(SIZE - 4, got, 0, 8);
            assertThat(got).containsExactly(0x11, 1, 2, 3, 4, 5, 6, 0);
        }
    }

    @Test
    void reparentRewritesUuidNameTimestampAndLocatorsInPlace() throws Exception {
        Path p1 = dir.resolve("p1.vhd");
        Path p2 = dir.resolve("parent-number-two.vhd");
        VhdImage.createDynamic(p1, SIZE, UUID.randomUUID(), fastOptions());
        byte[] data = new byte[(int) SIZE];
        new Random(16).nextBytes(data);
        try (VhdChain c = VhdChain.open(p1, OpenMode.READ_WRITE)) {
            c.write(0, data, 0, data.length);
        }
        // p2 is what a coalesce would produce: same content, other identity
        UUID p2Id = UUID.randomUUID();
        VhdImage.createDynamic(p2, SIZE, p2Id, fastOptions());
        try (VhdChain c = VhdChain.open(p2, OpenMode.READ_WRITE)) {
            c.write(0, data, 0, data.length);
        }
        Path child = dir.resolve("c.vhd");
        VhdImage.createDifferencing(child, p1, UUID.randomUUID(), fastOptions());
        long size = Files.size(child);
        VhdImage.setParent(child, p2);
        assertThat(Files.size(child)).isEqualTo(size);
        Files.delete(p1);
        try (VhdChain c = VhdChain.open(child, OpenMode.READ_ONLY)) {
            assertThat(c.images().get(1).path()).isEqualTo(p2);
            assertThat(c.leaf().parentUuid()).contains(p2Id);
            assertThat(c.leaf().parentName()).contains("parent-number-two.vhd");
            assertThat(c.leaf().header().orElseThrow().parentTimestampInstant())
                    .isEqualTo(Files.getLastModifiedTime(p2).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            assertThat(c.leaf().parentLocatorPaths()).containsExactly(p2, p2, p2);
            assertThat(readAll(c)).isEqualTo(data);
        }
        String tooLong = "x".repeat(300) + ".vhd";
        assertThatThrownBy(() -> VhdImage.setParent(child, p2Id, tooLong, Instant.now()))
                .isInstanceOfSatisfying(VhdException.class, e -> assertThat(e.reason())
                        .isEqualTo(VhdException.Reason.INVALID_ARGUMENT));
        assertThatThrownBy(() -> VhdImage.setParent(p2, child))
                .isInstanceOfSatisfying(VhdException.class, e -> assertThat(e.reason())
                        .isEqualTo(VhdException.Reason.INVALID_ARGUMENT));
    }

    @Test
    void parentIsFoundThroughLocatorsWhenTheHeaderNameIsStale() throws Exception {
        Path base = dir.resolve("base.vhd");
        UUID id = UUID.randomUUID();
        VhdImage.createDynamic(base, SIZE, id, fastOptions());
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(), fastOptions());
        // overwrite only the header name (as another tool might), keep the locators
        try (VhdImage img = VhdImage.open(child, OpenMode.READ_ONLY)) {
            VhdHeader h = img.header().orElseThrow();
            VhdHeader stale = new VhdHeader(h.tableOffset(), h.maxTableEntries(), h.blockSize(), h.parentUuid(),
                    h.parentTimestamp(), "gone.vhd", h.locators());
            try (var ch = java.nio.channels.FileChannel.open(child, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(stale.encode()), 512);
            }
        }
        try (VhdChain c = VhdChain.open(child, OpenMode.READ_ONLY)) {
            assertThat(c.images().get(1).path().toRealPath()).isEqualTo(base.toRealPath());
        }
    }

    @Test
    void createRefusesBadArguments() {
        Path f = dir.resolve("x.vhd");
        for (long bad : new long[] {0, -512, 1000, 2041 * GIB}) {
            assertThatThrownBy(() -> VhdImage.createDynamic(f, bad, UUID.randomUUID(), fastOptions()))
                    .isInstanceOfSatisfying(VhdException.class, e -> assertThat(e.reason())
                            .isEqualTo(VhdException.Reason.INVALID_ARGUMENT));
        }
        assertThat(f).doesNotExist();
        VhdImage.createDynamic(f, 2040 * GIB, UUID.randomUUID(), fastOptions());
        assertThatThrownBy(() -> VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions()))
                .isInstanceOfSatisfying(VhdException.class, e -> assertThat(e.reason())
                        .isEqualTo(VhdException.Reason.ALREADY_EXISTS));
        Path other = dir.resolve("sub").resolve("c.vhd");
        assertThatThrownBy(() -> VhdImage.createDifferencing(other, f, UUID.randomUUID(), fastOptions()))
                .isInstanceOfSatisfying(VhdException.class, e -> assertThat(e.reason())
                        .isEqualTo(VhdException.Reason.INVALID_ARGUMENT));
        assertThatThrownBy(() -> VhdImage.createDifferencing(dir.resolve("c.vhd"), dir.resolve("missing.vhd"),
                UUID.randomUUID(), fastOptions())).isInstanceOfSatisfying(VhdException.class,
                        e -> assertThat(e.reason()).isEqualTo(VhdException.Reason.PARENT_MISSING));
        assertThat(dir.resolve("c.vhd")).doesNotExist();
    }
}
