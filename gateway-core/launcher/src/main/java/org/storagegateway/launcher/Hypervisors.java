package org.storagegateway.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.bridge.qemu.QemuHost;
import org.storagegateway.engine.GatewayEngine;
import org.storagegateway.engine.vm.VirtualMachineService;

/**
 * The hypervisor hosts this gateway drives, wired to its engine: QEMU on this machine (the binary found on PATH, TCG),
 * each host with its run folder under {@code <home>/run/<host>/} (QMP and guest sockets, logs). There are two hosts,
 * {@code qemu-a} and {@code qemu-b}: two QEMU process groups on one machine are the smallest pool a live migration
 * can run in. Host uuids are derived from the home and the host name, so they are stable across restarts.
 */
final class Hypervisors implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Hypervisors.class);
    static final List<String> HOST_NAMES = List.of("qemu-a", "qemu-b");

    private final List<QemuHost> hosts;
    private final VirtualMachineService virtualMachines;

    private Hypervisors(List<QemuHost> hosts, VirtualMachineService virtualMachines) {
        this.hosts = hosts;
        this.virtualMachines = virtualMachines;
    }

    static Hypervisors start(Path home, GatewayEngine engine) throws IOException {
        List<QemuHost> hosts = new ArrayList<>();
        List<VirtualMachineService.HostEntry> entries = new ArrayList<>();
        for (String name : HOST_NAMES) {
            Path runRoot = Files.createDirectories(home.resolve("run").resolve(name));
            String uuid = UUID.nameUUIDFromBytes((home.toAbsolutePath() + "#" + name)
                    .getBytes(StandardCharsets.UTF_8)).toString();
            QemuHost host = new QemuHost(uuid, name, runRoot, engine.storagePort());
            hosts.add(host);
            entries.add(new VirtualMachineService.HostEntry(host, "qemu", Optional.of(host.initiatorName())));
        }
        LOG.info("Hypervisor hosts {} (QEMU, run folders under {})", HOST_NAMES, home.resolve("run"));
        return new Hypervisors(List.copyOf(hosts), engine.virtualMachines(entries));
    }

    List<QemuHost> hosts() {
        return hosts;
    }

    VirtualMachineService virtualMachines() {
        return virtualMachines;
    }

    /** Stop taking requests, then hard-stop every VM still running (their VDIs are detached). */
    @Override
    public void close() {
        virtualMachines.close();
        for (QemuHost host : hosts) {
            host.close();
        }
    }
}
