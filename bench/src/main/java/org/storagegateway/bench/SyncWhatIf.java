package org.storagegateway.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.UUID;

import org.storagegateway.vhd.VhdCreateOptions;
import org.storagegateway.vhd.VhdImage;

/**
 * What-if for the full clone path's file work, with the VHD library and plain NIO and none of the driver's checks:
 * the same files and renames as FileRepository's double snapshot, once with the syncs in the driver's earlier order
 * (5 forces: new leaf, directory, clone, directory, hidden base) and once batched (both children written, then
 * forced back to back, both renamed, one directory force, hidden base: on ext4 the second file force and the second
 * directory force find nothing left to commit). The ratio of the two is what reordering the syncs could save; it
 * says nothing about crash safety by itself; the driver now uses the batched order (see docs/architecture.md).
 */
final class SyncWhatIf {
    private static final VhdCreateOptions NO_SYNC = new VhdCreateOptions(false, Clock.systemUTC(), 0);

    private SyncWhatIf() {
    }

    /** The driver's earlier order: link, leaf + force, rename + dir force, clone + force, rename + dir force, hide + force. */
    static void driverOrder(Path source) {
        Path dir = source.getParent();
        Path base = dir.resolve(UUID.randomUUID() + ".vhd");
        Path created = dir.resolve(UUID.randomUUID() + ".vhd");
        link(base, source);
        Path leaf = staging(source);
        VhdImage.createDifferencing(leaf, base, UUID.randomUUID());
        rename(leaf, source);
        forceDirectory(dir);
        Path clone = staging(created);
        VhdImage.createDifferencing(clone, base, UUID.randomUUID());
        rename(clone, created);
        forceDirectory(dir);
        VhdImage.setHidden(base, true);
    }

    /** Batched: link, both children written, forced back to back, both renamed, one dir force, hide + force. */
    static void batched(Path source) {
        Path dir = source.getParent();
        Path base = dir.resolve(UUID.randomUUID() + ".vhd");
        Path created = dir.resolve(UUID.randomUUID() + ".vhd");
        link(base, source);
        Path leaf = staging(source);
        Path clone = staging(created);
        VhdImage.createDifferencing(leaf, base, UUID.randomUUID(), NO_SYNC);
        VhdImage.createDifferencing(clone, base, UUID.randomUUID(), NO_SYNC);
        force(leaf);
        force(clone);
        rename(leaf, source);
        rename(clone, created);
        forceDirectory(dir);
        VhdImage.setHidden(base, true);
    }

    private static Path staging(Path file) {
        return file.resolveSibling(file.getFileName() + ".new");
    }

    private static void link(Path base, Path source) {
        try {
            Files.createLink(base, source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void rename(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void force(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
