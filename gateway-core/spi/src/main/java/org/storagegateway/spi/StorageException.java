package org.storagegateway.spi;

import java.util.Objects;

/**
 * The one exception of the SPI: a failure with a stable {@link ErrorCode} and, through it, an {@link ErrorKind}.
 *
 * <p>Drivers throw it for every failure and wrap library exceptions in it. The message is shown to callers, so it must
 * say what went wrong in terms of the request and must never contain secrets.
 */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode errorCode;

    public StorageException(ErrorCode errorCode, String message) {
        this(errorCode, message, null);
    }

    public StorageException(ErrorCode errorCode, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message is null"), cause);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode is null");
    }

    /** Return the code of this failure. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    /** Return the category of this failure. */
    public ErrorKind kind() {
        return errorCode.kind();
    }

    /** Return the exception a default SPI method throws for an operation the driver does not offer. */
    public static StorageException unsupported(String operation) {
        return new StorageException(StandardErrorCode.UNSUPPORTED_OPERATION,
                "This driver does not support " + operation);
    }
}
