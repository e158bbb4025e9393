package org.storagegateway.bridge.qemu;

/**
 * A plug or unplug request that QEMU cannot satisfy as asked: no free hot-plug slot, no SCSI
 * controller for a SCSI disk, an unplug-force of a disk whose bus needs the guest's cooperation, or a size refresh
 * of a disk whose datapath cannot change size under a running guest.
 */
public final class HotplugException extends QemuException {
    private static final long serialVersionUID = 1L;

    public HotplugException(String message) {
        super(message);
    }
}
