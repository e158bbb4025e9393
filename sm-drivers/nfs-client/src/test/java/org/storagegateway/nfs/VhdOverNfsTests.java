package org.storagegateway.nfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.storagegateway.vhd.IndependentTools;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;
import org.storagegateway.vhd.VhdImage;

/**
 * The key proof: the VHD library, unchanged, builds and writes a chain on nfs3:// paths, and the files that land in
 * the exported directory are read by libvhdi and qemu-img (tools no one here wrote) as the data written.
 */
@ExtendWith(GaneshaExtension.class)
class VhdOverNfsTests {

    private static final long MIB = 1024L * 1024;
    private static final long SIZE = 64 * MIB;
    private static final int BLOCK = 2 * 1024 * 1024;
    private static final AtomicInteger SEQ = new AtomicInteger();

    private static Nfs3FileSystem fs;
    private static Ganesha ganesha;

    private Path dir;
    private Path local;

    @BeforeAll
    static void mount(Ganesha server, Nfs3FileSystem export) {
        ganesha = server;
        fs = export;
    }

    @BeforeEach
    void srDirectory(TestInfo info) throws IOException {
        String name = "v" + SEQ.incrementAndGet() + "-" + info.getTestMethod().orElseThrow().getName();
        dir = fs.getPath("/" + name);
        Files.createDirectory(dir);
        local = ganesha.localExport().resolve(name);
    }

    @Test
    void aChainWrittenOverNfsIsReadByLibvhdiAsTheDataWritten() throws IOException {
        Assumptions.assumeTrue(IndependentTools.libvhdiAvailable(),
                "python3-libvhdi is not installed for " + IndependentTools.PYTHON);
        UUID baseId = UUID.randomUUID();
        UUID midId = UUID.randomUUID();
        UUID leafId = UUID.randomUUID();
        Path base = dir.resolve(baseId + ".vhd");
        Path mid = dir.resolve(midId + ".vhd");
        Path leaf = dir.resolve(leafId + ".vhd");
        byte[] model = new byte[(int) SIZE];

        VhdImage.createDynamic(base, SIZE, baseId);
        try (VhdChain chain = VhdChain.open(base, OpenMode.READ_WRITE)) {
            writeRandomly(chain, model, 1);
        }
        byte[] baseContent = model.clone();
        VhdImage.createDifferencing(mid, base, midId);
        try (VhdChain chain = VhdChain.open(mid, OpenMode.READ_WRITE)) {
            writeRandomly(chain, model, 2);
        }
        byte[] midContent = model.clone();
        VhdImage.createDifferencing(leaf, mid, leafId);
        try (VhdChain chain = VhdChain.open(leaf, OpenMode.READ_WRITE)) {
            assertThat(chain.depth()).isEqualTo(3);
            writeRandomly(chain, model, 3);
            byte[] back = new byte[(int) SIZE];
            chain.read(0, back, 0, back.length);
            assertThat(back).as("read back over NFS through the chain").isEqualTo(model);
        }
        assertThat(VhdChain.resolvePaths(leaf)).containsExactly(leaf, mid, base);

        // The exported directory on the local disk: the same bytes, read by tools no one here wrote.
        for (Path p : List.of(base, mid, leaf)) {
            Path onDisk = local.resolve(p.getFileName().toString());
            assertThat(Files.readAllBytes(onDisk)).as("%s on disk", onDisk).isEqualTo(Files.readAllBytes(p));
            IndependentTools.QemuInfo info = IndependentTools.qemuImgInfo(onDisk);
            assertThat(info.format()).isEqualTo("vpc");
            assertThat(info.virtualSize()).isEqualTo(SIZE);
        }
        assertLibvhdi(local.resolve(base.getFileName().toString()), 1, baseContent);
        assertLibvhdi(local.resolve(mid.getFileName().toString()), 2, midContent);
        assertLibvhdi(local.resolve(leaf.getFileName().toString()), 3, model);
    }

