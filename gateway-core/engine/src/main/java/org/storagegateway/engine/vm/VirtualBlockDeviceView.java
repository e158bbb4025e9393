package org.storagegateway.engine.vm;

import org.storagegateway.bridge.VbdBus;

/** A VBD as callers see it; {@code serial} is the disk serial the guest sees. */
public record VirtualBlockDeviceView(String uuid, String vmUuid, String vdiUuid, VbdBus bus, boolean readOnly,
                                     boolean currentlyAttached, String serial) {
}
