package org.storagegateway.bridge.qemu;

/** The QEMU process is gone: it failed to start, crashed, or was stopped while an operation needed it. */
public final class QemuExitedException extends QemuException {
    private static final long serialVersionUID = 1L;

    private final transient QemuExit exit;

    public QemuExitedException(QemuExit exit, Throwable cause) {
        super("QEMU exited (" + exit.describe() + ")", cause);
        this.exit = exit;
    }

    public QemuExit exit() {
        return exit;
    }
}
