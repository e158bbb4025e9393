package org.storagegateway.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.UUID;

import org.storagegateway.vhd.VhdCreateOptions;
import org.storagegateway.vhd.VhdFooter;
import org.storagegateway.vhd.VhdImage;

/**
 * A file SR folder full of VHDs, made fast through the VHD library without fsync: {@code chains} chains of
 * {@code depth} images each (a dynamic root and differencing children), every image but the leaf hidden, as
 * XenServer leaves them after snapshots.
 */
final class ScanFixture {
    private ScanFixture() {
    }

    /** Create the chains in {@code folder} and return how many files were made. */
    static int create(Path folder, int chains, int depth, long virtualSize) throws IOException {
        Files.createDirectories(folder);
        VhdCreateOptions fast = new VhdCreateOptions(false, Clock.systemUTC(), 0);
        int made = 0;
        for (int c = 0; c < chains; c++) {
            Path parent = folder.resolve(UUID.randomUUID() + ".vhd");
            VhdImage.createDynamic(parent, virtualSize, UUID.randomUUID(), fast);
            made++;
            for (int d = 1; d < depth; d++) {
                // Hide the parent before its child records the parent's time stamp, as a snapshot does.
                hide(parent);
                Path child = folder.resolve(UUID.randomUUID() + ".vhd");
                VhdImage.createDifferencing(child, parent, UUID.randomUUID(), fast);
                made++;
                parent = child;
            }
        }
        return made;
    }

    /** Set the hidden flag in both footer copies, without fsync (VhdImage.setHidden forces the file). */
    private static void hide(Path file) {
        byte[] footer = VhdImage.readFooter(file).withHidden(true).encode();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ch.write(ByteBuffer.wrap(footer), size - footer.length);
            ch.write(ByteBuffer.wrap(footer), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static VhdFooter footer(Path file) {
        return VhdImage.readFooter(file);
    }
}
