package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.bridge.qemu.DiskSource;
import org.storagegateway.bridge.qemu.DiskSpec;
import org.storagegateway.bridge.qemu.DiskHotplug;
import org.storagegateway.bridge.qemu.PluggedDisk;
import org.storagegateway.bridge.qemu.QemuVm;
import org.storagegateway.bridge.qemu.guest.GuestAgent;
import org.storagegateway.bridge.qemu.guest.GuestDisk;
import org.storagegateway.bridge.qemu.guest.TestGuest;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.testing.FakeDriverContext;
import org.storagegateway.vhd.IndependentTools;

/**
 * A real guest writes to a VDI through the file driver's NBD datapath: QEMU's {@code nbd} block driver connects to
 * the {@code nbd+unix://} descriptor {@code attachVdi} returned, the guest writes with O_DIRECT, the VDI is
 * snapshotted while plugged, and the guest writes again. libvhdi then reads the VHD files: the leaf holds both
 * writes, the snapshot only the first. A raw disk in the same guest receives the same writes as the reference.
 *
 * <p>It drives the driver directly (there is no SOAP operation for attach yet), as a driver test does: in the host
 * fake {@code FakeDriverContext} of gateway-spi's test jar.
 */
class NbdDatapathGuestIT {
    private static final long MIB = 1 << 20;
    private static final long SIZE = 64 * MIB;
    private static final Duration SEEN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aGuestWritesThroughTheNbdDatapathAndTheVhdFilesHoldIt() throws IOException {
        Assumptions.assumeTrue(IndependentTools.libvhdiAvailable(), "python3-libvhdi is not installed");
        TestGuest.Image guest = TestGuest.require();
        FileSrDriverFactory factory = new FileSrDriverFactory();
        String srUuid = UUID.randomUUID().toString();
        StorageRepository sr = factory.open(new RepositoryConfig(srUuid, "guest-sr", Map.of("path", dir.toString())),
                new FakeDriverContext());
        sr.create();
        String vdi = sr.createVdi(new CreateVdiRequest(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                SIZE)).uuid();
        Path reference = dir.resolve("reference.raw");
        try (RandomAccessFile raw = new RandomAccessFile(reference.toFile(), "rw")) {
            raw.setLength(SIZE);
        }

        Datapath.Nbd datapath = (Datapath.Nbd) sr.attachVdi(vdi, false);
        URI uri = URI.create(datapath.uri());
        Path socket = Path.of(uri.getQuery().substring("socket=".length()));
        String export = uri.getPath().substring(1);
        try (QemuVm vm = QemuVm.start(TestGuest.vm("nbd-guest", guest).build());
                GuestAgent agent = GuestAgent.connect(vm.agentSocket().orElseThrow(), Duration.ofSeconds(90))) {
            DiskHotplug disks = vm.disks();
            PluggedDisk nbd = disks.plug(DiskSpec.rawFile("vdi", reference)
                    .withSource(new DiskSource.Nbd(socket, export)).withSerial("VDI"));
            PluggedDisk ref = disks.plug(DiskSpec.rawFile("ref", reference).withSerial("REF"));
            GuestDisk onNbd = agent.awaitDisk("VDI", SEEN);
            GuestDisk onRaw = agent.awaitDisk("REF", SEEN);
            assertThat(onNbd.sizeBytes()).isEqualTo(SIZE);

            // Block-straddling (2 MiB boundary) and 4 KiB-aligned, which libvhdi reads exactly.
            String alpha = agent.write(onNbd.name(), 2 * MIB - 64 * 1024, 3 * MIB, "alpha");
            assertThat(agent.write(onRaw.name(), 2 * MIB - 64 * 1024, 3 * MIB, "alpha")).isEqualTo(alpha);
            agent.sync();
            Path atSnapshot = dir.resolve("at-snapshot.raw");
            Files.copy(reference, atSnapshot);

            CloneResult snapshot = sr.snapshotVdi(new CloneRequest(UUID.randomUUID().toString(), vdi,
                    UUID.randomUUID().toString(), UUID.randomUUID().toString()));

            String beta = agent.write(onNbd.name(), 40 * MIB, 4 * MIB, "beta");
            assertThat(agent.write(onRaw.name(), 40 * MIB, 4 * MIB, "beta")).isEqualTo(beta);
            assertThat(agent.read(onNbd.name(), 2 * MIB - 64 * 1024, 3 * MIB)).as("alpha after the snapshot")
                    .isEqualTo(alpha);
            agent.sync();

            disks.unplug(nbd, SEEN);
            disks.unplug(ref, SEEN);
            agent.awaitDiskGone("VDI", SEEN);
            sr.detachVdi(vdi);

            Path folder = dir.resolve(srUuid);
            assertThat(IndependentTools.readWithLibvhdi(folder.resolve(vdi + ".vhd")).sha256())
                    .as("the VDI's VHD chain holds both writes").isEqualTo(sha256(reference));
            assertThat(IndependentTools.readWithLibvhdi(folder.resolve(snapshot.created().uuid() + ".vhd")).sha256())
                    .as("the snapshot holds the first write only").isEqualTo(sha256(atSnapshot));
        } finally {
            factory.deactivate();
        }
    }

    private static String sha256(Path file) throws IOException {
        return org.storagegateway.bridge.qemu.guest.GuestPattern.sha256OfFile(file, 0, Files.size(file));
    }
}
