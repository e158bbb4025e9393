package org.storagegateway.bridge.qemu;

import java.time.Duration;

/**
 * The guest did not release a device within the unplug timeout (XenAPI: DEVICE_DETACH_REJECTED).
 * The device stays in QEMU's "unplug requested" state and its block nodes stay in place; a later
 * unplug of the same disk waits again and finishes the job.
 */
public final class UnplugTimeoutException extends QemuException {
    private static final long serialVersionUID = 1L;

    private final String deviceId;

    public UnplugTimeoutException(String deviceId, Duration timeout, Throwable cause) {
        super("guest did not release device " + deviceId + " within " + timeout.toMillis() + " ms", cause);
        this.deviceId = deviceId;
    }

    public String deviceId() {
        return deviceId;
    }
}
