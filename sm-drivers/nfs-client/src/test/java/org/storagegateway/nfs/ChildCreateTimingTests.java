package org.storagegateway.nfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.storagegateway.vhd.VhdCreateOptions;
import org.storagegateway.vhd.VhdImage;

/**
 * Measures (prints, does not assert) the metadata-only snapshot child of a 10 GiB parent, as the SR makes it, on the
 * local disk and over NFS to ganesha exporting the same disk, with the NFS calls each create costs. The variants run
 * interleaved in rotating order, so that noise from other work on the machine falls on all of them alike.
 */
@ExtendWith(GaneshaExtension.class)
class ChildCreateTimingTests {

    private static final long GIB = 1L << 30;
    private static final int WARMUP = 50;
    private static final int RUNS = 200;

    private static final class Variant {
        final String name;
        final Path dir;
        final Nfs3FileSystem fs;
        final VhdCreateOptions options;
        final Path parent;
        final long[] nanos = new long[RUNS];
        long calls;

        Variant(String name, Path dir, Nfs3FileSystem fs, VhdCreateOptions options) throws IOException {
            this.name = name;
            this.dir = dir;
            this.fs = fs;
            this.options = options;
            Files.createDirectories(dir);
            this.parent = dir.resolve("parent.vhd");
            VhdImage.createDynamic(parent, 10 * GIB, UUID.randomUUID());
        }

        void once(int i) throws IOException {
            Path child = dir.resolve("child-" + i + ".vhd");
            long rpc0 = fs == null ? 0 : fs.rpcCount();
            long t0 = System.nanoTime();
            VhdImage.createDifferencing(child, parent, UUID.randomUUID(), options);
            long t = System.nanoTime() - t0;
            if (i >= WARMUP) {
                nanos[i - WARMUP] = t;
                calls += fs == null ? 0 : fs.rpcCount() - rpc0;
            }
            assertThat(Files.size(child)).isEqualTo(25_600);
            Files.delete(child);
        }

        String report() {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            String s = String.format("%-42s median %7.1f us, mean %7.1f us, p99 %7.1f us", name,
                    sorted[RUNS / 2] / 1000.0, Arrays.stream(sorted).average().orElse(0) / 1000.0,
                    sorted[(int) (RUNS * 0.99)] / 1000.0);
            return fs == null ? s : s + String.format(", %.1f NFS calls per create", calls / (double) RUNS);
        }
    }

    @Test
    void differencingChildOf10GiBLocallyAndOverNfs(Ganesha ganesha) throws IOException {
        Nfs3FileSystem auto = new Nfs3FileSystemProvider().newFileSystem(ganesha.exportUri(), Map.of());
        Nfs3FileSystem unstable = new Nfs3FileSystemProvider().newFileSystem(ganesha.exportUri(),
                Map.of(Nfs3Options.WRITES, "unstable"));
        try {
            VhdCreateOptions durable = VhdCreateOptions.defaults();
            VhdCreateOptions plain = VhdCreateOptions.defaults().withDurable(false);
            Path disk = ganesha.localExport();
            List<Variant> variants = new ArrayList<>(List.of(
                    new Variant("local disk, force(true):", disk.resolve("perf-local"), null, durable),
                    new Variant("local disk, no force:", disk.resolve("perf-local-plain"), null, plain),
                    new Variant("nfs3 auto (FILE_SYNC WRITE, no COMMIT):", auto.getPath("/perf-auto"), auto, durable),
                    new Variant("nfs3 unstable (UNSTABLE WRITE + COMMIT):", unstable.getPath("/perf-unstable"),
                            unstable, durable),
                    new Variant("nfs3 auto, no force:", auto.getPath("/perf-auto-plain"), auto, plain)));
            for (int i = 0; i < WARMUP + RUNS; i++) {
                // Rotated, so that no variant always pays for the unsynced writes of the one before it.
                for (int k = 0; k < variants.size(); k++) {
                    variants.get((i + k) % variants.size()).once(i);
                }
            }
            System.out.println("[nfs-perf] createDifferencing, 10 GiB parent, child 25,600 bytes, " + RUNS
                    + " runs each, interleaved");
            for (Variant v : variants) {
                System.out.println("[nfs-perf]   " + v.report());
            }
        } finally {
            auto.close();
            unstable.close();
        }
    }
}
