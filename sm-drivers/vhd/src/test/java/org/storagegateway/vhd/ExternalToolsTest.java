package org.storagegateway.vhd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.storagegateway.vhd.TestSupport.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Independent verification with the Debian tools (qemu-utils, libvhdi-utils, python3-libvhdi).
 * QEMU proves the dynamic-disk layout, checksums of the footer it reads, zero-filled holes and
 * BAT placement; libvhdi proves differencing chains (parent identity, names, bitmaps). Each
 * test is skipped only when its tool is not installed.
 */
class ExternalToolsTest {

    private static final String QEMU_IMG = "/usr/bin/qemu-img";
    private static final String VHDIINFO = "/usr/bin/vhdiinfo";
    /** Debian's interpreter; a pyenv python on PATH would not see python3-libvhdi. */
    private static final String PYTHON = "/usr/bin/python3";
    private static final long SIZE = 64 * MIB;

    private static final String CHAIN_SHA_SCRIPT = """
            import hashlib, sys, pyvhdi
            files = []
            for p in sys.argv[1:]:
                f = pyvhdi.file()
                f.open(p)
                files.append(f)
            for i in range(len(files) - 2, -1, -1):
                files[i].set_parent(files[i + 1])
            leaf = files[0]
            size = leaf.get_media_size()
            h = hashlib.sha256()
            off = 0
            while off < size:
                n = min(4 << 20, size - off)
                data = leaf.read_buffer_at_offset(n, off)
                if len(data) != n:
                    raise SystemExit("short read at %d" % off)
                h.update(data)
                off += n
            print(size, h.hexdigest())
            """;

    @TempDir
    Path dir;

    private static void assumeQemu() {
        assumeTrue(executable(QEMU_IMG), "qemu-img not installed (apt-get install qemu-utils): skipping");
    }

    private static void assumePyvhdi() throws Exception {
        assumeTrue(executable(PYTHON), PYTHON + " not installed: skipping libvhdi checks");
        Result r = run(List.of(PYTHON, "-c", "import pyvhdi"));
        assumeTrue(r.exit() == 0, "python3-libvhdi not installed (apt-get install python3-libvhdi): skipping");
    }

    // ------------------------------------------------------------------------------------ QEMU

    @Test
    void qemuInfoReportsExactVirtualSizeAndTwoMiBClusters() throws Exception {
        assumeQemu();
        long[] sizes = {2 * MIB, 3 * MIB + 512, SIZE, 10 * GIB, 2040 * GIB};
        for (long size : sizes) {
            Path f = dir.resolve("info-" + size + ".vhd");
            VhdImage.createDynamic(f, size, UUID.randomUUID(), fastOptions());
            Result r = run(List.of(QEMU_IMG, "info", "-f", "vpc", "--output=json", f.toString()));
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(jsonLong(r.out(), "virtual-size")).as("virtual size of %d", size).isEqualTo(size);
            assertThat(jsonLong(r.out(), "cluster-size")).isEqualTo(2_097_152L);
        }
    }

