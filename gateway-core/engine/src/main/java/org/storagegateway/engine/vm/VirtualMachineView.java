package org.storagegateway.engine.vm;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.VmPowerState;

/** A VM record as callers see it; a snapshot has {@code isSnapshot} and the VM it was taken from. */
public record VirtualMachineView(String uuid, String nameLabel, VmPowerState powerState, Optional<String> residentOn,
                                 int memoryMiB, int vcpus, Boot boot, List<VirtualBlockDeviceView> vbds,
                                 Map<String, String> platform, boolean isSnapshot, Optional<String> snapshotOf) {
    public VirtualMachineView {
        vbds = List.copyOf(vbds);
        platform = Map.copyOf(platform);
    }
}
