package org.storagegateway.bridge.qemu;

import java.time.Instant;

/**
 * How and why a QEMU process ended.
 *
 * @param exitCode       the process exit status (128 + signal number when a signal killed it)
 * @param reason         the classification below
 * @param shutdownReason the {@code reason} of QEMU's last SHUTDOWN event ("guest-shutdown",
 *                       "host-qmp-quit", "guest-reset", ...), or null when none was seen
 * @param at             when the exit was noticed
 * @param logTail        the end of QEMU's own stdout/stderr, for diagnostics
 */
public record QemuExit(int exitCode, Reason reason, String shutdownReason, Instant at, String logTail) {

    public enum Reason {
        /** The bridge asked for it: quit, powerdown, kill or close. */
        REQUESTED,
        /** The guest powered itself off. */
        GUEST_POWEROFF,
        /** The guest rebooted or panicked; with {@code -no-reboot} QEMU exits instead. */
        GUEST_RESET,
        /** Anything else: QEMU died, was killed from outside, or failed to start. */
        CRASHED
    }

    /** True when nobody asked for the exit and the guest did not shut itself down. */
    public boolean unexpected() {
        return reason == Reason.CRASHED || reason == Reason.GUEST_RESET;
    }

    /** One line for messages and logs. */
    public String describe() {
        String text = reason + ", exit status " + exitCode + (shutdownReason == null ? "" : ", shutdown reason " + shutdownReason);
        if (logTail != null) {
            String last = logTail.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse("");
            if (!last.isEmpty()) {
                text += ", last output: " + last;
            }
        }
        return text;
    }
}
