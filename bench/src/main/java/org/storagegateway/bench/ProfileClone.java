package org.storagegateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jdk.jfr.Recording;

/**
 * Where the time of one clone goes: sequential clones (driver alone, then the engine; shortcut and full path) under
 * Flight Recorder, one recording per kind. For each kind it prints, per clone: wall time, CPU time of the calling
 * thread (the engine runs the task on the caller's thread), time spent in file forces and writes (JFR events, exact),
 * GC pauses, and what is left, which is time spent waiting for a CPU on a busy machine. Then {@link JfrTop}'s tables.
 * Untimed preparation (writing a sector into the next source) runs on another thread, outside the profile.
 */
public final class ProfileClone {
    public static void main(String[] args) throws Exception {
        int ops = Results.intProperty("bench.ops", 200);
        Path root = Files.createTempDirectory(Results.tmpRoot(), "profile-clone-");
        String jfrDir = System.getProperty("bench.jfrDir");
        Path out = jfrDir == null ? root : Files.createDirectories(Path.of(jfrDir));
        ExecutorService helper = Executors.newSingleThreadExecutor(r -> new Thread(r, "bench-prepare"));
        try {
            BenchSr sr = new BenchSr(root.resolve("driver")).create();
            String golden = sr.createVdi(CloneBench.SIZE);
            sr.cloneVdi(golden);
            int pool = ops / 10 + 1;
            List<String> driverSources = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                driverSources.add(sr.createVdi(CloneBench.SIZE));
            }
            try (InProcessGateway gw = InProcessGateway.start(root.resolve("home"))) {
                String engineGolden = gw.createVdi("golden", CloneBench.SIZE);
                gw.cloneVdi(engineGolden, "first");
                List<String> engineSources = new ArrayList<>();
                for (int i = 0; i < pool; i++) {
                    engineSources.add(gw.createVdi("s" + i, CloneBench.SIZE));
                }
                for (int i = 0; i < 100; i++) { // JIT warm-up on both paths
                    sr.cloneVdi(golden);
                    gw.cloneVdi(engineGolden, "w" + i);
                }
                // Simple timers: what one read-only gateway transaction costs, to set against the clone.
                Stats read = new Stats("engine getVirtualDisk (1 read-only Derby/Hibernate transaction)");
                for (int i = 0; i < 300; i++) {
                    long t0 = System.nanoTime();
                    gw.ops().getVirtualDisk(engineGolden);
                    read.add(System.nanoTime() - t0);
                }
                System.out.println("  " + read.row());

                profile(out, helper, "driver-shortcut", ops, i -> sr.cloneVdi(golden), i -> { });
                profile(out, helper, "driver-full", ops, i -> sr.cloneVdi(driverSources.get(i % pool)),
                        i -> BenchSr.writeOneSector(sr.file(driverSources.get(i % pool)), i));
                profile(out, helper, "engine-shortcut", ops, i -> gw.cloneVdi(engineGolden, "c" + i), i -> { });
                profile(out, helper, "engine-full", ops, i -> gw.cloneVdi(engineSources.get(i % pool), "f" + i),
                        i -> BenchSr.writeOneSector(gw.file(engineSources.get(i % pool)), i));
            }
        } finally {
            helper.shutdownNow();
            Results.deleteTree(root.resolve("driver"));
            Results.deleteTree(root.resolve("home"));
            if (jfrDir == null) {
                Results.deleteTree(root);
            }
        }
    }

    private static void profile(Path out, ExecutorService helper, String name, int ops, CloneBench.Op op,
            CloneBench.Op prepare) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Stats stats = new Stats(name);
        long cpu = 0;
        long user = 0;
        Recording recording = JfrTop.start(name);
        for (int i = 0; i < ops; i++) {
            if (i > 0) {
                int round = i;
                helper.submit(() -> {
                    prepare.run(round);
                    return null;
                }).get();
            }
            long c0 = threads.getCurrentThreadCpuTime();
            long u0 = threads.getCurrentThreadUserTime();
            long t0 = System.nanoTime();
            op.run(i);
            stats.add(System.nanoTime() - t0);
            cpu += threads.getCurrentThreadCpuTime() - c0;
            user += threads.getCurrentThreadUserTime() - u0;
        }
        recording.stop();
        Path file = out.resolve(name + ".jfr");
        recording.dump(file);
        recording.close();
        System.out.printf("%n== %s: %d sequential clones, p50 %.2f ms%n", name, ops, stats.p50());
        double wall = stats.meanMs();
        double cpuMs = cpu / 1e6 / ops;
        double userMs = user / 1e6 / ops;
        JfrTop.Totals t = JfrTop.print(file, ops, "main", userMs, System.out);
        System.out.printf("  -- per clone (mean): wall %.2f ms = user CPU %.2f + system CPU %.2f (calling thread) + "
                + "file force/write waits %.2f + GC pauses %.2f + lock/monitor waits %.2f + rest (runnable, waiting "
                + "for a core) %.2f ms%n", wall, userMs, cpuMs - userMs, t.ioWait(), t.gcPause(), t.blocked(),
                wall - cpuMs - t.ioWait() - t.gcPause() - t.blocked());
        Results.record("profile." + name + ".wall", wall, "ms/op", "mean, sequential, under JFR");
        Results.record("profile." + name + ".p50", stats.p50(), "ms", "sequential, under JFR");
        Results.record("profile." + name + ".cpu", cpuMs, "ms/op", "CPU time of the calling thread");
        Results.record("profile." + name + ".user", userMs, "ms/op", "user CPU time of the calling thread");
        Results.record("profile." + name + ".io-wait", t.ioWait(), "ms/op", "file force/write/read events");
    }
}
