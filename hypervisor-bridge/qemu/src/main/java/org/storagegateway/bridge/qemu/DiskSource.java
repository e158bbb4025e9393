package org.storagegateway.bridge.qemu;

import java.nio.file.Path;
import java.util.Objects;

/** Where a disk's bytes come from: the protocol layer of its block-node chain. */
public sealed interface DiskSource permits DiskSource.File, DiskSource.Nbd {

    /** A local image file or block device (QEMU drivers {@code file} / {@code host_device}). */
    record File(Path path) implements DiskSource {
        public File {
            Objects.requireNonNull(path, "path");
            path = path.toAbsolutePath();
        }
    }

    /** An NBD export on a unix socket, the {@code nbd+unix://} datapath (QEMU driver {@code nbd}). */
    record Nbd(Path socket, String export) implements DiskSource {
        public Nbd {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(export, "export");
            socket = socket.toAbsolutePath();
        }
    }
}
