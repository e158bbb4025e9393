package org.storagegateway.vhd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.vhd.TestSupport.GIB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures metadata-only snapshot children of a 10 GiB parent (reference anchor: ~3.6 ms per
 * {@code vhd-util snapshot}, process spawn included). Prints, does not assert, timings.
 */
class CreatePerformanceTest {

    private static final int WARMUP = 100;
    private static final int RUNS = 300;

    @TempDir
    Path dir;

    @Test
    void differencingChildOf10GiBTimings() throws Exception {
        Path parent = dir.resolve("parent.vhd");
        VhdImage.createDynamic(parent, 10 * GIB, UUID.randomUUID());
        String plain = measure(parent, VhdCreateOptions.defaults().withDurable(false), "plain");
        String durable = measure(parent, VhdCreateOptions.defaults(), "durable");
        System.out.println("[vhd-perf] createDifferencing, 10 GiB parent, child 25,600 bytes");
        System.out.println("[vhd-perf]   without force:        " + plain);
        System.out.println("[vhd-perf]   with force(true):     " + durable);
    }

    private String measure(Path parent, VhdCreateOptions options, String tag) throws Exception {
        long[] nanos = new long[RUNS];
        for (int i = 0; i < WARMUP + RUNS; i++) {
            Path child = dir.resolve(tag + "-" + i + ".vhd");
            long t0 = System.nanoTime();
            VhdImage.createDifferencing(child, parent, UUID.randomUUID(), options);
            long t = System.nanoTime() - t0;
            if (i >= WARMUP) {
                nanos[i - WARMUP] = t;
            }
            assertThat(Files.size(child)).isEqualTo(25_600);
            Files.delete(child);
        }
        Arrays.sort(nanos);
        double mean = Arrays.stream(nanos).average().orElse(0) / 1000.0;
        return String.format("mean %.1f us, median %.1f us, p99 %.1f us (%d runs)", mean,
                nanos[RUNS / 2] / 1000.0, nanos[(int) (RUNS * 0.99)] / 1000.0, RUNS);
    }
}
