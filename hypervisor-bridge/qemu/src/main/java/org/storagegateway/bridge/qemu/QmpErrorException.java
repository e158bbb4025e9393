package org.storagegateway.bridge.qemu;

/**
 * QEMU answered a command with an error reply: {@code {"error": {"class": ..., "desc": ...}}}.
 * The class is QMP's coarse error class ({@code GenericError}, {@code DeviceNotFound},
 * {@code CommandNotFound}, ...); the description is QEMU's human-readable text.
 */
public final class QmpErrorException extends QemuException {
    private static final long serialVersionUID = 1L;

    private final String command;
    private final String errorClass;
    private final String description;

    public QmpErrorException(String command, String errorClass, String description) {
        super(command + " failed: " + errorClass + ": " + description);
        this.command = command;
        this.errorClass = errorClass;
        this.description = description;
    }

    public String command() {
        return command;
    }

    /** QMP error class, for example {@code GenericError} or {@code DeviceNotFound}. */
    public String errorClass() {
        return errorClass;
    }

    /** QEMU's error text. */
    public String description() {
        return description;
    }
}
