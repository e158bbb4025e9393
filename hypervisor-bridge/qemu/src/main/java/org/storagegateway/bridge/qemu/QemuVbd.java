package org.storagegateway.bridge.qemu;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.bridge.Vbd;
import org.storagegateway.bridge.VbdBus;
import org.storagegateway.bridge.VbdSpec;
import org.storagegateway.spi.model.Datapath;

/**
 * A VBD of a {@link QemuDomain}: plug attaches the VDI through the storage port and hot-plugs it with
 * {@link DiskHotplug}; every failed step is undone, the attach included. The device id ({@code vbd<n>}) and slot stay
 * the same for the VBD's life, so a live migration can rebuild the device exactly where it was.
 */
public final class QemuVbd implements Vbd {
    private static final Logger LOG = LoggerFactory.getLogger(QemuVbd.class);

    private final QemuDomain vm;
    private final String deviceId;
    private volatile VbdSpec spec;
    private volatile PluggedDisk plugged;

    QemuVbd(QemuDomain vm, VbdSpec spec, String deviceId) {
        this.vm = vm;
        this.spec = Objects.requireNonNull(spec, "spec");
        this.deviceId = deviceId;
    }

    @Override
    public VbdSpec spec() {
        return spec;
    }

    @Override
    public boolean currentlyAttached() {
        return plugged != null;
    }

    /** The QEMU device id. */
    public String deviceId() {
        return deviceId;
    }

    @Override
    public synchronized void plug() {
        vm.requireLive("plug a VBD");
        if (plugged != null) {
            throw new BridgeException(BridgeError.DEVICE_STATE_CONFLICT, "VBD " + spec.uuid() + " is already plugged");
        }
        QemuHost host = vm.host();
        Datapath datapath;
        try {
            datapath = host.storage().attach(spec.vdiUuid(), host.uuid(), !spec.readOnly());
        } catch (RuntimeException e) {
            throw QemuHost.storageFailure("attach of VDI " + spec.vdiUuid(), e);
        }
        try {
            plugged = vm.process().disks().plug(diskSpec(datapath, host));
        } catch (RuntimeException e) {
            detachQuietly(spec.vdiUuid());
            throw Failures.toBridge("plug of VBD " + spec.uuid(), e);
        }
    }

    @Override
    public synchronized void unplug(Duration timeout) {
        PluggedDisk disk = requirePlugged();
        try {
            vm.process().disks().unplug(disk, timeout);
        } catch (RuntimeException e) {
            throw Failures.toBridge("unplug of VBD " + spec.uuid(), e);
        }
        plugged = null;
        detachQuietly(spec.vdiUuid());
    }

    @Override
    public synchronized void unplugForce() {
        PluggedDisk disk = requirePlugged();
        if (spec.bus() != VbdBus.SCSI) {
            throw new BridgeException(BridgeError.UNSUPPORTED, "VBD " + spec.uuid()
                    + " is virtio: only the guest can release it; create it on the SCSI bus to allow unplug-force");
        }
        try {
            vm.process().disks().unplugForce(disk);
        } catch (RuntimeException e) {
            throw Failures.toBridge("unplug-force of VBD " + spec.uuid(), e);
        }
        plugged = null;
        detachQuietly(spec.vdiUuid());
    }

    @Override
    public synchronized void refreshSize() {
        PluggedDisk disk = plugged;
        if (disk == null) {
            return;
        }
        vm.requireLive("refresh the size of a VBD");
        try {
            plugged = vm.process().disks().refreshSize(disk);
        } catch (RuntimeException e) {
            throw Failures.toBridge("size refresh of VBD " + spec.uuid(), e);
        }
    }

    @Override
    public synchronized void destroy() {
        if (plugged != null) {
            throw new BridgeException(BridgeError.DEVICE_STATE_CONFLICT, "VBD " + spec.uuid() + " is plugged: unplug it first");
        }
        vm.removeVbd(this);
    }

    // --- for the domain and migrations --------------------------------------------------------------

    /** The plugged device, or null. */
    PluggedDisk plugged() {
        return plugged;
    }

    /** The disk to give QEMU for a datapath of this VBD's VDI. */
    DiskSpec diskSpec(Datapath datapath, QemuHost host) {
        return new DiskSpec(deviceId, Datapaths.toDiskSource(datapath, host.initiatorName()), DiskFormat.RAW,
                spec.bus() == VbdBus.SCSI ? DiskBus.SCSI : DiskBus.VIRTIO_BLK, spec.readOnly(), spec.serial());
    }

    /** Records that the device now reads another VDI (a storage migration switched it). */
    synchronized void moved(String newVdiUuid, PluggedDisk newDisk) {
        spec = spec.withVdi(newVdiUuid);
        plugged = newDisk;
    }

    /** Takes over a device plugged elsewhere (the destination of a live migration). */
    void adopt(PluggedDisk disk) {
        plugged = disk;
    }

    /** The process is gone: the device with it. Detaches the VDI from this host. */
    synchronized void processGone() {
        if (plugged != null) {
            plugged = null;
            detachQuietly(spec.vdiUuid());
        }
    }

    private PluggedDisk requirePlugged() {
        vm.requireLive("unplug a VBD");
        PluggedDisk disk = plugged;
        if (disk == null) {
            throw new BridgeException(BridgeError.DEVICE_STATE_CONFLICT, "VBD " + spec.uuid() + " is not plugged");
        }
        return disk;
    }

    private void detachQuietly(String vdiUuid) {
        try {
            vm.host().storage().detach(vdiUuid, vm.host().uuid());
        } catch (RuntimeException e) {
            // The port's contract says detach never fails; if one does, the VM is no worse off.
            LOG.warn("detach of VDI {} from host {} failed", vdiUuid, vm.host().uuid(), e);
        }
    }

    @Override
    public String toString() {
        return "QemuVbd[" + spec.uuid() + " -> " + spec.vdiUuid() + ", " + deviceId + (plugged == null ? "" : " at " + plugged.slot()) + "]";
    }
}
