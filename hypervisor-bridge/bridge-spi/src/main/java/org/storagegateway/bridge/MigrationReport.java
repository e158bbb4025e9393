package org.storagegateway.bridge;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a migration did.
 *
 * @param vm               the VM where it runs now (on the destination host)
 * @param totalTime        from the request to the VM running at its new place
 * @param downtime         how long the guest's CPUs were stopped for the switch-over (memory migration; zero for a
 *                         storage-only move, whose switch does not stop the guest)
 * @param transferTime     the memory stream's duration as the hypervisor reports it (zero for a storage-only move);
 *                         {@code totalTime} adds the preparation around it (destination process, disks, checks)
 * @param memoryBytes      bytes of guest memory sent (zero for a storage-only move)
 * @param disks            the VDIs moved to another SR (empty for a pool migrate on shared storage)
 */
public record MigrationReport(Vm vm, Duration totalTime, Duration downtime, Duration transferTime, long memoryBytes,
                              List<DiskMove> disks) {
    public MigrationReport {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(totalTime, "totalTime");
        Objects.requireNonNull(downtime, "downtime");
        Objects.requireNonNull(transferTime, "transferTime");
        disks = List.copyOf(disks);
    }

    /**
     * One VDI moved by a storage migration.
     *
     * @param vbdUuid       the VBD whose disk moved
     * @param sourceVdiUuid the VDI it left (destroyed once the move was verified)
     * @param targetVdiUuid the VDI it runs on now
     * @param targetSrUuid  the SR of the new VDI
     * @param bytesCopied   what the mirror copied
     */
    public record DiskMove(String vbdUuid, String sourceVdiUuid, String targetVdiUuid, String targetSrUuid, long bytesCopied) {
        public DiskMove {
            Objects.requireNonNull(vbdUuid, "vbdUuid");
            Objects.requireNonNull(sourceVdiUuid, "sourceVdiUuid");
            Objects.requireNonNull(targetVdiUuid, "targetVdiUuid");
            Objects.requireNonNull(targetSrUuid, "targetSrUuid");
        }
    }
}
