package org.storagegateway.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdImage;

/**
 * P3 sr-scan: the file SR driver's {@code scan()} over 10,000 VHDs (1,000 chains of depth 10, 10 GiB each, parents
 * hidden), cold (page cache dropped before each run, when permitted) and warm, repeated. In the same run two floors
 * over the same files: listing the folder and stat'ing each file, and listing plus reading each footer (what
 * {@code VhdImage.readFooter} does). vhd-util's published scan figure is set beside it.
 */
public final class ScanBench {
    /** vhd-util scan of 1001 small VHDs: ~1.4 s on the reference machine (§4). */
    static final double VHD_UTIL_SCAN_S = 1.4;
    static final int VHD_UTIL_SCAN_FILES = 1001;

    public static void main(String[] args) throws Exception {
        int chains = Results.intProperty("bench.chains", 1000);
        int depth = Results.intProperty("bench.depth", 10);
        int warmRuns = Results.intProperty("bench.warmRuns", 5);
        int coldRuns = Results.intProperty("bench.coldRuns", 3);
        long size = Results.intProperty("bench.scanSizeGiB", 10) * BenchSr.GIB;
        Path root = Files.createTempDirectory(Results.tmpRoot(), "scan-bench-");
        try {
            BenchSr sr = new BenchSr(root);
            long t0 = System.nanoTime();
            int files = ScanFixture.create(sr.folder(), chains, depth, size);
            System.out.printf("P3 scan: created %d VHDs (%d chains x depth %d, %d GiB virtual, parents hidden) in "
                    + "%.1f s, without fsync, in %s%n", files, chains, depth, size / BenchSr.GIB,
                    (System.nanoTime() - t0) / 1e9, sr.folder());
            run(sr, files, warmRuns, coldRuns);
        } finally {
            Results.deleteTree(root);
        }
    }

