package org.storagegateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * P1 clone, in process, side by side in one run on a 10 GiB disk:
 *
 * <ul>
 *   <li>the file SR driver alone (factory + fake host), "reuse parent" shortcut and full double snapshot;</li>
 *   <li>the whole engine ({@code operations().cloneVirtualDisk}: task journal, driver, Derby commits), both paths;</li>
 *   <li>{@code qemu-img create -f qcow2 -b base.qcow2 -F qcow2} on a 10 GiB base, one process per op;</li>
 *   <li>the cost of spawning {@code /bin/true} from this JVM, the process start-up floor.</li>
 * </ul>
 *
 * The six kinds of operation are interleaved, in a shuffled order each round, so that whatever else the machine does
 * weighs on all of them alike. Setup work between clones (writing one sector into the source) is not timed.
 */
public final class CloneBench {
    static final long SIZE = 10 * BenchSr.GIB;
    /** vhd-util snapshot, 10 GiB parent, published in the reference (§4), not runnable here. */
    static final double VHD_UTIL_SNAPSHOT_MS = 3.6;
    /** qemu-img create -b on the reference machine (§4), to compare machines. */
    static final double REFERENCE_QEMU_MS = 19.0;
    /** Untimed engine clones before timing starts (-Dbench.engineWarmup). */
    static final int ENGINE_WARMUP = 2000;

    public static void main(String[] args) throws Exception {
        int ops = Results.intProperty("bench.ops", 500);
        int warmup = Results.intProperty("bench.warmup", 50);
        int depthPerSource = Results.intProperty("bench.fullClonesPerSource", 10);
        Path root = Files.createTempDirectory(Results.tmpRoot(), "clone-bench-");
        try {
            run(root, ops, warmup, depthPerSource);
        } finally {
            Results.deleteTree(root);
        }
    }

