package org.storagegateway.vhd.nbd;

/** A request failed with an NBD error value (EIO, EINVAL, ENOSPC, EPERM, ...), reported to the client. */
public final class NbdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int error;

    public NbdException(int error, String message) {
        super(message);
        this.error = error;
    }

    public NbdException(int error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    /** The value of the reply's error field. */
    public int error() {
        return error;
    }
}
