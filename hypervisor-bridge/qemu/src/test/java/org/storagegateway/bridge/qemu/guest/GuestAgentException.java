package org.storagegateway.bridge.qemu.guest;

/** The test agent answered ERR, did not answer in time, or its channel failed. */
public final class GuestAgentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuestAgentException(String message) {
        super(message);
    }

    public GuestAgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