    private static void run(Path root, int ops, int warmup, int depthPerSource) throws Exception {
        int total = warmup + ops;
        int pool = (total + depthPerSource - 1) / depthPerSource;
        System.out.printf("P1 clone: %d timed ops per kind after %d warm-up rounds, 10 GiB disks, in %s%n", ops, warmup,
                root);

        // --- driver alone
        BenchSr sr = new BenchSr(root.resolve("driver")).create();
        String golden = sr.createVdi(SIZE);
        sr.cloneVdi(golden); // golden becomes an empty child of a hidden base: later clones take the shortcut
        List<String> driverSources = new ArrayList<>();
        List<String> orderSources = new ArrayList<>();
        List<String> batchedSources = new ArrayList<>();
        for (int i = 0; i < pool; i++) {
            driverSources.add(sr.createVdi(SIZE));
            orderSources.add(sr.createVdi(SIZE));
            batchedSources.add(sr.createVdi(SIZE));
        }

        // --- engine
        Path home = root.resolve("gateway-home");
        long started = System.nanoTime();
        try (InProcessGateway gw = InProcessGateway.start(home)) {
            System.out.printf("gateway started in %.1f s (SR %s)%n", (System.nanoTime() - started) / 1e9, gw.srUuid);
            String engineGolden = gw.createVdi("golden", SIZE);
            gw.cloneVdi(engineGolden, "first");
            List<String> engineSources = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                engineSources.add(gw.createVdi("source" + i, SIZE));
            }
            warmUp(gw, engineGolden, Results.intProperty("bench.engineWarmup", ENGINE_WARMUP));

            // --- qemu-img
            Path qemuDir = Files.createDirectories(root.resolve("qemu"));
            exec(qemuDir, "qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", "10G");

            Map<String, Stats> stats = new LinkedHashMap<>();
            Map<String, Op> kinds = new LinkedHashMap<>();
            kinds.put("driver  shortcut (reuse parent: unchanged source)", i -> sr.cloneVdi(golden));
            kinds.put("driver  full double snapshot (1 sector written)", i -> sr.cloneVdi(driverSources.get(i % pool)));
            kinds.put("engine  shortcut, DB commit included", i -> gw.cloneVdi(engineGolden, "c" + i));
            kinds.put("engine  full double snapshot, DB commit included", i -> gw.cloneVdi(engineSources.get(i % pool),
                    "f" + i));
            kinds.put("qemu-img create -f qcow2 -b (process per op)", i -> exec(qemuDir, "qemu-img", "create", "-q",
                    "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "c" + i + ".qcow2"));
            kinds.put("spawn /bin/true from this JVM (start-up floor)", i -> exec(qemuDir, "/bin/true"));
            kinds.put("what-if: full path's file work, earlier 5-force order", i -> SyncWhatIf.driverOrder(
                    sr.file(orderSources.get(i % pool))));
            kinds.put("what-if: full path's file work, batched (driver now)", i -> SyncWhatIf.batched(
                    sr.file(batchedSources.get(i % pool))));
            kinds.keySet().forEach(k -> stats.put(k, new Stats(k)));

            List<String> order = new ArrayList<>(kinds.keySet());
            Random random = new Random(42);
            for (int round = 0; round < total; round++) {
                // Untimed: make the full-path sources differ from their parents, so no shortcut applies.
                if (round >= pool) {
                    BenchSr.writeOneSector(sr.file(driverSources.get(round % pool)), round);
                    BenchSr.writeOneSector(gw.file(engineSources.get(round % pool)), round);
                    BenchSr.writeOneSector(sr.file(orderSources.get(round % pool)), round);
                    BenchSr.writeOneSector(sr.file(batchedSources.get(round % pool)), round);
                }
                Collections.shuffle(order, random);
                for (String kind : order) {
                    long t0 = System.nanoTime();
                    kinds.get(kind).run(round);
                    long dt = System.nanoTime() - t0;
                    if (round >= warmup) {
                        stats.get(kind).add(dt);
                    }
                }
            }
            report(stats, depthPerSource);
        }
    }

    /**
     * Untimed clones before the interleaved rounds, so that the engine's figures describe a gateway in steady state
     * rather than the JIT compiling its hot path: a few dozen rounds leave the compiler busy for thousands of clones.
     */
    static void warmUp(InProcessGateway gw, String unchangedSource, int clones) {
        long started = System.nanoTime();
        for (int i = 0; i < clones; i++) {
            gw.cloneVdi(unchangedSource, "warm" + i);
        }
        System.out.printf("engine warm-up: %d untimed clones in %.1f s%n", clones, (System.nanoTime() - started) / 1e9);
    }

    private static void report(Map<String, Stats> stats, int depthPerSource) {
        List<Stats> s = new ArrayList<>(stats.values());
        Stats driverShort = s.get(0);
        Stats driverFull = s.get(1);
        Stats engineShort = s.get(2);
        Stats engineFull = s.get(3);
        Stats qemu = s.get(4);
        Stats spawn = s.get(5);
        Stats order = s.get(6);
        Stats batched = s.get(7);
        System.out.println();
        System.out.println("P1 clone latency, 10 GiB disk (full path: source chains grow to depth " + (depthPerSource + 1)
                + ")");
        s.forEach(x -> System.out.println("  " + x.row()));
        System.out.println();
        System.out.println("Ratios (p50 / p50, same run):");
        ratio("qemu-img / driver shortcut", qemu, driverShort);
        ratio("qemu-img / driver full", qemu, driverFull);
        ratio("qemu-img / engine shortcut", qemu, engineShort);
        ratio("qemu-img / engine full", qemu, engineFull);
        ratio("engine full / driver full (gateway overhead x)", engineFull, driverFull);
        System.out.printf("  %-48s %8.3f ms%n", "engine − driver, full (p50 difference)", engineFull.p50() - driverFull.p50());
        System.out.printf("  %-48s %8.3f ms%n", "qemu-img − spawn floor (p50 difference)", qemu.p50() - spawn.p50());
        ratio("what-if: earlier 5-force order / batched", order, batched);
        System.out.println("Against vhd-util snapshot's published ~3.6 ms/op (reference §4, another 2-vCPU machine; "
                + "not runnable here):");
        System.out.printf("  %-48s %8.2f%n", "engine full p50 / 3.6 ms", engineFull.p50() / VHD_UTIL_SNAPSHOT_MS);
        System.out.printf("  %-48s %8.2f%n", "engine shortcut p50 / 3.6 ms", engineShort.p50() / VHD_UTIL_SNAPSHOT_MS);
        System.out.printf("  %-48s %8.2f%n", "driver full p50 / 3.6 ms", driverFull.p50() / VHD_UTIL_SNAPSHOT_MS);
        System.out.printf("  machines: qemu-img -b here p50 %.1f ms vs %.0f ms on the reference machine (x%.2f)%n",
                qemu.p50(), REFERENCE_QEMU_MS, qemu.p50() / REFERENCE_QEMU_MS);

        rec("P1.driver.shortcut", driverShort);
        rec("P1.driver.full", driverFull);
        rec("P1.engine.shortcut", engineShort);
        rec("P1.engine.full", engineFull);
        rec("P1.qemu-img", qemu);
        rec("P1.spawn-true", spawn);
        rec("P1.whatif.sync-order", order);
        rec("P1.whatif.sync-batched", batched);
        Results.record("P1.ratio.qemu/engine.full.p50", qemu.p50() / engineFull.p50(), "x", "same run");
        Results.record("P1.ratio.qemu/engine.shortcut.p50", qemu.p50() / engineShort.p50(), "x", "same run");
        Results.record("P1.ratio.qemu/driver.full.p50", qemu.p50() / driverFull.p50(), "x", "same run");
        Results.record("P1.ratio.engine.full/vhd-util-3.6ms", engineFull.p50() / VHD_UTIL_SNAPSHOT_MS, "x",
                "published figure, other machine");
        Results.record("P1.ratio.driver.full/vhd-util-3.6ms", driverFull.p50() / VHD_UTIL_SNAPSHOT_MS, "x",
                "published figure, other machine");
    }

    private static void rec(String key, Stats s) {
        Results.record(key + ".p50", s.p50(), "ms", s.label().trim());
        Results.record(key + ".p99", s.p99(), "ms", s.label().trim());
    }

    private static void ratio(String label, Stats a, Stats b) {
        System.out.printf("  %-48s %8.2f x%n", label, a.p50() / b.p50());
    }

    static void exec(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    interface Op {
        void run(int round) throws Exception;
    }
}
