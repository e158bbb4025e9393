package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.bridge.qemu.guest.TestGuest;

/** The guest builder script: what it puts into the initramfs, its cache, and its offline behaviour. */
class GuestBuilderIT {
    private static TestGuest.Image guest;

    @TempDir
    Path dir;

    @BeforeAll
    static void build() {
        guest = TestGuest.require();
    }

    private record Run(int status, String stdout, String stderr, long millis) {}

    private static Run script(Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", System.getProperty("guest.script",
                "../guest/build-guest.sh"));
        builder.environment().putAll(environment);
        long start = System.nanoTime();
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(process.exitValue(), out, err, (System.nanoTime() - start) / 1_000_000);
    }

    private static List<String> run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", String.join(" ", command)).start();
        List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
        return lines;
    }

    @Test
    void aSecondRunReusesTheCachedBuild() throws Exception {
        Run again = script(Map.of());

        assertThat(again.status()).isZero();
        assertThat(again.stdout().strip()).isEqualTo(guest.directory().toString());
        assertThat(again.millis()).as("cached run time").isLessThan(10_000);
        assertThat(guest.directory().getFileName().toString()).matches("\\d+\\.\\d+\\.\\d+-\\d+-amd64");
        System.out.printf("[figures] build-guest.sh with a cached guest: %d ms%n", again.millis());
    }

    @Test
    void theInitramfsHoldsBusyboxTheAgentAndTheModulesInDependencyOrder() throws Exception {
        String initrd = guest.initrd().toString();
        List<String> files = run("gzip -dc", initrd, "| cpio -t --quiet");
        assertThat(files).contains("init", "bin/agent", "bin/busybox", "bin/sh", "etc/modules.order",
                "lib/modules/virtio_blk.ko", "lib/modules/virtio_scsi.ko", "lib/modules/sd_mod.ko", "lib/modules/virtio_console.ko");

        List<String> order = run("gzip -dc", initrd, "| cpio -i --quiet --to-stdout etc/modules.order");
        List<String> fixed = List.of("virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci",
                "virtio_blk", "virtio_scsi", "sd_mod", "virtio_console");
        assertThat(order).containsSubsequence(fixed);
        assertThat(order).containsSubsequence("scsi_common", "scsi_mod", "virtio_scsi");
        assertThat(order).containsSubsequence("t10_pi", "sd_mod");
        assertThat(order).doesNotHaveDuplicates();
        for (String module : order) {
            assertThat(files).contains("lib/modules/" + module + ".ko");
        }

        if (guest.kernel().getFileName().toString().equals("vmlinux")) {
            byte[] head = new byte[4];
            try (var in = Files.newInputStream(guest.kernel())) {
                assertThat(in.read(head)).isEqualTo(4);
            }
            assertThat(head).containsExactly(0x7f, 'E', 'L', 'F');
        }
        assertThat(guest.directory().resolve("vmlinuz")).isRegularFile();
    }

    @Test
    void withoutPackageListsItReusesTheNewestBuildOrReportsUnavailable() throws Exception {
        // apt-cache and apt-get that know no packages, as on a machine without package lists or network.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("apt-cache", "apt-get")) {
            Path fake = bin.resolve(tool);
            Files.writeString(fake, "#!/bin/sh\nexit 100\n");
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Map<String, String> offline = new HashMap<>();
        offline.put("PATH", bin + ":" + System.getenv("PATH"));

        offline.put("GUEST_CACHE", guest.directory().getParent().toString());
        Run cached = script(offline);
        assertThat(cached.status()).as(cached.stderr()).isZero();
        assertThat(cached.stdout().strip()).isEqualTo(guest.directory().toString());
        assertThat(cached.stderr()).contains("reusing");

        offline.put("GUEST_CACHE", Files.createDirectories(dir.resolve("empty-cache")).toString());
        Run empty = script(offline);
        assertThat(empty.status()).isEqualTo(TestGuest.UNAVAILABLE);
        assertThat(empty.stdout()).isEmpty();
        assertThat(empty.stderr()).contains("cannot resolve linux-image-amd64");
        List<String> leftovers = new ArrayList<>();
        try (var paths = Files.list(dir.resolve("empty-cache"))) {
            paths.map(p -> p.getFileName().toString()).filter(name -> !name.equals(".lock") && !name.equals("debs")).forEach(leftovers::add);
        }
        assertThat(leftovers).isEmpty();
    }
}
