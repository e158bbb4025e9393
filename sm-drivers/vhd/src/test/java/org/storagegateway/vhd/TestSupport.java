package org.storagegateway.vhd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the tests: byte access, an in-memory model of the disk, process runner. */
final class TestSupport {

    static final long MIB = 1024L * 1024;
    static final long GIB = 1024 * MIB;
    static final int BLOCK = 2 * 1024 * 1024;

    /** 2024-01-02T03:04:05Z, i.e. 757,479,845 seconds after the VHD epoch. */
    static final Instant FIXED_TIME = Instant.parse("2024-01-02T03:04:05Z");
    static final Clock FIXED_CLOCK = Clock.fixed(FIXED_TIME, ZoneOffset.UTC);

    private TestSupport() {
    }

    static VhdCreateOptions fastOptions() {
        return VhdCreateOptions.defaults().withDurable(false).withClock(FIXED_CLOCK);
    }

    static int be32(byte[] b, int off) {
        return VhdFormat.getInt(b, off);
    }

    static long be64(byte[] b, int off) {
        return VhdFormat.getLong(b, off);
    }

    static long ube32(byte[] b, int off) {
        return VhdFormat.getUInt(b, off);
    }

    static String ascii(byte[] b, int off, int len) {
        return new String(b, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Recomputes a one's-complement byte-sum checksum with the checksum field as zero. */
    static int checksum(byte[] b, int off, int len, int checksumOff) {
        int sum = 0;
        for (int i = 0; i < len; i++) {
            if (i >= checksumOff && i < checksumOff + 4) {
                continue;
            }
            sum += b[off + i] & 0xFF;
        }
        return ~sum;
    }

    static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    static boolean bit(byte[] map, int off, int index) {
        return (map[off + (index >>> 3)] & (0x80 >>> (index & 7))) != 0;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One random write: applied to the chain and to the model. */
    record Write(long offset, byte[] data) {
    }

    /**
     * Random writes of mixed shapes: sub-sector, multi-sector unaligned, block-straddling and
     * large ones, at random offsets.
     */
    static List<Write> randomWrites(Random rnd, long diskSize, int count) {
        List<Write> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int shape = rnd.nextInt(5);
            int len;
            long off;
            switch (shape) {
                case 0 -> { // inside one sector
                    len = 1 + rnd.nextInt(300);
                    off = rnd.nextInt((int) (diskSize / 512)) * 512L + rnd.nextInt(512 - len + 1);
                }
                case 1 -> { // a few unaligned sectors
                    len = 1 + rnd.nextInt(3000);
                    off = (long) (rnd.nextDouble() * (diskSize - len));
                }
                case 2 -> { // straddles a block boundary
                    len = 2 + rnd.nextInt(20_000);
                    long boundary = (1 + rnd.nextInt((int) (diskSize / BLOCK) - 1)) * (long) BLOCK;
                    off = boundary - 1 - rnd.nextInt(len - 1);
                }
                case 3 -> { // aligned sectors
                    len = (1 + rnd.nextInt(64)) * 512;
                    off = rnd.nextInt((int) ((diskSize - len) / 512)) * 512L;
                }
                default -> { // large, arbitrary
                    len = 1 + rnd.nextInt(700_000);
                    off = (long) (rnd.nextDouble() * (diskSize - len));
                }
            }
            byte[] data = new byte[len];
            rnd.nextBytes(data);
            out.add(new Write(off, data));
        }
        return out;
    }

    /** Random writes whose offset and length are multiples of {@code unit}, some straddling blocks. */
    static List<Write> randomAlignedWrites(Random rnd, long diskSize, int count, int unit) {
        List<Write> out = new ArrayList<>();
        long units = diskSize / unit;
        for (int i = 0; i < count; i++) {
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 200);
            long first = rnd.nextInt(4) == 0
                    ? Math.max(0, (1 + rnd.nextInt((int) (diskSize / BLOCK) - 1)) * (long) BLOCK / unit - n / 2)
                    : (long) (rnd.nextDouble() * (units - n));
            n = (int) Math.min(n, units - first);
            byte[] data = new byte[n * unit];
            rnd.nextBytes(data);
            out.add(new Write(first * unit, data));
        }
        return out;
    }

    static void apply(List<Write> writes, VhdChain chain, byte[] model) {
        for (Write w : writes) {
            chain.write(w.offset(), w.data(), 0, w.data().length);
            System.arraycopy(w.data(), 0, model, (int) w.offset(), w.data().length);
        }
    }

    static byte[] readAll(VhdChain chain) {
        byte[] out = new byte[Math.toIntExact(chain.virtualSize())];
        chain.read(0, out, 0, out.length);
        return out;
    }

    // ---------------------------------------------------------------- external processes

    record Result(int exit, String out, String err) {
    }

    static boolean executable(String path) {
        return Files.isExecutable(Path.of(path));
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        byte[][] streams = new byte[2][];
        Thread errReader = new Thread(() -> streams[1] = drain(p.getErrorStream()));
        errReader.start();
        streams[0] = drain(p.getInputStream());
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("%s finished in time", cmd).isTrue();
        errReader.join();
        return new Result(p.exitValue(), new String(streams[0]), new String(streams[1]));
    }

    private static byte[] drain(InputStream in) {
        try (in) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            in.transferTo(bos);
            return bos.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
