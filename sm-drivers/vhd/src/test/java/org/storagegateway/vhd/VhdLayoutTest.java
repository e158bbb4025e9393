package org.storagegateway.vhd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.vhd.TestSupport.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Byte-level checks of what the library writes, against the reference layout (section 1). */
class VhdLayoutTest {

    private static final UUID BASE_UUID = UUID.fromString("0b9d5e0e-5b0f-4a8e-9d1c-3c7a1f0e2a11");
    private static final UUID CHILD_UUID = UUID.fromString("7f3c2a10-1d2e-4f5a-8b6c-9d0e1f2a3b4c");

    @TempDir
    Path dir;

    @Test
    void empty10GiBDynamicMatchesTheCanonicalVhdUtilLayout() throws Exception {
        Path f = dir.resolve("base.vhd");
        VhdImage.createDynamic(f, 10 * GIB, BASE_UUID, fastOptions());
        byte[] b = bytes(f);

        assertThat(b).hasSize(24_064);
        byte[] copy = Arrays.copyOfRange(b, 0, 512);
        byte[] primary = Arrays.copyOfRange(b, 23_552, 24_064);
        assertThat(copy).as("footer copy at 0 equals trailing footer").isEqualTo(primary);
        assertFooter(primary, 3, 10 * GIB, BASE_UUID);

        // dynamic header at 512
        int h = 512;
        assertThat(ascii(b, h, 8)).isEqualTo("cxsparse");
        assertThat(be64(b, h + 8)).isEqualTo(-1L);
        assertThat(be64(b, h + 16)).isEqualTo(1536);
        assertThat(be32(b, h + 24)).isEqualTo(0x00010000);
        assertThat(be32(b, h + 28)).isEqualTo(5120);
        assertThat(be32(b, h + 32)).isEqualTo(0x00200000);
        assertThat(be32(b, h + 36)).isEqualTo(checksum(b, h, 1024, 36));
        assertThat(Arrays.copyOfRange(b, h + 40, h + 1024)).as("no parent, no locators, reserved zero")
                .containsOnly(0);

        // BAT: 5120 unused entries, exactly filling 20,480 bytes
        for (int i = 0; i < 5120; i++) {
            assertThat(be32(b, 1536 + 4 * i)).isEqualTo(0xFFFFFFFF);
        }
        assertBatmapHeader(b, 22_016, 22_528, 2, 10 * GIB);
        assertThat(Arrays.copyOfRange(b, 22_528, 23_552)).containsOnly(0);
    }

    @Test
    void smallDynamicPadsBatAndBatmapToWholeSectors() throws Exception {
        Path f = dir.resolve("small.vhd");
        VhdImage.createDynamic(f, 2 * MIB, BASE_UUID, fastOptions());
        byte[] b = bytes(f);
        // footer 512 + header 1024 + BAT 1 entry padded to 512 + batmap header 512 + map 1 sector + footer
        assertThat(b).hasSize(512 + 1024 + 512 + 512 + 512 + 512);
        assertThat(be32(b, 1536)).isEqualTo(0xFFFFFFFF);
        assertThat(Arrays.copyOfRange(b, 1540, 2048)).as("BAT padding zero, like blktap").containsOnly(0);
        assertBatmapHeader(b, 2048, 2560, 1, 2 * MIB);
    }

    @Test
    void reservedVirtualSizePreallocatesBatLikeVhdUtilMinusS() throws Exception {
        Path f = dir.resolve("lv.vhd");
        VhdImage.createDynamic(f, 10 * GIB, BASE_UUID, fastOptions().withReservedVirtualSize(2048 * GIB));
        byte[] b = bytes(f);
        int entries = 1_048_576;
        assertThat(be32(b, 512 + 28)).isEqualTo(entries);
        long batmapHeader = 1536 + 4L * entries;
        long mapSectors = entries / 8 / 512;
        assertThat(b).hasSize((int) (batmapHeader + 512 + mapSectors * 512 + 512));
        assertThat(be64(b, 40)).as("original size").isEqualTo(10 * GIB);
        assertThat(be64(b, 48)).as("current size").isEqualTo(10 * GIB);
        assertBatmapHeader(b, (int) batmapHeader, batmapHeader + 512, mapSectors, 10 * GIB);
    }