    @Test
    void aChainWrittenLocallyIsReadOverNfs() throws IOException {
        UUID baseId = UUID.randomUUID();
        UUID leafId = UUID.randomUUID();
        Path base = local.resolve(baseId + ".vhd");
        Path leaf = local.resolve(leafId + ".vhd");
        byte[] model = new byte[(int) SIZE];
        VhdImage.createDynamic(base, SIZE, baseId);
        try (VhdChain chain = VhdChain.open(base, OpenMode.READ_WRITE)) {
            writeRandomly(chain, model, 4);
        }
        VhdImage.createDifferencing(leaf, base, leafId);
        try (VhdChain chain = VhdChain.open(leaf, OpenMode.READ_WRITE)) {
            writeRandomly(chain, model, 5);
        }
        try (VhdChain chain = VhdChain.open(dir.resolve(leafId + ".vhd"), OpenMode.READ_ONLY)) {
            assertThat(chain.depth()).isEqualTo(2);
            byte[] back = new byte[(int) SIZE];
            chain.read(0, back, 0, back.length);
            assertThat(back).isEqualTo(model);
        }
    }

    private static void assertLibvhdi(Path file, int depth, byte[] expected) throws IOException {
        IndependentTools.LibvhdiReading r = IndependentTools.readWithLibvhdi(file);
        assertThat(r.depth()).as("depth of %s", file).isEqualTo(depth);
        assertThat(r.mediaSize()).isEqualTo(expected.length);
        assertThat(r.sha256()).as("libvhdi's SHA-256 of %s", file).isEqualTo(sha256(expected));
    }

    /**
     * Random patterns at random offsets: block-straddling, sector-partial, and whole-block writes.
     *
     * <p>In a differencing child every write ends on a 4 KiB boundary (and the one-sector writes hit the last sector
     * of a bitmap byte): libvhdi 20210425 (Debian 12) misreads a sector bitmap byte in which a set bit is followed
     * by clear bits ({@code byte_value >> (7 - bit_index)} without {@code & 1} in
     * {@code libvhdi_block_descriptor_read_sector_bitmap_data}), so it would read those clear sectors from the child
     * instead of the parent. The files are right (our chain reader and the bitmap say so); the oracle is not.
     */
    private static void writeRandomly(VhdChain chain, byte[] model, long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < 24; i++) {
            long offset;
            int len;
            switch (i % 4) {
                case 0 -> { // straddles a 2 MiB block boundary, unaligned both ends
                    long boundary = (1 + rnd.nextInt((int) (SIZE / BLOCK) - 1)) * (long) BLOCK;
                    offset = boundary - 1 - rnd.nextInt(70_000);
                    len = 1 + rnd.nextInt(140_000);
                }
                case 1 -> { // inside one sector
                    offset = rnd.nextInt((int) (SIZE / 512)) * 512L + 1 + rnd.nextInt(200);
                    len = 1 + rnd.nextInt(300);
                }
                case 2 -> { // a whole block
                    offset = rnd.nextInt((int) (SIZE / BLOCK)) * (long) BLOCK;
                    len = BLOCK;
                }
                default -> {
                    offset = rnd.nextInt((int) SIZE);
                    len = 1 + rnd.nextInt(600_000);
                }
            }
            if (chain.depth() > 1) {
                if (i % 4 == 1) {
                    offset = (offset / 4096) * 4096 + 7 * 512 + 1 + rnd.nextInt(200); // last sector of a bitmap byte
                    len = 512 - (int) (offset % 512) - rnd.nextInt(100);
                } else {
                    long end = Math.min(SIZE, (offset + len + 4095) / 4096 * 4096);
                    len = (int) (end - offset);
                }
            }
            len = (int) Math.min(len, SIZE - offset);
            byte[] data = new byte[len];
            rnd.nextBytes(data);
            chain.write(offset, data, 0, len);
            System.arraycopy(data, 0, model, (int) offset, len);
        }
        chain.flush();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
