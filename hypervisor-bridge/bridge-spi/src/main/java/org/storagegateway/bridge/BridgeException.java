package org.storagegateway.bridge;

import java.util.Objects;
import org.storagegateway.spi.ErrorKind;

/**
 * The one exception of the bridge: a {@link BridgeError} and a message that says what went wrong in terms of the
 * request. Backends wrap their own failures in it; the cause keeps the backend's detail for the log.
 */
public class BridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final BridgeError error;

    public BridgeException(BridgeError error, String message) {
        this(error, message, null);
    }

    public BridgeException(BridgeError error, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.error = Objects.requireNonNull(error, "error");
    }

    public BridgeError error() {
        return error;
    }

    public ErrorKind kind() {
        return error.kind();
    }

    @Override
    public String toString() {
        return "BridgeException[" + error + "]: " + getMessage();
    }
}
