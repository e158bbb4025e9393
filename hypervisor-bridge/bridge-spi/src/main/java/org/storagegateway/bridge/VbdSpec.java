package org.storagegateway.bridge;

import java.util.Objects;

/**
 * A VBD record (XenAPI VBD.create): which VDI, how the guest sees it.
 *
 * @param uuid     the VBD's uuid; its first 20 characters are the disk serial the guest sees
 * @param vdiUuid  the VDI behind it
 * @param bus      virtio or SCSI
 * @param readOnly XenAPI mode RO
 */
public record VbdSpec(String uuid, String vdiUuid, VbdBus bus, boolean readOnly) {
    public VbdSpec {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(vdiUuid, "vdiUuid");
        Objects.requireNonNull(bus, "bus");
        if (uuid.isBlank() || vdiUuid.isBlank()) {
            throw new IllegalArgumentException("uuid and vdiUuid must not be blank");
        }
    }

    /** A writable virtio VBD. */
    public static VbdSpec of(String uuid, String vdiUuid) {
        return new VbdSpec(uuid, vdiUuid, VbdBus.VIRTIO, false);
    }

    public VbdSpec withVdi(String newVdiUuid) {
        return new VbdSpec(uuid, newVdiUuid, bus, readOnly);
    }

    /** The serial number the guest sees for this VBD. */
    public String serial() {
        String compact = uuid.replaceAll("[^A-Za-z0-9_.-]", "");
        return compact.length() <= 20 ? compact : compact.substring(0, 20);
    }
}