    @Test
    void emptyChildOf10GiBMatchesVhdUtilSnapshotLayout() throws Exception {
        Path parent = dir.resolve("base.vhd");
        VhdImage.createDynamic(parent, 10 * GIB, BASE_UUID, fastOptions());
        Instant mtime = Instant.parse("2023-06-07T08:09:10Z");
        Files.setLastModifiedTime(parent, FileTime.from(mtime));
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, parent, CHILD_UUID, fastOptions());
        byte[] b = bytes(child);

        assertThat(b).hasSize(25_600);
        assertThat(Arrays.copyOfRange(b, 0, 512)).isEqualTo(Arrays.copyOfRange(b, 25_088, 25_600));
        assertFooter(Arrays.copyOfRange(b, 0, 512), 4, 10 * GIB, CHILD_UUID);

        int h = 512;
        assertThat(ascii(b, h, 8)).isEqualTo("cxsparse");
        assertThat(be32(b, h + 28)).isEqualTo(5120);
        assertThat(be32(b, h + 36)).isEqualTo(checksum(b, h, 1024, 36));
        assertThat(new UUID(be64(b, h + 40), be64(b, h + 48))).as("parent UUID = parent footer UUID")
                .isEqualTo(BASE_UUID);
        assertThat(ube32(b, h + 56)).as("parent timestamp = parent mtime since 2000")
                .isEqualTo(mtime.getEpochSecond() - 946_684_800L);
        byte[] name = "base.vhd".getBytes(StandardCharsets.UTF_16BE);
        assertThat(Arrays.copyOfRange(b, h + 64, h + 64 + name.length)).isEqualTo(name);
        assertThat(Arrays.copyOfRange(b, h + 64 + name.length, h + 576)).containsOnly(0);