    private static void run(BenchSr sr, int files, int warmRuns, int coldRuns) throws Exception {
        IntSupplier scan = () -> {
            List<VdiInfo> found = sr.view().scan();
            if (found.size() != files) {
                throw new IllegalStateException("scan found " + found.size() + " VDIs, expected " + files);
            }
            return found.size();
        };
        IntSupplier statFloor = () -> {
            int n = 0;
            long bytes = 0;
            for (Path p : list(sr.folder())) {
                try {
                    bytes += Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                n++;
            }
            return bytes > 0 ? n : -1;
        };
        IntSupplier footerFloor = () -> {
            int n = 0;
            for (Path p : list(sr.folder())) {
                n += ScanFixture.footer(p).hidden() ? 1 : 1;
            }
            return n;
        };
        int threads = Results.intProperty("bench.scanThreads", 16);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        // What-if for a parallel scan: the same per-file work as the driver's describe(), in a thread pool.
        IntSupplier parallel = () -> {
            List<Path> all = list(sr.folder());
            List<java.util.concurrent.Future<Integer>> parts = new ArrayList<>();
            int chunk = Math.max(1, all.size() / (threads * 8));
            for (int from = 0; from < all.size(); from += chunk) {
                List<Path> part = all.subList(from, Math.min(all.size(), from + chunk));
                parts.add(pool.submit(() -> {
                    int n = 0;
                    for (Path p : part) {
                        try (VhdImage img = VhdImage.open(p, OpenMode.READ_ONLY)) {
                            n += img.parentName().isPresent() | img.allocatedBlockCount() >= 0
                                    | img.fileSizeBytes() > 0 | img.hidden() ? 1 : 0;
                        }
                    }
                    return n;
                }));
            }
            int n = 0;
            for (var f : parts) {
                try {
                    n += f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return n == files ? n : -1;
        };
        try {
            measure(sr, files, warmRuns, coldRuns, scan, statFloor, footerFloor, parallel, threads);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void measure(BenchSr sr, int files, int warmRuns, int coldRuns, IntSupplier scan,
            IntSupplier statFloor, IntSupplier footerFloor, IntSupplier parallel, int threads) throws Exception {
        // warm up the JIT on the scan path, and fill the page cache
        for (int i = 0; i < 2; i++) {
            scan.getAsInt();
            footerFloor.getAsInt();
            parallel.getAsInt();
        }
        String jfrDir = System.getProperty("bench.jfrDir");
        if (jfrDir != null) {
            jdk.jfr.Recording recording = JfrTop.start("scan-warm", false);
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long u0 = mx.getCurrentThreadUserTime();
            for (int i = 0; i < 3; i++) {
                scan.getAsInt();
            }
            double userMsPerScan = (mx.getCurrentThreadUserTime() - u0) / 1e6 / 3;
            recording.stop();
            Path file = Files.createDirectories(Path.of(jfrDir)).resolve("scan-warm.jfr");
            recording.dump(file);
            recording.close();
            System.out.println("  where a warm scan spends its time (per scan of all files):");
            JfrTop.print(file, 3, "main", userMsPerScan, System.out);
        }
        Stats warm = new Stats("driver scan(), warm page cache");
        Stats warmStat = new Stats("floor: list + stat each file, warm");
        Stats warmFooter = new Stats("floor: list + read each footer, warm");
        Stats warmParallel = new Stats("what-if: scan's per-file work in " + threads + " threads, warm");
        for (int i = 0; i < warmRuns; i++) {
            warm.add(timed(scan));
            warmStat.add(timed(statFloor));
            warmFooter.add(timed(footerFloor));
            warmParallel.add(timed(parallel));
        }
        Stats cold = new Stats("driver scan(), cold (caches dropped)");
        Stats coldStat = new Stats("floor: list + stat each file, cold");
        Stats coldFooter = new Stats("floor: list + read each footer, cold");
        Stats coldParallel = new Stats("what-if: scan's per-file work in " + threads + " threads, cold");
        boolean dropped = dropCaches();
        if (dropped) {
            for (int i = 0; i < coldRuns; i++) {
                dropCaches();
                cold.add(timed(scan));
                dropCaches();
                coldStat.add(timed(statFloor));
                dropCaches();
                coldFooter.add(timed(footerFloor));
                dropCaches();
                coldParallel.add(timed(parallel));
            }
        }
        System.out.println();
        System.out.printf("P3 sr-scan of %,d VHDs (times per whole scan; p50 = median of the runs):%n", files);
        for (Stats s : List.of(warm, warmStat, warmFooter, warmParallel, cold, coldStat, coldFooter,
                coldParallel)) {
            if (s.count() > 0) {
                System.out.printf("  %-52s runs %d  median %8.1f ms  min %8.1f  max %8.1f  (%.1f µs per VHD)%n",
                        s.label(), s.count(), s.p50(), s.pct(0.0001), s.pct(100), s.p50() * 1000 / files);
            }
        }
        if (!dropped) {
            System.out.println("  cold: not measured, /proc/sys/vm/drop_caches is not writable (run as root)");
        }
        double vhdUtil = VHD_UTIL_SCAN_S * 1000 * files / VHD_UTIL_SCAN_FILES;
        System.out.printf("  warm scan / footer floor: %.2f x;  cold scan / footer floor: %s%n", warm.p50()
                / warmFooter.p50(), dropped ? String.format("%.2f x", cold.p50() / coldFooter.p50()) : "n/a");
        if (files == 10_000) {
            System.out.printf("  goal <= 1 s: warm %s, cold %s%n", warm.p50() <= 1000 ? "met" : "NOT met",
                    !dropped ? "n/a" : cold.p50() <= 1000 ? "met" : "NOT met");
        } else {
            System.out.println("  (the goal, <= 1 s, is for 10,000 VHDs; this run scanned " + files + ")");
        }
        System.out.printf("  vhd-util scan, published ~1.4 s per 1,001 VHDs (other machine), scaled linearly to %,d: "
                + "~%.1f s; warm scan is %.1f%% of it, cold %s%n", files, vhdUtil / 1000, 100 * warm.p50() / vhdUtil,
                dropped ? String.format("%.1f%%", 100 * cold.p50() / vhdUtil) : "n/a");
        Results.record("P3.files", files, "VHDs", "scanned");
        Results.record("P3.scan.warm.median", warm.p50(), "ms", files + " VHDs; goal <= 1000 ms");
        Results.record("P3.floor.footer.warm.median", warmFooter.p50(), "ms", "list + read footers");
        if (dropped) {
            Results.record("P3.scan.cold.median", cold.p50(), "ms", files + " VHDs, caches dropped; goal <= 1000 ms");
            Results.record("P3.floor.footer.cold.median", coldFooter.p50(), "ms", "list + read footers, cold");
            Results.record("P3.ratio.scan/footer-floor.cold", cold.p50() / coldFooter.p50(), "x", "same run");
            Results.record("P3.whatif.parallel.cold.median", coldParallel.p50(), "ms", threads + " threads");
        }
        Results.record("P3.ratio.scan/footer-floor.warm", warm.p50() / warmFooter.p50(), "x", "same run");
        Results.record("P3.whatif.parallel.warm.median", warmParallel.p50(), "ms", threads + " threads");
        Results.record("P3.ratio.scan.warm/vhd-util-extrapolated", warm.p50() / vhdUtil, "x",
                "1.4 s per 1001 VHDs scaled linearly; other machine");
    }

    private static List<Path> list(Path folder) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(folder, "*.vhd")) {
            d.forEach(out::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static long timed(IntSupplier work) {
        long t0 = System.nanoTime();
        if (work.getAsInt() <= 0) {
            throw new IllegalStateException("nothing scanned");
        }
        return System.nanoTime() - t0;
    }

    /** sync, then drop the page cache, dentries and inodes; false if not permitted. */
    static boolean dropCaches() {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
