package org.storagegateway.bridge.qemu.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The test agent's data pattern, computed on the host: for every 512-byte sector {@code s} of a range,
 * the text {@code "seed=<seed> sector=<s>"} left-justified and padded with spaces to 511 bytes,
 * followed by a newline. The absolute sector number makes data written at the wrong place visible.
 */
public final class GuestPattern {
    public static final int SECTOR = 512;

    private GuestPattern() {
    }

    /** SHA-256 (hex) of the pattern of one range, as the agent's WRITE reports it. */
    public static String sha256(String seed, long offset, long length) {
        checkRange(offset, length);
        MessageDigest digest = sha256();
        for (long sector = offset / SECTOR, end = (offset + length) / SECTOR; sector < end; sector++) {
            digest.update(sector(seed, sector));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 (hex) of a byte range of a file, read on the host. */
    public static String sha256OfFile(Path file, long offset, long length) throws IOException {
        MessageDigest digest = sha256();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long position = offset;
            long end = offset + length;
            while (position < end) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new IOException(file + " ends before " + end);
                }
                buffer.flip();
                digest.update(buffer);
                position += n;
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static byte[] sector(String seed, long sector) {
        String text = "seed=" + seed + " sector=" + sector;
        byte[] bytes = new byte[SECTOR];
        byte[] textBytes = text.getBytes(StandardCharsets.US_ASCII);
        if (textBytes.length > SECTOR - 1) {
            throw new IllegalArgumentException("seed too long: " + seed);
        }
        System.arraycopy(textBytes, 0, bytes, 0, textBytes.length);
        for (int i = textBytes.length; i < SECTOR - 1; i++) {
            bytes[i] = ' ';
        }
        bytes[SECTOR - 1] = '\n';
        return bytes;
    }

    private static void checkRange(long offset, long length) {
        if (offset < 0 || length <= 0 || offset % SECTOR != 0 || length % SECTOR != 0) {
            throw new IllegalArgumentException("offset and length must be non-negative multiples of 512: " + offset + "+" + length);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
