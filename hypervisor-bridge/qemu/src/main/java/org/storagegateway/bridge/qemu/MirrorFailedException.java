package org.storagegateway.bridge.qemu;

/** A disk mirror ended without switching the device (XenAPI MIRROR_FAILED); the device still reads its source. */
public final class MirrorFailedException extends QemuException {
    private static final long serialVersionUID = 1L;

    public MirrorFailedException(String deviceId, String reason) {
        super("mirror of " + deviceId + " failed: " + reason);
    }
}
