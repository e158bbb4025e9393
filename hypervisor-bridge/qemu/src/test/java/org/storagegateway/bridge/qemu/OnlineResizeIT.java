package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.bridge.StoragePort;
import org.storagegateway.bridge.Vbd;
import org.storagegateway.bridge.VbdSpec;
import org.storagegateway.bridge.VmSpec;
import org.storagegateway.bridge.qemu.guest.GuestAgent;
import org.storagegateway.bridge.qemu.guest.GuestDisk;
import org.storagegateway.bridge.qemu.guest.GuestPattern;
import org.storagegateway.bridge.qemu.guest.TestGuest;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.vhd.IndependentTools;
import org.storagegateway.vhd.VhdImage;
import org.storagegateway.vhd.nbd.NbdServer;
import org.storagegateway.vhd.nbd.VhdChainExport;

/**
 * Online resize through the bridge SPI: a running TCG guest has a VHD plugged over the gateway's own NBD server; the
 * VHD grows under the quiesced export, {@link Vbd#refreshSize} makes the guest see it without an unplug, the guest
 * writes at the new tail, and after the unplug the VHD holds every write. A refresh that cannot open a new connection
 * leaves the guest on the disk it had.
 */
class OnlineResizeIT {
    private static final long MIB = 1 << 20;
    private static final Duration SEEN = Duration.ofSeconds(20);
    private static final Duration BOOT = Duration.ofSeconds(90);
    private static TestGuest.Image guest;

    private Path dir;
    private VhdNbdPort storage;
    private QemuHost host;
    private GuestAgent agent;

    @BeforeAll
    static void needGuestAndLibvhdi() {
        assumeThat(IndependentTools.libvhdiAvailable()).as("python3-libvhdi is installed by ./gateway test").isTrue();
        guest = TestGuest.require();
    }

