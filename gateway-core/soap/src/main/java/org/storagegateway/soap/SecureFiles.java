package org.storagegateway.soap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Files that hold secrets: created owner-only from the first byte, written whole or not at all. */
final class SecureFiles {
    private static final Logger LOG = LoggerFactory.getLogger(SecureFiles.class);

    static final Set<PosixFilePermission> OWNER_READ_WRITE =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    static final Set<PosixFilePermission> OWNER_ALL = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    static final Set<PosixFilePermission> WORLD_READABLE = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ);

    private static final SecureRandom RANDOM = new SecureRandom();

    private SecureFiles() {
    }

    /** Create {@code dir} and its missing parents; the ones created here are owner-only (0700). */
    static void createPrivateDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createPrivateDirectories(parent);
        }
        try {
            if (isPosix(parent)) {
                Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(OWNER_ALL));
                ensurePermissions(absolute, OWNER_ALL);
            } else {
                Files.createDirectory(absolute);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
    }

    /**
     * Write {@code content} to {@code target} with the given permissions, replacing it: the bytes go to a temporary
     * file in the same directory that is created with those permissions, then renamed over the target, so that
     * neither a reader nor a crash ever sees a partial file, and the file is never readable by others.
     */
    static void write(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong())
                + ".tmp");
        boolean posix = isPosix(dir);
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        try {
            try (FileChannel channel = FileChannel.open(temp,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
                if (posix) {
                    // The umask can only remove bits; a strange one might leave the owner unable to read.
                    ensurePermissions(temp, permissions);
                } else {
                    ownerOnlyBestEffort(temp, permissions);
                }
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Warn when a secret file is readable or writable by anyone but its owner. */
    static void warnIfNotPrivate(Path file) {
        try {
            if (!isPosix(file)) {
                return;
            }
            Set<PosixFilePermission> actual = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> extra = EnumSet.copyOf(actual);
            extra.removeAll(OWNER_ALL);
            if (!extra.isEmpty()) {
                LOG.warn("{} holds a secret but its permissions are {}; restrict them to the owner (chmod 600)",
                        file, PosixFilePermissions.toString(actual));
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("Cannot check the permissions of {}", file, e);
        }
    }

    static boolean isPosix(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null
                && Files.getFileAttributeView(existing, PosixFileAttributeView.class) != null;
    }

    private static void ensurePermissions(Path file, Set<PosixFilePermission> permissions) throws IOException {
        if (!Files.getPosixFilePermissions(file).equals(permissions)) {
            Files.setPosixFilePermissions(file, permissions);
        }
    }

    private static void ownerOnlyBestEffort(Path file, Set<PosixFilePermission> permissions) {
        if (!permissions.contains(PosixFilePermission.OTHERS_READ)) {
            java.io.File f = file.toFile();
            boolean ok = f.setReadable(false, false) & f.setReadable(true, true)
                    & f.setWritable(false, false) & f.setWritable(true, true);
            if (!ok) {
                LOG.warn("Cannot restrict {} to its owner on this file system", file);
            }
        }
    }
}
