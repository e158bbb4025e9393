package org.storagegateway.bridge.qemu;

import java.time.Duration;

/** No reply (or no awaited event) arrived in time. The QMP session itself stays usable. */
public final class QmpTimeoutException extends QemuException {
    private static final long serialVersionUID = 1L;

    private final transient Duration timeout;

    public QmpTimeoutException(String what, Duration timeout) {
        super(what + ": no answer within " + timeout.toMillis() + " ms");
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
