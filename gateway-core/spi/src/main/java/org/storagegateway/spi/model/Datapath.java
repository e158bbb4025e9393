package org.storagegateway.spi.model;

import java.util.Objects;

/**
 * How a hypervisor reaches an attached VDI. The bridge consumes these and never needs to know the disk format behind
 * them.
 */
public sealed interface Datapath {

    /**
     * A local file or block device that holds the VDI's raw content.
     *
     * @param path the absolute path
     */
    record LocalFile(String path) implements Datapath {
        public LocalFile {
            Objects.requireNonNull(path, "path is null");
        }
    }

    /**
     * An NBD export, served on a unix socket.
     *
     * @param uri the export address, {@code nbd+unix:///<export>?socket=<path>}
     */
    record Nbd(String uri) implements Datapath {
        public Nbd {
            Objects.requireNonNull(uri, "uri is null");
            if (!uri.startsWith("nbd+unix://")) {
                throw new IllegalArgumentException("NBD datapaths use nbd+unix:// URIs: " + uri);
            }
        }
    }

    /**
     * An iSCSI LUN.
     *
     * @param portal {@code host:port} of the target portal
     * @param targetIqn the target's IQN
     * @param lun the logical unit number
     */
    record Iscsi(String portal, String targetIqn, int lun) implements Datapath {
        public Iscsi {
            Objects.requireNonNull(portal, "portal is null");
            Objects.requireNonNull(targetIqn, "targetIqn is null");
            if (lun < 0) {
                throw new IllegalArgumentException("lun must not be negative");
            }
        }
    }
}
