package org.storagegateway.bridge.qemu;

/**
 * The QMP connection could not be opened, was closed by the client, or was lost (QEMU exited or
 * closed the socket). Commands still waiting for a reply fail with this exception.
 */
public final class QmpConnectionException extends QemuException {
    private static final long serialVersionUID = 1L;

    public QmpConnectionException(String message) {
        super(message);
    }

    public QmpConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
