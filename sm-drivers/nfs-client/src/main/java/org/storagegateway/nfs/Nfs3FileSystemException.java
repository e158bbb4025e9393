package org.storagegateway.nfs;

import java.nio.file.FileSystemException;

/**
 * An NFS error that has no closer {@code java.nio.file} type (no space, stale handle, read-only export, I/O error on
 * the server...). {@link #status()} is the NFSv3 status code of RFC 1813 ({@code nfsstat3}), or 0 for errors of the
 * client itself (RPC failure, timeout).
 */
public class Nfs3FileSystemException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public Nfs3FileSystemException(String file, String other, String reason, int status) {
        super(file, other, reason);
        this.status = status;
    }

    /** Sets the cause and returns this exception. */
    public Nfs3FileSystemException withCause(Throwable cause) {
        initCause(cause);
        return this;
    }

    /** The {@code nfsstat3} the server answered, 0 when the error is the client's or the transport's. */
    public int status() {
        return status;
    }

    /** Whether the server said the file handle is stale (the object was removed or the export re-created). */
    public boolean isStaleHandle() {
        return status == Nfs3Status.STALE || status == Nfs3Status.BADHANDLE;
    }
}
