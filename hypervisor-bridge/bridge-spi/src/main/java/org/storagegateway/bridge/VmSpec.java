package org.storagegateway.bridge;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A VM record: what {@link Host#start} boots, what {@link Vm#snapshot} and {@link Host#cloneVm} return.
 *
 * @param uuid      the VM's uuid
 * @param nameLabel XenAPI name_label
 * @param memoryMiB static memory
 * @param vcpus     number of virtual CPUs
 * @param boot      how it boots
 * @param vbds      its disks, plugged at start in this order
 * @param platform  backend-specific settings (XenAPI VM.platform), such as a guest channel; see the backend
 */
public record VmSpec(String uuid, String nameLabel, int memoryMiB, int vcpus, Boot boot, List<VbdSpec> vbds,
                     Map<String, String> platform) {
    public VmSpec {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(nameLabel, "nameLabel");
        Objects.requireNonNull(boot, "boot");
        vbds = List.copyOf(vbds);
        platform = Map.copyOf(platform);
        if (memoryMiB < 16 || vcpus < 1) {
            throw new IllegalArgumentException("a VM needs at least 16 MiB and one vCPU: " + memoryMiB + " MiB, " + vcpus);
        }
        if (vbds.stream().map(VbdSpec::uuid).distinct().count() != vbds.size()) {
            throw new IllegalArgumentException("VBD uuids must be distinct: " + vbds);
        }
    }

    public VmSpec withVbds(List<VbdSpec> newVbds) {
        return new VmSpec(uuid, nameLabel, memoryMiB, vcpus, boot, newVbds, platform);
    }

    public VmSpec withIdentity(String newUuid, String newNameLabel) {
        return new VmSpec(newUuid, newNameLabel, memoryMiB, vcpus, boot, vbds, platform);
    }
}
