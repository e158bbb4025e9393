package org.storagegateway.soap;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.MigrationOptions;
import org.storagegateway.bridge.VbdBus;
import org.storagegateway.engine.vm.HostView;
import org.storagegateway.engine.vm.VirtualBlockDeviceView;
import org.storagegateway.engine.vm.VirtualMachineView;
import org.storagegateway.soap.contract.DeviceConfig;
import org.storagegateway.soap.contract.DeviceConfigEntry;
import org.storagegateway.soap.contract.DirectKernelBoot;
import org.storagegateway.soap.contract.Host;
import org.storagegateway.soap.contract.PowerState;
import org.storagegateway.soap.contract.VdiMapEntry;
import org.storagegateway.soap.contract.VirtualBlockDevice;
import org.storagegateway.soap.contract.VirtualDiskDatapath;
import org.storagegateway.soap.contract.VirtualMachine;
import org.storagegateway.spi.model.Datapath;

/** Maps the hypervisor-bridge operations' values between the contract and the engine (see {@link ContractMapper}). */
final class VirtualMachineMapper {
    private VirtualMachineMapper() {
    }

    // ------------------------------------------------------------------ requests

    static Optional<Boot> boot(DirectKernelBoot boot) {
        if (boot == null) {
            return Optional.empty();
        }
        if (boot.getKernel() == null || boot.getArguments() == null) {
            throw new IllegalArgumentException("directKernelBoot needs a kernel and arguments");
        }
        return Optional.of(new Boot.DirectKernel(boot.getKernel(), boot.getInitrd(), boot.getArguments()));
    }

    static VbdBus bus(org.storagegateway.soap.contract.VbdBus bus) {
        return bus == null ? VbdBus.VIRTIO : VbdBus.valueOf(bus.value());
    }

    static Map<String, String> vdiMap(List<VdiMapEntry> entries) {
        Map<String, String> map = new LinkedHashMap<>();
        for (VdiMapEntry entry : entries) {
            if (entry == null || entry.getVdiUuid() == null || entry.getSrUuid() == null) {
                throw new IllegalArgumentException("every vdiMap entry needs a vdiUuid and an srUuid");
            }
            if (map.putIfAbsent(entry.getVdiUuid(), entry.getSrUuid()) != null) {
                throw new IllegalArgumentException("VDI " + entry.getVdiUuid() + " is mapped twice");
            }
        }
        return map;
    }

    static MigrationOptions migrationOptions(Long downtimeLimitMs, Long maxBytesPerSecond, Integer timeoutSeconds) {
        MigrationOptions defaults = MigrationOptions.DEFAULTS;
        return new MigrationOptions(
                timeoutSeconds == null ? defaults.timeout() : Duration.ofSeconds(timeoutSeconds),
                downtimeLimitMs == null ? defaults.downtimeLimit() : Duration.ofMillis(downtimeLimitMs),
                maxBytesPerSecond == null ? defaults.maxBytesPerSecond() : maxBytesPerSecond);
    }

    static Duration seconds(Integer value, int defaultSeconds) {
        return Duration.ofSeconds(value == null ? defaultSeconds : value);
    }

    // ------------------------------------------------------------------ responses

    static Host host(HostView view) {
        Host host = new Host();
        host.setUuid(view.uuid());
        host.setNameLabel(view.nameLabel());
        host.setBackend(view.backend());
        host.setIscsiInitiatorName(view.iscsiInitiatorName().orElse(null));
        return host;
    }

    static VirtualMachine virtualMachine(VirtualMachineView view) {
        VirtualMachine vm = new VirtualMachine();
        vm.setUuid(view.uuid());
        vm.setNameLabel(view.nameLabel());
        vm.setPowerState(PowerState.fromValue(view.powerState().name()));
        vm.setResidentOn(view.residentOn().orElse(null));
        vm.setMemoryMiB(view.memoryMiB());
        vm.setVcpus(view.vcpus());
        if (view.boot() instanceof Boot.DirectKernel kernel) {
            DirectKernelBoot boot = new DirectKernelBoot();
            boot.setKernel(kernel.kernel());
            boot.setInitrd(kernel.initrd());
            boot.setArguments(kernel.arguments());
            vm.setDirectKernelBoot(boot);
        }
        view.vbds().stream().map(VirtualMachineMapper::virtualBlockDevice).forEach(vm.getVirtualBlockDevice()::add);
        vm.setPlatform(deviceConfig(view.platform()));
        vm.setIsSnapshot(view.isSnapshot());
        vm.setSnapshotOf(view.snapshotOf().orElse(null));
        return vm;
    }

    static VirtualBlockDevice virtualBlockDevice(VirtualBlockDeviceView view) {
        VirtualBlockDevice vbd = new VirtualBlockDevice();
        vbd.setUuid(view.uuid());
        vbd.setVmUuid(view.vmUuid());
        vbd.setVdiUuid(view.vdiUuid());
        vbd.setBus(org.storagegateway.soap.contract.VbdBus.fromValue(view.bus().name()));
        vbd.setReadOnly(view.readOnly());
        vbd.setCurrentlyAttached(view.currentlyAttached());
        vbd.setSerial(view.serial());
        return vbd;
    }

    static VirtualDiskDatapath datapath(Datapath datapath) {
        VirtualDiskDatapath out = new VirtualDiskDatapath();
        if (datapath instanceof Datapath.LocalFile file) {
            out.setLocalPath(file.path());
        } else if (datapath instanceof Datapath.Nbd nbd) {
            out.setNbdUri(nbd.uri());
        } else if (datapath instanceof Datapath.Iscsi iscsi) {
            out.setIscsi(ContractMapper.iscsiDatapath(iscsi));
        }
        return out;
    }

    private static DeviceConfig deviceConfig(Map<String, String> map) {
        DeviceConfig config = new DeviceConfig();
        new TreeMap<>(map).forEach((key, value) -> {
            DeviceConfigEntry entry = new DeviceConfigEntry();
            entry.setKey(key);
            entry.setValue(value);
            config.getEntry().add(entry);
        });
        return config;
    }
}
