package org.storagegateway.bridge;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The result of {@link Vm#snapshot}: a VM record whose VBDs point at the snapshot VDIs, all taken at one moment.
 * Boot it through {@link Host#cloneVm} (XenAPI revert = clone the snapshot and start it).
 *
 * @param snapshot  the snapshot as a VM record (new uuid; VBD uuids new, VDI uuids the snapshot VDIs)
 * @param vmUuid    the VM it was taken from
 * @param takenAt   when the VM was paused
 * @param paused    how long the VM's CPUs were stopped for it (zero if it was not running)
 */
public record VmSnapshot(VmSpec snapshot, String vmUuid, Instant takenAt, Duration paused) {
    public VmSnapshot {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(vmUuid, "vmUuid");
        Objects.requireNonNull(takenAt, "takenAt");
        Objects.requireNonNull(paused, "paused");
    }
}
