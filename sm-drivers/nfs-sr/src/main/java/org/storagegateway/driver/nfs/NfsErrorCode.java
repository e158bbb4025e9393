package org.storagegateway.driver.nfs;

import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.ErrorKind;

/** Errors of the {@code nfs} SR driver, in the file and NFS drivers' range 1000–1999 (docs/errors.md). */
public enum NfsErrorCode implements ErrorCode {
    /** rpcbind, MOUNT or NFS on the server did not answer (wrong name, server down, firewall, no NFSv3 service). */
    NFS_SERVER_UNREACHABLE(1100, ErrorKind.EXTERNAL),
    /** The server does not export the device-config's serverpath; the message lists what it exports. */
    NFS_EXPORT_NOT_FOUND(1101, ErrorKind.USER),
    /** The server exports the path but refuses it to this gateway (client list, root squashing, security flavour). */
    NFS_EXPORT_REFUSED(1102, ErrorKind.EXTERNAL);

    private final int code;
    private final ErrorKind kind;

    NfsErrorCode(int code, ErrorKind kind) {
        this.code = code;
        this.kind = kind;
    }

    @Override
    public int code() {
        return code;
    }

    @Override
    public ErrorKind kind() {
        return kind;
    }
}
