package org.storagegateway.vhd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.storagegateway.vhd.TestSupport.sha256;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VhdCoalesceTests {
    private static final long SIZE = 8L << 20;

    @Test
    void mergingAChildIntoItsParentKeepsTheChildsViewAndGivesTheParentTheMergedContent(@TempDir Path dir) {
        Path root = dir.resolve("root.vhd");
        Path child = dir.resolve("child.vhd");
        VhdImage.createDynamic(root, SIZE, UUID.randomUUID());
        byte[] expected = new byte[(int) SIZE];
        Random random = new Random(5);
        write(root, expected, random, 10);
        VhdImage.createDifferencing(child, root, UUID.randomUUID());
        // Sector-granular writes, some straddling the block boundary.
        write(child, expected, random, 25);
        byte[] before = readAll(child);
        assertThat(before).isEqualTo(expected);

        AtomicLong copied = new AtomicLong();
        assertThat(VhdCoalesce.mergeIntoParent(child, root, bytes -> true, copied::addAndGet)).isTrue();

        assertThat(readAll(child)).as("the child reads the same").isEqualTo(expected);
        assertThat(readAll(root)).as("the parent now holds the merged content").isEqualTo(expected);
        assertThat(copied.get()).isPositive();
    }

    @Test
    void aStoppedMergeLeavesTheChainValidAndARepeatCompletesIt(@TempDir Path dir) {
        Path root = dir.resolve("root.vhd");
        Path child = dir.resolve("child.vhd");
        VhdImage.createDynamic(root, SIZE, UUID.randomUUID());
        byte[] expected = new byte[(int) SIZE];
        Random random = new Random(9);
        write(root, expected, random, 6);
        VhdImage.createDifferencing(child, root, UUID.randomUUID());
        write(child, expected, random, 30);

        AtomicInteger runs = new AtomicInteger();
        assertThat(VhdCoalesce.mergeIntoParent(child, root, bytes -> runs.incrementAndGet() <= 3, b -> { })).isFalse();
        assertThat(readAll(child)).isEqualTo(expected);

        assertThat(VhdCoalesce.mergeIntoParent(child, root, bytes -> true, b -> { })).isTrue();
        assertThat(readAll(root)).isEqualTo(expected);
    }

    @Test
    void batchedWritesDescribeTheirDataOnlyAfterItIsForced(@TempDir Path dir) {
        Path root = dir.resolve("root.vhd");
        VhdImage.createDynamic(root, SIZE, UUID.randomUUID());
        byte[] block = new byte[2 << 20];
        new Random(3).nextBytes(block);
        try (VhdImage image = VhdImage.open(root, OpenMode.READ_WRITE)) {
            image.writeSectorsBatched(1, 0, 4096, block, 0);
            image.writeSectorsBatched(2, 8, 16, block, 0);
            image.writeSectorsBatched(2, 100, 1, block, 0);
            try (VhdImage reader = VhdImage.open(root, OpenMode.READ_ONLY)) {
                assertThat(reader.allocatedBlockCount()).as("no BAT entry before the commit").isZero();
            }
            image.commitBatch();
            try (VhdImage reader = VhdImage.open(root, OpenMode.READ_ONLY)) {
                assertThat(reader.allocatedBlockCount()).isEqualTo(2);
                assertThat(reader.isBlockFull(1)).isTrue();
                assertThat(reader.isBlockFull(2)).isFalse();
            }
        }
        byte[] expected = new byte[(int) SIZE];
        System.arraycopy(block, 0, expected, 2 << 20, block.length);
        System.arraycopy(block, 0, expected, (4 << 20) + 8 * 512, 16 * 512);
        System.arraycopy(block, 0, expected, (4 << 20) + 100 * 512, 512);
        assertThat(readAll(root)).isEqualTo(expected);
    }

    @Test
    void aBlockWrittenAcrossTwoSealedBatchesIsPlacedOnceAndDescribedBatchByBatch(@TempDir Path dir)
            throws IOException {
        Path root = dir.resolve("root.vhd");
        VhdImage.createDynamic(root, SIZE, UUID.randomUUID());
        byte[] data = new byte[64 * 512];
        new Random(4).nextBytes(data);
        try (VhdImage image = VhdImage.open(root, OpenMode.READ_WRITE)) {
            image.writeSectorsBatched(3, 0, 8, data, 0);
            List<int[]> first = image.sealBatch();
            // The next batch reaches the same block while the first is being forced, not yet described.
            image.writeSectorsBatched(3, 100, 2, data, 8 * 512);
            image.forceData();
            image.describeBatch(first);
            try (VhdImage reader = VhdImage.open(root, OpenMode.READ_ONLY)) {
                assertThat(reader.allocatedBlockCount()).isEqualTo(1);
            }
            byte[] partly = readAll(root);
            assertThat(Arrays.copyOfRange(partly, (6 << 20), (6 << 20) + 8 * 512))
                    .isEqualTo(Arrays.copyOfRange(data, 0, 8 * 512));
            assertThat(Arrays.copyOfRange(partly, (6 << 20) + 100 * 512, (6 << 20) + 102 * 512))
                    .as("the second batch is not described before its own force").containsOnly(0);
            List<int[]> second = image.sealBatch();
            image.forceData();
            image.describeBatch(second);
        }
        byte[] expected = new byte[(int) SIZE];
        System.arraycopy(data, 0, expected, 6 << 20, 8 * 512);
        System.arraycopy(data, 8 * 512, expected, (6 << 20) + 100 * 512, 2 * 512);
        assertThat(readAll(root)).isEqualTo(expected);
        assertThat(IndependentTools.readWithLibvhdi(root).sha256()).isEqualTo(sha256(expected));
    }

    @Test
    void refusesAParentThatIsNotTheChildsParent(@TempDir Path dir) {
        Path root = dir.resolve("root.vhd");
        Path other = dir.resolve("other.vhd");
        Path child = dir.resolve("child.vhd");
        VhdImage.createDynamic(root, SIZE, UUID.randomUUID());
        VhdImage.createDynamic(other, SIZE, UUID.randomUUID());
        VhdImage.createDifferencing(child, root, UUID.randomUUID());
        assertThatThrownBy(() -> VhdCoalesce.mergeIntoParent(child, other, b -> true, b -> { }))
                .isInstanceOfSatisfying(VhdException.class,
                        e -> assertThat(e.reason()).isEqualTo(VhdException.Reason.PARENT_UUID_MISMATCH));
    }

    private static void write(Path leaf, byte[] expected, Random random, int runs) {
        try (VhdChain chain = VhdChain.open(leaf, OpenMode.READ_WRITE)) {
            for (int i = 0; i < runs; i++) {
                int length = 512 * (1 + random.nextInt(64));
                long offset = i % 5 == 0 ? (2L << 20) - 512L * (1 + random.nextInt(8))
                        : 512L * random.nextInt((int) ((SIZE - length) / 512));
                byte[] data = new byte[length];
                random.nextBytes(data);
                chain.write(offset, data, 0, length);
                System.arraycopy(data, 0, expected, (int) offset, length);
            }
        }
    }

    private static byte[] readAll(Path leaf) {
        byte[] all = new byte[(int) SIZE];
        try (VhdChain chain = VhdChain.open(leaf, OpenMode.READ_ONLY)) {
            chain.read(0, all, 0, all.length);
        }
        return all;
    }
}
