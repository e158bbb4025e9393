package org.storagegateway.bridge.qemu;

import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;

/** Maps QEMU backend failures onto the bridge's categorised exception. */
final class Failures {
    private Failures() {
    }

    static BridgeException toBridge(String what, RuntimeException failure) {
        if (failure instanceof BridgeException bridge) {
            return bridge;
        }
        BridgeError error;
        if (failure instanceof QemuExitedException) {
            error = BridgeError.VM_CRASHED;
        } else if (failure instanceof UnplugTimeoutException) {
            error = BridgeError.DEVICE_DETACH_REJECTED;
        } else if (failure instanceof MirrorFailedException) {
            error = BridgeError.MIRROR_FAILED;
        } else if (failure instanceof HotplugException hotplug) {
            error = hotplug.getMessage().startsWith("no free") ? BridgeError.NO_FREE_SLOT
                    : hotplug.getMessage().startsWith("cannot force") || hotplug.getMessage().startsWith("cannot refresh")
                    ? BridgeError.UNSUPPORTED : BridgeError.INVALID_ARGUMENT;
        } else if (failure instanceof QmpTimeoutException) {
            error = BridgeError.TIMEOUT;
        } else if (failure instanceof QemuException) {
            error = BridgeError.HYPERVISOR_FAILURE;
        } else {
            error = BridgeError.INTERNAL;
        }
        return new BridgeException(error, what + ": " + failure.getMessage(), failure);
    }
}
