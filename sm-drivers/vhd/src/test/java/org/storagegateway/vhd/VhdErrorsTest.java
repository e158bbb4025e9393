package org.storagegateway.vhd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.storagegateway.vhd.TestSupport.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt or inconsistent input must produce the typed error, never data. */
class VhdErrorsTest {

    private static final long SIZE = 16 * MIB;

    @TempDir
    Path dir;

    private Path image(String name) {
        Path f = dir.resolve(name);
        VhdImage.createDynamic(f, SIZE, UUID.randomUUID(), fastOptions());
        return f;
    }

    /** An image with some blocks written; returns the model of its content. */
    private byte[] populate(Path f, int seed) {
        byte[] model = new byte[(int) SIZE];
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            apply(randomWrites(new Random(seed), SIZE, 30), c, model);
        }
        return model;
    }

    private static void patch(Path f, long off, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), off);
        }
    }

    private static void patchInt(Path f, long off, int v) throws IOException {
        byte[] b = new byte[4];
        VhdFormat.putInt(b, 0, v);
        patch(f, off, b);
    }

    private static void truncate(Path f, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** Rewrites a footer at {@code off} after {@code edit}, with a correct checksum. */
    private static void editFooter(Path f, long off, java.util.function.Consumer<byte[]> edit) throws IOException {
        byte[] all = bytes(f);
        byte[] footer = Arrays.copyOfRange(all, (int) off, (int) off + 512);
        edit.accept(footer);
        VhdFormat.putInt(footer, 64, checksum(footer, 0, 512, 64));
        patch(f, off, footer);
    }

    private static void expect(VhdException.Reason reason, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(VhdException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    private static void expectOpen(VhdException.Reason reason, Path f) {
        expect(reason, () -> VhdImage.open(f, OpenMode.READ_ONLY).close());
        expect(reason, () -> VhdChain.open(f, OpenMode.READ_ONLY).close());
    }

    @Test
    void badCookie() throws Exception {
        Path f = image("a.vhd");
        long end = Files.size(f) - 512;
        patch(f, 0, "XXXXXXXX".getBytes());
        patch(f, end, "XXXXXXXX".getBytes());
        expectOpen(VhdException.Reason.BAD_COOKIE, f);
        expect(VhdException.Reason.BAD_COOKIE, () -> VhdImage.readFooter(f));

        Path h = image("h.vhd");
        patch(h, 512, "cxsparsX".getBytes());
        expectOpen(VhdException.Reason.BAD_COOKIE, h);

        Path bm = image("bm.vhd");
        patch(bm, 1536 + 512, "tdbatmaX".getBytes());
        expectOpen(VhdException.Reason.BAD_COOKIE, bm);

        Path raw = dir.resolve("raw.img");
        Files.write(raw, new byte[4096]);
        expectOpen(VhdException.Reason.BAD_COOKIE, raw);
    }

    @Test
    void badChecksum() throws Exception {
        Path f = image("a.vhd");
        long end = Files.size(f) - 512;
        patch(f, 200, new byte[] {1});
        patch(f, end + 200, new byte[] {1});
        expectOpen(VhdException.Reason.BAD_CHECKSUM, f);

        Path h = image("h.vhd");
        patch(h, 512 + 1000, new byte[] {1});
        expectOpen(VhdException.Reason.BAD_CHECKSUM, h);

        Path bm = image("bm.vhd");
        patchInt(bm, 1536 + 512 + 24, 0x12345678);
        expectOpen(VhdException.Reason.BAD_CHECKSUM, bm);

        // the hidden byte is covered by the footer checksum too
        Path hid = image("hid.vhd");
        patch(hid, 85, new byte[] {1});
        patch(hid, Files.size(hid) - 512 + 85, new byte[] {1});
        expectOpen(VhdException.Reason.BAD_CHECKSUM, hid);
    }

    @Test
    void batEntryPastEndOfFileOrIntoMetadata() throws Exception {
        Path f = image("a.vhd");
        populate(f, 1);
        patchInt(f, 1536 + 4 * 7, (int) (Files.size(f) / 512 + 100));
        expectOpen(VhdException.Reason.BAT_ENTRY_OUT_OF_RANGE, f);

        Path g = image("b.vhd");
        populate(g, 2);
        patchInt(g, 1536 + 4 * 6, 3); // sector 3 = inside the BAT
        expectOpen(VhdException.Reason.BAT_ENTRY_OUT_OF_RANGE, g);
    }

    @Test
    void overlappingBlocksAndBogusBatmapBitsAreCorrupt() throws Exception {
        Path f = image("a.vhd");
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            c.write(0, new byte[512], 0, 512);
            c.write(BLOCK, new byte[512], 0, 512);
        }
        byte[] b = bytes(f);
        patchInt(f, 1536 + 4, be32(b, 1536) + 8); // block 1 starts 4 KiB into block 0
        expectOpen(VhdException.Reason.CORRUPT, f);

        Path g = image("g.vhd");
        // mark unallocated block 3 full, with a matching checksum
        byte[] map = new byte[512];
        map[0] = 0x10;
        patch(g, 1536 + 512 + 512, map);
        patchInt(g, 1536 + 512 + 24, ~0x10);
        expectOpen(VhdException.Reason.CORRUPT, g);
    }

    @Test
    void parentUuidMismatch() throws Exception {
        Path base = image("base.vhd");
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(), fastOptions());
        Files.delete(base);
        VhdImage.createDynamic(base, SIZE, UUID.randomUUID(), fastOptions());
        expect(VhdException.Reason.PARENT_UUID_MISMATCH, () -> VhdChain.open(child, OpenMode.READ_ONLY).close());
        expect(VhdException.Reason.PARENT_UUID_MISMATCH, () -> VhdChain.depth(child));
    }

    @Test
    void parentMissing() throws Exception {
        Path base = image("base.vhd");
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(), fastOptions());
        Files.delete(base);
        expect(VhdException.Reason.PARENT_MISSING, () -> VhdChain.open(child, OpenMode.READ_WRITE).close());
        expect(VhdException.Reason.PARENT_MISSING, () -> VhdChain.depth(child));
        try (VhdImage img = VhdImage.open(child, OpenMode.READ_ONLY)) {
            assertThat(img.parentName()).contains("base.vhd"); // the file itself still opens
        }
    }

    @Test
    void chainLoop() throws Exception {
        Path base = image("base.vhd");
        Path a = dir.resolve("a.vhd");
        Path b = dir.resolve("b.vhd");
        VhdImage.createDifferencing(a, base, UUID.randomUUID(), fastOptions());
        VhdImage.createDifferencing(b, a, UUID.randomUUID(), fastOptions());
        VhdImage.setParent(a, b); // a -> b -> a
        expect(VhdException.Reason.CHAIN_LOOP, () -> VhdChain.open(b, OpenMode.READ_ONLY).close());
        expect(VhdException.Reason.CHAIN_LOOP, () -> VhdChain.depth(a));
    }

    @Test
    void chainDepthLimitIsThirty() {
        Path prev = image("d01.vhd");
        for (int i = 2; i <= 31; i++) {
            Path next = dir.resolve(String.format("d%02d.vhd", i));
            VhdImage.createDifferencing(next, prev, UUID.randomUUID(), fastOptions());
            prev = next;
        }
        Path thirty = dir.resolve("d30.vhd");
        assertThat(VhdChain.depth(thirty)).isEqualTo(30);
        try (VhdChain c = VhdChain.open(thirty, OpenMode.READ_WRITE)) {
            c.write(12345, new byte[] {9}, 0, 1);
            assertThat(c.depth()).isEqualTo(30);
        }
        Path thirtyOne = dir.resolve("d31.vhd");
        expect(VhdException.Reason.CHAIN_TOO_DEEP, () -> VhdChain.depth(thirtyOne));
        expect(VhdException.Reason.CHAIN_TOO_DEEP, () -> VhdChain.open(thirtyOne, OpenMode.READ_ONLY).close());
    }

    @Test
    void truncatedFiles() throws Exception {
        Path tiny = image("tiny.vhd");
        truncate(tiny, 300);
        expectOpen(VhdException.Reason.TRUNCATED, tiny);

        Path midBat = dir.resolve("midbat.vhd");
        VhdImage.createDynamic(midBat, 10 * GIB, UUID.randomUUID(), fastOptions());
        truncate(midBat, 10_000); // footer copy and header intact, BAT cut
        expectOpen(VhdException.Reason.TRUNCATED, midBat);

        // a block whose bitmap claims sectors the file no longer holds
        Path cut = image("cut.vhd");
        byte[] data = new byte[BLOCK];
        new Random(3).nextBytes(data);
        try (VhdChain c = VhdChain.open(cut, OpenMode.READ_WRITE)) {
            c.write(0, data, 0, data.length);
        }
        long bitmap = ube32(bytes(cut), 1536) * 512;
        truncate(cut, bitmap + 512 + BLOCK / 2);
        try (VhdChain c = VhdChain.open(cut, OpenMode.READ_ONLY)) {
            assertThat(c.leaf().footerRecoveredFromBackup()).isTrue();
            byte[] head = new byte[4096];
            c.read(0, head, 0, head.length);
            assertThat(head).isEqualTo(Arrays.copyOf(data, 4096));
            byte[] tail = new byte[4096];
            expect(VhdException.Reason.TRUNCATED, () -> c.read(BLOCK - 4096, tail, 0, tail.length));
        }
    }

    @Test
    void unsupportedVariants() throws Exception {
        Path v = image("v.vhd");
        editFooter(v, 0, b -> VhdFormat.putInt(b, 12, 0x00020000));
        editFooter(v, Files.size(v) - 512, b -> VhdFormat.putInt(b, 12, 0x00020000));
        expectOpen(VhdException.Reason.UNSUPPORTED, v);

        Path base = image("base.vhd");
        Path child = dir.resolve("child.vhd");
        VhdImage.createDifferencing(child, base, UUID.randomUUID(), fastOptions());
        byte[] h = Arrays.copyOfRange(bytes(child), 512, 1536);
        Arrays.fill(h, 40, 56, (byte) 0); // null parent UUID = raw parent in blktap
        VhdFormat.putInt(h, 36, checksum(h, 0, 1024, 36));
        patch(child, 512, h);
        expect(VhdException.Reason.UNSUPPORTED, () -> VhdChain.open(child, OpenMode.READ_ONLY).close());
    }

    @Test
    void missingTrailingFooterFallsBackToCopyAtZeroAndIsRepairedOnClose() throws Exception {
        Path f = image("f.vhd");
        byte[] model = populate(f, 4);
        byte[] good = bytes(f);

        truncate(f, good.length - 512); // trailing footer gone
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_ONLY)) {
            assertThat(c.leaf().footerRecoveredFromBackup()).isTrue();
            assertThat(readAll(c)).isEqualTo(model);
        }
        assertThat(Files.size(f)).as("read-only open never repairs").isEqualTo(good.length - 512);
        try (VhdImage img = VhdImage.open(f, OpenMode.READ_WRITE)) {
            assertThat(img.footerRecoveredFromBackup()).isTrue();
        }
        assertThat(bytes(f)).as("clean close rewrote the trailing footer").isEqualTo(good);

        // tapdisk marks a live leaf by filling the last sector with 0xC7
        byte[] poison = new byte[512];
        Arrays.fill(poison, (byte) 0xC7);
        patch(f, good.length - 512, poison);
        try (VhdChain c = VhdChain.open(f, OpenMode.READ_WRITE)) {
            assertThat(c.leaf().footerRecoveredFromBackup()).isTrue();
            assertThat(readAll(c)).isEqualTo(model);
        }
        assertThat(bytes(f)).isEqualTo(good);

        // a bad copy at 0 with a good trailing footer is refreshed by a read-write open
        patch(f, 300, new byte[] {7});
        try (VhdImage img = VhdImage.open(f, OpenMode.READ_WRITE)) {
            assertThat(img.footerRecoveredFromBackup()).isFalse();
        }
        assertThat(bytes(f)).isEqualTo(good);
    }

    @Test
    void closedAndReadOnlyObjectsRefuseWork() {
        Path f = image("c.vhd");
        VhdChain c = VhdChain.open(f, OpenMode.READ_ONLY);
        c.close();
        c.close();
        expect(VhdException.Reason.INVALID_ARGUMENT, () -> c.read(0, new byte[1], 0, 1));
        expect(VhdException.Reason.NOT_FOUND, () -> VhdImage.open(dir.resolve("nope.vhd"), OpenMode.READ_ONLY));
        expect(VhdException.Reason.INVALID_ARGUMENT,
                () -> VhdImage.setParent(f, UUID.randomUUID(), "x.vhd", Instant.now()));
    }
}
