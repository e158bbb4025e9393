package org.storagegateway.spi;

/** Error codes shared by the host and all drivers: numbers 1 to 999. Drivers use their own ranges above 1000. */
public enum StandardErrorCode implements ErrorCode {
    INVALID_ARGUMENT(1, ErrorKind.USER),
    SR_NOT_FOUND(2, ErrorKind.USER),
    VDI_NOT_FOUND(3, ErrorKind.USER),
    TASK_NOT_FOUND(4, ErrorKind.USER),
    UNKNOWN_SR_TYPE(5, ErrorKind.USER),
    SR_ALREADY_EXISTS(6, ErrorKind.USER),
    VDI_IN_USE(7, ErrorKind.USER),
    /** The idempotency key was used before for a different request. */
    IDEMPOTENCY_KEY_REUSED(8, ErrorKind.USER),
    /** The operation does not apply to the object in its current state (a hidden base copy, say). */
    OPERATION_NOT_ALLOWED(9, ErrorKind.USER),
    /** The task was cancelled at the caller's request. */
    CANCELLED(10, ErrorKind.USER),
    /** The driver for the SR's type is not loaded, or was removed. New calls fail until it is deployed again. */
    DRIVER_UNAVAILABLE(100, ErrorKind.EXTERNAL),
    /** The storage behind the SR failed or answered something unexpected. */
    STORAGE_FAILURE(101, ErrorKind.EXTERNAL),
    /** A driver reported a state the gateway does not know; it was mapped here rather than trusted. */
    UNRECOGNIZED_STATE(102, ErrorKind.EXTERNAL),
    /** The data on the storage is corrupt or not in the expected format. */
    CORRUPT_DATA(103, ErrorKind.EXTERNAL),
    INSUFFICIENT_SPACE(200, ErrorKind.INSUFFICIENT_RESOURCES),
    /** A clone or snapshot would make a disk chain deeper than the supported maximum. */
    CHAIN_TOO_DEEP(201, ErrorKind.INSUFFICIENT_RESOURCES),
    UNSUPPORTED_OPERATION(300, ErrorKind.UNSUPPORTED),
    /** The driver needs a newer SPI than this host provides. */
    SPI_VERSION_MISMATCH(301, ErrorKind.UNSUPPORTED),
    INTERNAL_ERROR(900, ErrorKind.INTERNAL);

    private final int code;
    private final ErrorKind kind;

    StandardErrorCode(int code, ErrorKind kind) {
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
