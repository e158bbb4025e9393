package org.storagegateway.bridge;

import java.time.Duration;

/** A VM's disk slot (XenAPI VBD). Plugging attaches the VDI through the {@link StoragePort} and hot-adds the disk. */
public interface Vbd {

    /** The record; its VDI changes when a storage migration moves the disk. */
    VbdSpec spec();

    default String uuid() {
        return spec().uuid();
    }

    /** XenAPI currently_attached. */
    boolean currentlyAttached();

    /**
     * Attaches the VDI for this host and hot-plugs it (XenAPI VBD.plug). Returns once the hypervisor added the device;
     * the guest notices it shortly after. A failure leaves nothing behind: no device, no block node, no attach.
     */
    void plug();

    /**
     * Hot-unplugs with the guest's cooperation, then detaches the VDI (XenAPI VBD.unplug).
     *
     * @throws BridgeException {@link BridgeError#DEVICE_DETACH_REJECTED} when the guest does not let go within
     *                         {@code timeout}; the VBD stays plugged and a later unplug finishes the job
     */
    void unplug(Duration timeout);

    /**
     * Removes the disk without the guest (XenAPI VBD.unplug_force). Allowed for {@link VbdBus#SCSI} VBDs, which the
     * hypervisor can remove with the CPUs stopped; {@link BridgeError#UNSUPPORTED} for virtio.
     */
    void unplugForce();

    /**
     * Makes the running guest see the VDI's current virtual size without unplugging it: the hypervisor half of an
     * online resize, called after the storage grew the VDI. A VBD that is not plugged has nothing to refresh (its
     * next plug reads the size) and returns at once. A failure leaves the device on the disk it had, at the size the
     * guest saw before; calling again retries.
     *
     * @throws BridgeException {@link BridgeError#UNSUPPORTED} when the VBD's datapath cannot change size under a
     *                         running guest; {@link BridgeError#HYPERVISOR_FAILURE} when the hypervisor refused a step
     */
    void refreshSize();

    /** Forgets an unplugged VBD (XenAPI VBD.destroy). The VDI stays. */
    void destroy();
}
