package org.storagegateway.bridge;

import java.time.Instant;
import java.util.Objects;

/**
 * A VM changed power state on a host.
 *
 * @param vmUuid     the VM
 * @param hostUuid   the host it ran on
 * @param powerState the new state
 * @param reason     why, in a few words: "started", "guest powered off", "process died: exit status 137", "migrated"
 * @param at         when the host noticed
 */
public record VmEvent(String vmUuid, String hostUuid, VmPowerState powerState, String reason, Instant at) {
    public VmEvent {
        Objects.requireNonNull(vmUuid, "vmUuid");
        Objects.requireNonNull(hostUuid, "hostUuid");
        Objects.requireNonNull(powerState, "powerState");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(at, "at");
    }
}
