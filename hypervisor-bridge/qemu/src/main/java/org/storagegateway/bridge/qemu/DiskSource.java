package org.storagegateway.bridge.qemu;

import java.nio.file.Path;
import java.util.Objects;

/** Where a disk's bytes come from: the protocol layer of its block-node chain. */
public sealed interface DiskSource permits DiskSource.File, DiskSource.Nbd, DiskSource.Iscsi {

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

    /**
     * An iSCSI LUN reached by QEMU's own initiator (libiscsi, QEMU driver {@code iscsi} from Debian's
     * qemu-block-extra): no kernel initiator on the host.
     *
     * @param portal        {@code host:port}
     * @param target        the target IQN
     * @param lun           the LUN (tgtd's LUN 0 is its controller: data LUNs start at 1)
     * @param initiatorName the IQN QEMU logs in with, which the target's ACL must allow
     */
    record Iscsi(String portal, String target, int lun, String initiatorName) implements DiskSource {
        public Iscsi {
            Objects.requireNonNull(portal, "portal");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(initiatorName, "initiatorName");
            if (lun < 0) {
                throw new IllegalArgumentException("lun must not be negative: " + lun);
            }
        }
    }
}