    @BeforeEach
    void storage() throws IOException {
        dir = Files.createTempDirectory("resize");
        storage = new VhdNbdPort(dir);
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (agent != null) {
            agent.close();
        }
        if (host != null) {
            host.close();
        }
        storage.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void aGrownVdiIsSeenByTheRunningGuestWhichWritesAtTheNewTailAndTheVhdKeepsIt() throws Exception {
        String vdi = storage.createVdi("sr", "data", 16 * MIB);
        host = new QemuHost(UUID.randomUUID().toString(), "a", dir.resolve("a"), storage);
        QemuDomain vm = host.start(new VmSpec(UUID.randomUUID().toString(), "resize", 256, 1,
                new Boot.DirectKernel(guest.kernel().toString(), guest.initrd().toString(), "console=ttyS0 quiet panic=-1"),
                List.of(), Map.of(QemuHost.PLATFORM_CHANNEL, TestGuest.AGENT_PORT)));
        agent = GuestAgent.connect(vm.channelSocket().orElseThrow(), BOOT);
        Vbd vbd = vm.createVbd(VbdSpec.of(UUID.randomUUID().toString(), vdi));
        vbd.plug();
        GuestDisk disk = agent.awaitDisk(vbd.spec().serial(), SEEN);
        assertThat(disk.sizeBytes()).isEqualTo(16 * MIB);
        String head = agent.write(disk.name(), 14 * MIB, 2 * MIB, "head");
        String device = ((QemuVbd) vbd).deviceId();

        storage.grow(vdi, 40 * MIB);
        vbd.refreshSize();

        assertThat(awaitSize(vbd, 40 * MIB).name()).as("the same device, not a new one").isEqualTo(disk.name());
        assertThat(vm.process().disks().blockNodeNames()).contains(device + "-rproto", device + "-fmt")
                .doesNotContain(device + "-proto");
        assertThat(storage.server(vdi).connections()).as("the old connection was closed").isEqualTo(1);
        String tail = agent.write(disk.name(), 36 * MIB, 4 * MIB, "tail");
        assertThat(agent.read(disk.name(), 14 * MIB, 2 * MIB)).isEqualTo(head);

        // Again: the next refresh moves to the other spare node name.
        storage.grow(vdi, 48 * MIB);
        vbd.refreshSize();
        awaitSize(vbd, 48 * MIB);
        assertThat(vm.process().disks().blockNodeNames()).contains(device + "-sproto")
                .doesNotContain(device + "-rproto");

        // A refresh that cannot open a new connection fails typed and leaves the guest on its disk and size.
        List<String> nodes = vm.process().disks().blockNodeNames();
        storage.grow(vdi, 56 * MIB);
        Path socket = storage.server(vdi).socket();
        Path aside = socket.resolveSibling("aside.sock");
        Files.move(socket, aside, StandardCopyOption.ATOMIC_MOVE);
        assertThatThrownBy(vbd::refreshSize).isInstanceOfSatisfying(BridgeException.class,
                e -> assertThat(e.error()).isEqualTo(BridgeError.HYPERVISOR_FAILURE));
        assertThat(vm.process().disks().blockNodeNames()).containsExactlyInAnyOrderElementsOf(nodes);
        assertThat(agent.read(disk.name(), 36 * MIB, 4 * MIB)).isEqualTo(tail);
        assertThat(agent.list()).filteredOn(d -> d.name().equals(disk.name())).singleElement()
                .extracting(GuestDisk::sizeBytes).isEqualTo(48 * MIB);
        Files.move(aside, socket, StandardCopyOption.ATOMIC_MOVE);
        vbd.refreshSize();
        awaitSize(vbd, 56 * MIB);
        String end = agent.write(disk.name(), 55 * MIB, MIB, "end");
        agent.sync();

        vbd.unplug(SEEN);
        agent.awaitDiskGone(vbd.spec().serial(), SEEN);
        Path vhd = storage.file(vdi);
        assertThat(IndependentTools.readRangeWithLibvhdi(vhd, 14 * MIB, 2 * MIB).sha256()).isEqualTo(head);
        // libvhdi reads up to the VHD's original size (16 MiB); QEMU's vpc driver reads the grown part.
        Path raw = dir.resolve("read-back.raw");
        Commands.run("qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd.toString(), raw.toString());
        assertThat(Files.size(raw)).isEqualTo(56 * MIB);
        assertThat(GuestPattern.sha256OfFile(raw, 14 * MIB, 2 * MIB)).isEqualTo(head);
        assertThat(GuestPattern.sha256OfFile(raw, 36 * MIB, 4 * MIB)).isEqualTo(tail);
        assertThat(GuestPattern.sha256OfFile(raw, 55 * MIB, MIB)).isEqualTo(end);
    }

    private GuestDisk awaitSize(Vbd vbd, long size) {
        GuestDisk[] seen = new GuestDisk[1];
        Awaitility.await().atMost(SEEN.toMillis(), TimeUnit.MILLISECONDS).pollInterval(200, TimeUnit.MILLISECONDS)
                .untilAsserted(() -> {
                    seen[0] = agent.awaitDisk(vbd.spec().serial(), SEEN);
                    assertThat(seen[0].sizeBytes()).as("/sys/block size in the guest").isEqualTo(size);
                });
        return seen[0];
    }

    /** Runs a command line and fails on a non-zero exit. */
    private static final class Commands {
        static void run(String... command) throws IOException, InterruptedException {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
        }
    }

    /**
     * The test's storage: each VDI a dynamic VHD in a folder, served while attached by the gateway's NBD server
     * ({@link VhdChainExport} on a unix socket); {@link #grow} resizes the VHD with its export quiesced, as the file
     * SR driver does.
     */
    private static final class VhdNbdPort implements StoragePort, AutoCloseable {
        private final Path folder;
        private final Map<String, NbdServer> servers = new java.util.concurrent.ConcurrentHashMap<>();

        VhdNbdPort(Path folder) {
            this.folder = folder;
        }

        Path file(String vdi) {
            return folder.resolve(vdi + ".vhd");
        }

        NbdServer server(String vdi) {
            return servers.get(vdi);
        }

        void grow(String vdi, long size) {
            NbdServer server = servers.get(vdi);
            ((VhdChainExport) server.export()).whileQuiesced(() -> {
                VhdImage.resize(file(vdi), size);
                return null;
            });
        }

        @Override
        public synchronized Datapath attach(String vdiUuid, String hostUuid, boolean writable) {
            NbdServer server = servers.computeIfAbsent(vdiUuid, v -> NbdServer.start(folder.resolve(v.substring(0, 8)
                    + ".sock"), VhdChainExport.open(v, file(v), !writable)));
            return new Datapath.Nbd(server.uri());
        }

        @Override
        public synchronized void detach(String vdiUuid, String hostUuid) {
            NbdServer server = servers.remove(vdiUuid);
            if (server != null) {
                server.close();
                ((VhdChainExport) server.export()).close();
            }
        }

        @Override
        public String snapshot(String vdiUuid, String nameLabel) {
            throw new UnsupportedOperationException("not in this test");
        }

        @Override
        public String clone(String vdiUuid, String nameLabel) {
            throw new UnsupportedOperationException("not in this test");
        }

        @Override
        public String createVdi(String srUuid, String nameLabel, long virtualSizeBytes) {
            String vdi = UUID.randomUUID().toString();
            VhdImage.createDynamic(file(vdi), virtualSizeBytes, UUID.fromString(vdi));
            return vdi;
        }

        @Override
        public long virtualSize(String vdiUuid) {
            return VhdImage.readFooter(file(vdiUuid)).currentSize();
        }

        @Override
        public void destroy(String vdiUuid) {
            throw new UnsupportedOperationException("not in this test");
        }

        @Override
        public synchronized void close() {
            for (String vdi : List.copyOf(servers.keySet())) {
                detach(vdi, null);
            }
        }
    }
}
