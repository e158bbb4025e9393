package org.storagegateway.bridge.qemu;

/** Root of every failure reported by the QEMU backend. Unchecked: callers map it to their own error model. */
public class QemuException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QemuException(String message) {
        super(message);
    }

    public QemuException(String message, Throwable cause) {
        super(message, cause);
    }
}
