package org.storagegateway.bridge.qemu;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.spi.model.Datapath;

/**
 * Turns a storage driver's datapath descriptor into the protocol layer of a QEMU block-node chain. The format layer
 * is always {@code raw}: a datapath carries a VDI's content, never an image format.
 *
 * <ul>
 *   <li>{@link Datapath.LocalFile}: QEMU {@code file} (or {@code host_device} for a block device).</li>
 *   <li>{@link Datapath.Nbd} {@code nbd+unix:///<export>?socket=<path>}: QEMU {@code nbd} on a unix socket.</li>
 *   <li>{@link Datapath.Iscsi}: QEMU's own initiator ({@code iscsi}, libiscsi), logging in as the host's IQN.</li>
 * </ul>
 */
public final class Datapaths {
    private Datapaths() {
    }

    /**
     * @param initiatorName the IQN QEMU logs in with for iSCSI datapaths
     * @throws BridgeException INVALID_ARGUMENT for an NBD URI without an export or socket
     */
    public static DiskSource toDiskSource(Datapath datapath, String initiatorName) {
        if (datapath instanceof Datapath.LocalFile file) {
            return new DiskSource.File(Path.of(file.path()));
        }
        if (datapath instanceof Datapath.Nbd nbd) {
            return nbdSource(nbd.uri());
        }
        if (datapath instanceof Datapath.Iscsi iscsi) {
            return new DiskSource.Iscsi(iscsi.portal(), iscsi.targetIqn(), iscsi.lun(), initiatorName);
        }
        throw new BridgeException(BridgeError.UNSUPPORTED, "no QEMU driver for datapath " + datapath);
    }

    private static DiskSource.Nbd nbdSource(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new BridgeException(BridgeError.INVALID_ARGUMENT, "malformed NBD datapath " + text + ": " + e.getMessage(), e);
        }
        String export = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        String socket = null;
        if (uri.getQuery() != null) {
            for (String parameter : uri.getQuery().split("&")) {
                if (parameter.startsWith("socket=")) {
                    socket = parameter.substring("socket=".length());
                }
            }
        }
        if (export.isEmpty() || socket == null || socket.isEmpty()) {
            throw new BridgeException(BridgeError.INVALID_ARGUMENT,
                    "an NBD datapath needs nbd+unix:///<export>?socket=<path>: " + text);
        }
        return new DiskSource.Nbd(Path.of(socket), export);
    }
}