    @Test
    void qemuCompareMatchesExpectedRawImageAfterRandomWrites() throws Exception {
        assumeQemu();
        Path f = dir.resolve("d.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        byte[] model = new byte[(int) SIZE];
        assertQemuEquals(f, model); // empty disk reads as zeros
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(21), SIZE, 300), c, model);
        }
        assertQemuEquals(f, model);
        assertQemuMapMatchesBat(f);

        // a corrupted footer copy at 0 must make QEMU refuse the image (QEMU reads only that copy)
        Path bad = dir.resolve("bad.vhd");
        Files.copy(f, bad);
        try (var ch = java.nio.channels.FileChannel.open(bad, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x42}), 100);
        }
        Result r = run(List.of(QEMU_IMG, "info", "-f", "vpc", bad.toString()));
        assertThat(r.exit()).as("qemu-img must reject a bad footer checksum").isNotZero();
    }

    @Test
    void qemuReadsImagesAfterBatRelocationAndAfterFooterRepair() throws Exception {
        assumeQemu();
        Path f = dir.resolve("grow.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        long newSize = 200 * MIB;
        byte[] model = new byte[(int) newSize];
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(22), SIZE, 80), c, model);
        }
        VhdImage.resize(f, newSize);
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(23), newSize, 80), c, model);
        }
        Result info = run(List.of(QEMU_IMG, "info", "-f", "vpc", "--output=json", f.toString()));
        assertThat(jsonLong(info.out(), "virtual-size")).isEqualTo(newSize);
        assertQemuEquals(f, model);
        assertQemuMapMatchesBat(f);

        // crash leftover: trailing footer gone; after a read-write open and close QEMU agrees again
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 512);
        }
        VhdImage.open(f, OpenMode.READ_WRITE).close();
        assertQemuEquals(f, model);
    }

    @Test
    void qemuSeesOnlyTheChildsOwnSectorsWithZeroFilledHoles() throws Exception {
        assumeQemu();
        // QEMU treats a type-4 image as dynamic and ignores bitmaps: what it returns is exactly
        // the sectors the child owns, and zeros for every hole inside the child's blocks.
        Path base = dir.resolve("base.vhd");
        VhdImage.createDynamic(base, SIZE, UUID.randomUUID(), fastOptions());
        byte[] merged = new byte[(int) SIZE];
        try (VhdChain c = VhdChain.open(base, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(24), SIZE, 100), c, merged);
        }
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(), fastOptions());
        List<Write> writes = randomWrites(new Random(25), SIZE, 60);
        boolean[] touched = new boolean[(int) (SIZE / 512)];
        try (VhdChain c = VhdChain.open(child, OpenMode.READ_WRITE)) {
            apply(writes, c, merged);
        }
        for (Write w : writes) {
            for (long s = w.offset() / 512; s <= (w.offset() + w.data().length - 1) / 512; s++) {
                touched[(int) s] = true;
            }
        }
        byte[] childOnly = new byte[(int) SIZE];
        for (int s = 0; s < touched.length; s++) {
            if (touched[s]) {
                System.arraycopy(merged, s * 512, childOnly, s * 512, 512);
            }
        }
        assertQemuEquals(child, childOnly);
    }

    private void assertQemuEquals(Path vhd, byte[] expected) throws Exception {
        Path raw = dir.resolve(vhd.getFileName() + ".expected.raw");
        Files.write(raw, expected);
        Result r = run(List.of(QEMU_IMG, "compare", "-f", "vpc", "-F", "raw", vhd.toString(), raw.toString()));
        assertThat(r.exit()).as("qemu-img compare: %s %s", r.out(), r.err()).isZero();
        Files.delete(raw);
    }

    private void assertQemuMapMatchesBat(Path vhd) throws Exception {
        Result r = run(List.of(QEMU_IMG, "map", "-f", "vpc", "--output=json", vhd.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        Map<Integer, Long> qemuOffsets = new HashMap<>();
        Pattern entry = Pattern.compile("\\{[^}]*\\}");
        Matcher m = entry.matcher(r.out());
        while (m.find()) {
            String e = m.group();
            if (!e.contains("\"data\": true")) {
                continue;
            }
            long start = jsonLong(e, "start");
            long length = jsonLong(e, "length");
            long offset = jsonLong(e, "offset");
            for (long p = start; p < start + length; p += BLOCK) {
                qemuOffsets.put((int) (p / BLOCK), offset + (p - start));
            }
        }
        Map<Integer, Long> batOffsets = new HashMap<>();
        try (VhdImage img = VhdImage.open(vhd, OpenMode.READ_ONLY)) {
            for (int blk : img.allocatedBlocks()) {
                batOffsets.put(blk, img.blockBitmapOffset(blk) + 512);
            }
        }
        assertThat(batOffsets).isNotEmpty();
        assertThat(qemuOffsets).as("qemu-img map data offsets = BAT entry * 512 + 512").isEqualTo(batOffsets);
    }

    private static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(\\d+)").matcher(json);
        assertThat(m.find()).as("%s in %s", key, json).isTrue();
        return Long.parseLong(m.group(1));
    }

    // ---------------------------------------------------------------------------------- libvhdi

    /**
     * libvhdi 20210425 (Debian 12) decodes sector bitmaps without masking the bit it extracts
     * ({@code byte >> (7 - i)}), so inside one bitmap byte every clear bit that follows a set
     * bit is taken as "in this file". Children therefore receive 4 KiB-granular writes here
     * (each bitmap byte all set or all clear); sub-4 KiB copy-on-write is covered by the
     * library's own tests and by the QEMU child-only check. The base (a dynamic disk) gets
     * arbitrary writes: its holes are zero on disk, so the misreading is harmless there.
     */
    @Test
    void libvhdiReadsWholeChainsLikeTheLibrary() throws Exception {
        assumePyvhdi();
        Path script = dir.resolve("chain_sha.py");
        Files.writeString(script, CHAIN_SHA_SCRIPT);

        List<Path> chain = new ArrayList<>();
        Path base = dir.resolve("base.vhd");
        VhdImage.createDynamic(base, SIZE, UUID.randomUUID(), fastOptions());
        chain.add(base);
        byte[] model = new byte[(int) SIZE];
        try (VhdChain c = VhdChain.open(base, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(31), SIZE, 150), c, model);
        }
        assertPyvhdiSha(script, chain, model);

        for (int level = 1; level <= 3; level++) {
            Path child = dir.resolve("level" + level + ".vhd");
            VhdImage.createDifferencing(child, chain.get(0), UUID.randomUUID(), fastOptions());
            chain.add(0, child);
            assertPyvhdiSha(script, chain, model); // an empty child shows its parent unchanged
            try (VhdChain c = VhdChain.open(child, OpenMode.READ_WRITE)) {
                apply(randomAlignedWrites(new Random(31 + level), SIZE, 120, 4096), c, model);
                assertThat(sha256(readAll(c))).isEqualTo(sha256(model));
            }
            assertPyvhdiSha(script, chain, model);
        }
        // every intermediate level still reads as it did (parents were never modified)
        try (VhdChain c = VhdChain.open(chain.get(1), OpenMode.READ_ONLY)) {
            assertPyvhdiSha(script, chain.subList(1, chain.size()), readAll(c));
        }
    }

    /**
     * libvhdi takes the media size from the footer's <em>original</em> size (offset 40), so
     * after a resize it only shows the first original-size bytes; that part must match, which
     * proves it follows the relocated BAT. A child with an LVHD-style 2 TiB BAT reservation
     * is read as a whole chain.
     */
    @Test
    void libvhdiReadsRelocatedAndPreallocatedTables() throws Exception {
        assumePyvhdi();
        Path script = dir.resolve("chain_sha.py");
        Files.writeString(script, CHAIN_SHA_SCRIPT);
        Path f = dir.resolve("grown.vhd");
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        byte[] model = new byte[(int) (160 * MIB)];
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(41), SIZE, 60), c, model);
        }
        VhdImage.resize(f, 160 * MIB);
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(42), 160 * MIB, 60), c, model);
            assertThat(c.leaf().header().orElseThrow().tableOffset()).isGreaterThan(1536);
        }
        assertPyvhdiSha(script, List.of(f), Arrays.copyOf(model, (int) SIZE));

        Path base = dir.resolve("base.vhd");
        VhdImage.createDynamic(base, SIZE, UUID.randomUUID(), fastOptions());
        byte[] m2 = new byte[(int) SIZE];
        try (VhdChain c = VhdChain.open(base, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(43), SIZE, 60), c, m2);
        }
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(),
                fastOptions().withReservedVirtualSize(2048 * GIB));
        try (VhdChain c = VhdChain.open(child, OpenMode.READ_WRITE)) {
            apply(randomAlignedWrites(new Random(44), SIZE, 60, 4096), c, m2);
        }
        assertPyvhdiSha(script, List.of(child, base), m2);
    }

    @Test
    void vhdiinfoShowsParentIdentityOfAChild() throws Exception {
        assumeTrue(executable(VHDIINFO), "vhdiinfo not installed (apt-get install libvhdi-utils): skipping");
        Path base = dir.resolve("base.vhd");
        UUID baseId = UUID.randomUUID();
        VhdImage.createDynamic(base, 10 * GIB, baseId, fastOptions());
        Path child = dir.resolve("child.vhd");
        UUID childId = UUID.randomUUID();
        VhdImage.createDifferencing(child, base, childId, fastOptions());
        Result r = run(List.of(VHDIINFO, child.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(field(r.out(), "Disk type")).isEqualTo("Differential");
        assertThat(field(r.out(), "Media size")).contains("10737418240 bytes");
        assertThat(field(r.out(), "Identifier")).isEqualTo(childId.toString());
        assertThat(field(r.out(), "Parent identifier")).isEqualTo(baseId.toString());
        assertThat(field(r.out(), "Parent filename")).isEqualTo("base.vhd");

        Result rb = run(List.of(VHDIINFO, base.toString()));
        assertThat(field(rb.out(), "Disk type")).isEqualTo("Dynamic");
        assertThat(field(rb.out(), "Identifier")).isEqualTo(baseId.toString());
    }

    private void assertPyvhdiSha(Path script, List<Path> chain, byte[] model) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
        chain.forEach(p -> cmd.add(p.toString()));
        Result r = run(cmd);
        assertThat(r.exit()).as("pyvhdi: %s", r.err()).isZero();
        String[] parts = r.out().trim().split("\\s+");
        assertThat(Long.parseLong(parts[0])).isEqualTo(model.length);
        assertThat(parts[1]).as("libvhdi view of %s", chain.get(0).getFileName()).isEqualTo(sha256(model));
    }

    private static String field(String out, String name) {
        for (String line : out.split("\n")) {
            String[] kv = line.trim().split("\\s*:\\s*", 2);
            if (kv.length == 2 && kv[0].equals(name)) {
                return kv[1].trim();
            }
        }
        throw new AssertionError(name + " not in vhdiinfo output:\n" + out);
    }
}