        // three locators right after the batmap, 512 bytes each: MacX, W2ku, W2ru
        assertBatmapHeader(b, 22_016, 22_528, 2, 10 * GIB);
        assertLocator(b, 0, 0x4D616358, 23_552, "file://./base.vhd".getBytes(StandardCharsets.UTF_8));
        assertLocator(b, 1, 0x57326B75, 24_064, ".\\base.vhd".getBytes(StandardCharsets.UTF_16LE));
        assertLocator(b, 2, 0x57327275, 24_576, ".\\base.vhd".getBytes(StandardCharsets.UTF_16LE));
        assertThat(Arrays.copyOfRange(b, h + 576 + 3 * 24, h + 1024)).as("unused locators and reserved")
                .containsOnly(0);
    }

    @Test
    void geometryFollowsTheSpecificationAppendix() {
        assertThat(Geometry.forSize(10 * GIB)).isEqualTo(new Geometry(20805, 16, 63));
        assertThat(Geometry.forSize(2 * MIB)).isEqualTo(new Geometry(60, 4, 17));
        assertThat(Geometry.forSize(64 * MIB)).isEqualTo(new Geometry(963, 8, 17));
        assertThat(Geometry.forSize(2040 * GIB)).isEqualTo(new Geometry(65535, 16, 255));
        assertThat(Geometry.forSize(127 * GIB)).isEqualTo(new Geometry(65278, 16, 255));
        for (long size : new long[] {512, 3 * MIB, 100 * MIB, 31 * GIB, 33 * GIB, 500 * GIB}) {
            Geometry g = Geometry.forSize(size);
            assertThat(g.chsBytes()).as("CHS never exceeds the size for %d", size).isLessThanOrEqualTo(size);
        }
    }

    @Test
    void fixedDiskIsDataPlusFooter() throws Exception {
        Path f = dir.resolve("fixed.vhd");
        VhdImage.createFixed(f, 4 * MIB, BASE_UUID, fastOptions());
        byte[] b = bytes(f);
        assertThat(b).hasSize((int) (4 * MIB + 512));
        byte[] footer = Arrays.copyOfRange(b, (int) (4 * MIB), b.length);
        assertThat(ascii(footer, 0, 8)).isEqualTo("conectix");
        assertThat(be64(footer, 16)).as("fixed disks: data offset all ones").isEqualTo(-1L);
        assertThat(be32(footer, 60)).isEqualTo(2);
        assertThat(be32(footer, 64)).isEqualTo(checksum(footer, 0, 512, 64));
        assertThat(Arrays.copyOfRange(b, 0, (int) (4 * MIB))).containsOnly(0);
        try (VhdImage img = VhdImage.open(f, OpenMode.READ_ONLY)) {
            assertThat(img.diskType()).isEqualTo(DiskType.FIXED);
            assertThat(img.virtualSize()).isEqualTo(4 * MIB);
        }
    }

    @Test
    void hiddenFlagRewritesBothFootersWithNewChecksum() throws Exception {
        Path f = dir.resolve("h.vhd");
        VhdImage.createDynamic(f, 64 * MIB, BASE_UUID, fastOptions());
        byte[] before = bytes(f);
        VhdImage.setHidden(f, true);
        byte[] b = bytes(f);
        assertThat(b).hasSameSizeAs(before);
        byte[] copy = Arrays.copyOfRange(b, 0, 512);
        byte[] primary = Arrays.copyOfRange(b, b.length - 512, b.length);
        assertThat(copy).isEqualTo(primary);
        assertThat(copy[85]).isEqualTo((byte) 1);
        assertThat(be32(copy, 64)).isEqualTo(checksum(copy, 0, 512, 64)).isNotEqualTo(be32(before, 64));
        // nothing else changed
        copy[85] = 0;
        System.arraycopy(before, 64, copy, 64, 4);
        assertThat(copy).isEqualTo(Arrays.copyOfRange(before, 0, 512));
        try (VhdImage img = VhdImage.open(f, OpenMode.READ_ONLY)) {
            assertThat(img.hidden()).isTrue();
        }
        VhdImage.setHidden(f, false);
        assertThat(bytes(f)).isEqualTo(before);
    }

    @Test
    void writtenBlocksAreAlignedZeroFilledAndConsistentWithBitmapsAndBatmap() throws Exception {
        Path f = dir.resolve("w.vhd");
        long size = 32 * MIB;
        VhdImage.createDynamic(f, size, BASE_UUID, fastOptions());
        byte[] model = new byte[(int) size];
        try (VhdChain chain = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(7), size, 60), chain, model);
            byte[] full = new byte[BLOCK];
            new Random(8).nextBytes(full);
            chain.write(5L * BLOCK, full, 0, BLOCK); // one completely written block
            System.arraycopy(full, 0, model, 5 * BLOCK, BLOCK);
        }
        byte[] b = bytes(f);
        assertThat(Arrays.copyOfRange(b, 0, 512)).isEqualTo(Arrays.copyOfRange(b, b.length - 512, b.length));
        long entries = be32(b, 512 + 28);
        int batmapHeader = (int) (1536 + VhdFormat.roundUp(entries * 4, 512));
        int map = (int) be64(b, batmapHeader + 8);
        assertThat(be32(b, batmapHeader + 24)).as("batmap checksum")
                .isEqualTo(~sum(b, map, VhdFormat.batmapChecksumBytes(size)));
        long endOfMetadata = map + be32(b, batmapHeader + 16) * 512L;
        long lastEnd = endOfMetadata;
        int allocated = 0;
        for (int blk = 0; blk < entries; blk++) {
            long e = ube32(b, 1536 + 4 * blk);
            if (e == 0xFFFFFFFFL) {
                assertThat(bit(b, map, blk)).isFalse();
                continue;
            }
            allocated++;
            long bitmapOff = e * 512;
            long dataOff = bitmapOff + 512;
            assertThat(dataOff % 4096).as("block %d data 4 KiB aligned", blk).isZero();
            assertThat(bitmapOff).isGreaterThanOrEqualTo(endOfMetadata);
            lastEnd = Math.max(lastEnd, dataOff + BLOCK);
            boolean allSet = true;
            byte[] zero = new byte[512];
            List<String> wrong = new ArrayList<>();
            for (int s = 0; s < BLOCK / 512; s++) {
                boolean set = bit(b, (int) bitmapOff, s);
                allSet &= set;
                int sectorOff = (int) (dataOff + s * 512L);
                int modelOff = blk * BLOCK + s * 512;
                if (set && !Arrays.equals(b, sectorOff, sectorOff + 512, model, modelOff, modelOff + 512)) {
                    wrong.add("sector " + s + " does not hold the written data");
                }
                if (!set && !Arrays.equals(b, sectorOff, sectorOff + 512, zero, 0, 512)) {
                    wrong.add("unwritten sector " + s + " is not zero on disk");
                }
                if (!set && !Arrays.equals(model, modelOff, modelOff + 512, zero, 0, 512)) {
                    wrong.add("written sector " + s + " has no bitmap bit");
                }
            }
            assertThat(wrong).as("block %d", blk).isEmpty();
            assertThat(bit(b, map, blk)).as("batmap bit of block %d iff full", blk).isEqualTo(allSet);
        }
        assertThat(allocated).isGreaterThan(3);
        assertThat(bit(b, map, 5)).isTrue();
        assertThat((long) b.length).as("file ends right after the last block plus footer").isEqualTo(lastEnd + 512);
    }

    private static int sum(byte[] b, int off, int len) {
        int s = 0;
        for (int i = 0; i < len; i++) {
            s += b[off + i] & 0xFF;
        }
        return s;
    }

    private static void assertFooter(byte[] f, int type, long size, UUID uuid) {
        assertThat(ascii(f, 0, 8)).isEqualTo("conectix");
        assertThat(be32(f, 8)).as("features").isEqualTo(2);
        assertThat(be32(f, 12)).as("format version").isEqualTo(0x00010000);
        assertThat(be64(f, 16)).as("data offset").isEqualTo(512);
        assertThat(ube32(f, 24)).as("timestamp").isEqualTo(757_479_845L);
        assertThat(ascii(f, 28, 4)).isEqualTo("tap\0");
        assertThat(be32(f, 32)).as("creator version").isEqualTo(0x00010003);
        assertThat(be32(f, 36)).as("creator OS").isZero();
        assertThat(be64(f, 40)).as("original size").isEqualTo(size);
        assertThat(be64(f, 48)).as("current size").isEqualTo(size);
        assertThat(be32(f, 56)).as("geometry").isEqualTo(Geometry.forSize(size).encode());
        assertThat(be32(f, 60)).as("type").isEqualTo(type);
        assertThat(be32(f, 64)).as("checksum").isEqualTo(checksum(f, 0, 512, 64));
        assertThat(new UUID(be64(f, 68), be64(f, 76))).isEqualTo(uuid);
        assertThat(f[84]).as("saved state").isZero();
        assertThat(f[85]).as("hidden").isZero();
        assertThat(Arrays.copyOfRange(f, 86, 512)).as("reserved").containsOnly(0);
    }

    private static void assertBatmapHeader(byte[] b, int off, long mapOffset, long mapSectors, long size) {
        assertThat(ascii(b, off, 8)).isEqualTo("tdbatmap");
        assertThat(be64(b, off + 8)).as("batmap offset").isEqualTo(mapOffset);
        assertThat(ube32(b, off + 16)).as("batmap size (sectors)").isEqualTo(mapSectors);
        assertThat(be32(b, off + 20)).as("batmap version").isEqualTo(0x00010002);
        assertThat(be32(b, off + 24)).as("batmap checksum over the bytes the current size needs")
                .isEqualTo(~sum(b, (int) mapOffset, VhdFormat.batmapChecksumBytes(size)));
        assertThat(Arrays.copyOfRange(b, off + 28, off + 512)).as("marker, keyhash, reserved").containsOnly(0);
    }

    private static void assertLocator(byte[] b, int index, int code, int offset, byte[] payload) {
        int e = 512 + 576 + 24 * index;
        assertThat(be32(b, e)).as("locator %d code", index).isEqualTo(code);
        assertThat(be32(b, e + 4)).as("locator %d data space in bytes", index).isEqualTo(512);
        assertThat(be32(b, e + 8)).as("locator %d data length", index).isEqualTo(payload.length);
        assertThat(be32(b, e + 12)).as("reserved").isZero();
        assertThat(be64(b, e + 16)).as("locator %d data offset", index).isEqualTo(offset);
        assertThat(Arrays.copyOfRange(b, offset, offset + payload.length)).isEqualTo(payload);
        assertThat(Arrays.copyOfRange(b, offset + payload.length, offset + 512)).containsOnly(0);
    }
}
