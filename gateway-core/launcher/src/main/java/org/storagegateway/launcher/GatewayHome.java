package org.storagegateway.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The gateway home: every file the gateway keeps, under one folder (default {@code ./var}).
 *
 * <pre>
 * db/              Derby database
 * deploy/          driver bundles, hot-loaded (copy under another name, then rename to *.jar)
 * felix-cache/     framework cache, cleaned at each start
 * storage/         the default "Local storage" file SR
 * tls/             self-signed certificate and its key store
 * admin-password   the generated admin password (mode 0600)
 * store.key        the key that encrypts SR secrets in the database (mode 0600)
 * gateway.lock     held while a gateway runs on this home
 * </pre>
 */
record GatewayHome(Path root) {

    GatewayHome {
        root = root.toAbsolutePath().normalize();
    }

    Path database() {
        return root.resolve("db");
    }

    Path deploy() {
        return root.resolve("deploy");
    }

    Path frameworkCache() {
        return root.resolve("felix-cache");
    }

    Path localStorage() {
        return root.resolve("storage");
    }

    Path storeKey() {
        return root.resolve("store.key");
    }

    /** Create the folders that do not exist yet; existing content is kept. */
    GatewayHome prepare() throws IOException {
        Files.createDirectories(root);
        Files.createDirectories(deploy());
        Files.createDirectories(localStorage());
        return this;
    }

    /**
     * Take the home's lock for as long as the returned lock is open, so that two gateways never share a home (they
     * would race on first-start secrets and the database).
     *
     * @throws IOException if another gateway holds it
     */
    FileLock lock() throws IOException {
        FileChannel channel = FileChannel.open(root.resolve("gateway.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IOException("Another gateway is running on " + root);
            }
            return lock;
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new IOException("Another gateway is running on " + root + " in this JVM", e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Return the 32-byte key that encrypts SR secrets, generating it into a 0600 file on first use. */
    byte[] loadOrCreateStoreKey() throws IOException {
        Path file = storeKey();
        if (!Files.exists(file)) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.write(file, key, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
                return key;
            } catch (FileAlreadyExistsException e) {
                // Another start won the race; use its key.
            }
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length != 32) {
            throw new IOException(file + " must hold exactly 32 bytes; it holds " + key.length);
        }
        return key;
    }
}
