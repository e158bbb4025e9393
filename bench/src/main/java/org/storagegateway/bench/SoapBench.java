package org.storagegateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jdk.jfr.Recording;

/**
 * P1 end to end: clones over SOAP/HTTPS, in one run, side by side.
 *
 * <ol>
 *   <li>Sequential latency, interleaved round by round: the engine in process, one python3-zeep client, one
 *       lightweight Java HTTP client; shortcut path (repeated clones of an unchanged source) and, for zeep, the full
 *       double snapshot (one sector written into the source between clones, untimed).</li>
 *   <li>Sustained clones/s with 8 concurrent clients, each cloning its own source: 8 zeep processes; then 8 Java HTTP
 *       clients; then 8 threads calling the engine in process. CPU is accounted per clone for the gateway JVM, the
 *       client processes and everything else on the machine.</li>
 * </ol>
 * With {@code -Dbench.jfrDir=DIR} the 8-zeep phase is recorded and broken down ({@link JfrTop}) for the gateway's
 * request threads.
 */
public final class SoapBench {
    static final int CLIENTS = 8;

    public static void main(String[] args) throws Exception {
        int rounds = Results.intProperty("bench.soapRounds", 200);
        int perClient = Results.intProperty("bench.perClient", 150);
        Path script = Path.of(System.getProperty("bench.soapClient",
                "../gateway-core/soap/src/test/python/soap_client.py")).toAbsolutePath();
        Path root = Files.createTempDirectory(Results.tmpRoot(), "soap-bench-");
        try (InProcessGateway gw = InProcessGateway.start(root.resolve("home"))) {
            System.out.printf("SOAP bench: gateway at %s; %d sequential rounds; %d clients x %d clones%n",
                    gw.runtime.wsdlUrl(), rounds, CLIENTS, perClient);
            sequential(gw, script, rounds);
            concurrent(gw, script, perClient);
        } finally {
            Results.deleteTree(root);
        }
    }

    private static String readySource(InProcessGateway gw, String name) {
        String uuid = gw.createVdi(name, CloneBench.SIZE);
        gw.cloneVdi(uuid, name + "-first"); // from now on an unchanged leaf: its clones take the shortcut
        return uuid;
    }

    private static void sequential(InProcessGateway gw, Path script, int rounds) throws Exception {
        int warmup = 20;
        String engineGolden = readySource(gw, "golden-engine");
        String zeepGolden = readySource(gw, "golden-zeep");
        String rawGolden = readySource(gw, "golden-raw");
        int pool = (rounds + warmup) / 10 + 1;
        List<String> fullSources = new ArrayList<>();
        for (int i = 0; i < pool; i++) {
            fullSources.add(gw.createVdi("full" + i, CloneBench.SIZE));
        }
        CloneBench.warmUp(gw, engineGolden, Results.intProperty("bench.engineWarmup", CloneBench.ENGINE_WARMUP));
        try (ZeepProcess zeep = new ZeepProcess(script, gw)) {
            RawSoapClient raw = new RawSoapClient(gw);
            long started = System.nanoTime();
            int soapWarmup = Results.intProperty("bench.soapWarmup", 1000);
            for (int i = 0; i < soapWarmup; i++) {
                raw.clone(rawGolden, "warm" + i);
            }
            System.out.printf("SOAP warm-up: %d untimed clones over HTTPS in %.1f s%n", soapWarmup,
                    (System.nanoTime() - started) / 1e9);
            Map<String, CloneBench.Op> kinds = new LinkedHashMap<>();
            Stats zeepShortcut = new Stats("SOAP zeep, shortcut (time measured by zeep around the call)");
            Stats zeepFull = new Stats("SOAP zeep, full double snapshot (1 sector written)");
            Stats zeepRoundTrip = new Stats("SOAP zeep, shortcut, incl. JSON-lines pipe (Java-side)");
            Stats raws = new Stats("SOAP Java HttpClient, shortcut (keep-alive)");
            Stats engine = new Stats("engine in process, shortcut");
            long[] zeepWall = new long[1];
            kinds.put("engine", i -> engine.add(timed(() -> gw.cloneVdi(engineGolden, "e" + i))));
            kinds.put("zeep", i -> {
                long t0 = System.nanoTime();
                double seconds = zeep.clone(zeepGolden, "z" + i);
                zeepWall[0] = System.nanoTime() - t0;
                zeepShortcut.add((long) (seconds * 1e9));
                zeepRoundTrip.add(zeepWall[0]);
            });
            kinds.put("zeepFull", i -> zeepFull.add((long) (zeep.clone(fullSources.get(i % pool), "zf" + i) * 1e9)));
            kinds.put("raw", i -> raws.add(timed(() -> raw.clone(rawGolden, "r" + i))));
            List<String> order = new ArrayList<>(kinds.keySet());
            Random random = new Random(7);
            for (int round = 0; round < warmup + rounds; round++) {
                if (round == warmup) {
                    List.of(zeepShortcut, zeepFull, zeepRoundTrip, raws, engine).forEach(Stats::reset);
                }
                if (round >= pool) {
                    BenchSr.writeOneSector(gw.file(fullSources.get(round % pool)), round);
                }
                Collections.shuffle(order, random);
                for (String kind : order) {
                    kinds.get(kind).run(round);
                }
            }
            System.out.println();
            System.out.println("P1 end-to-end clone latency, sequential, 10 GiB VHD (interleaved rounds):");
            for (Stats s : List.of(engine, raws, zeepShortcut, zeepRoundTrip, zeepFull)) {
                System.out.println("  " + s.row());
            }
            System.out.printf("  zeep shortcut p50 / engine p50: %.2f x;  zeep p50 − engine p50: %.2f ms;  "
                    + "goal p50 <= 15 ms: %s%n", zeepShortcut.p50() / engine.p50(), zeepShortcut.p50() - engine.p50(),
                    zeepShortcut.p50() <= 15 ? "met" : "NOT met");
            Results.record("P1.soap.zeep.shortcut.p50", zeepShortcut.p50(), "ms", "goal <= 15 ms");
            Results.record("P1.soap.zeep.shortcut.p99", zeepShortcut.p99(), "ms", "");
            Results.record("P1.soap.zeep.full.p50", zeepFull.p50(), "ms", "1 sector written between clones");
            Results.record("P1.soap.raw.shortcut.p50", raws.p50(), "ms", "Java HttpClient");
            Results.record("P1.soap.engine.shortcut.p50", engine.p50(), "ms", "same run, in process");
            Results.record("P1.soap.ratio.zeep/engine.p50", zeepShortcut.p50() / engine.p50(), "x", "same run");
        }
    }

    private static void concurrent(InProcessGateway gw, Path script, int perClient) throws Exception {
        int warmup = 10;
        // zeep: 8 processes, each its own JSON-lines driver and its own source
        List<ZeepProcess> zeeps = new ArrayList<>();
        try {
            List<String> sources = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                sources.add(readySource(gw, "zeep-client" + c));
                zeeps.add(new ZeepProcess(script, gw));
            }
            for (ZeepProcess z : zeeps) {
                z.exchange("listDrivers", Map.of()); // WSDL loaded, connection open
            }
            Phase zeepPhase = run("8 zeep processes", "P1.soap.8zeep", CpuMeter.of(zeeps), perClient, warmup,
                    (c, i) -> (long) (zeeps.get(c).clone(sources.get(c), "zc" + c + "-" + i) * 1e9));
            zeepPhase.record("P1.soap.8zeep", 300);
            String jfrDir = System.getProperty("bench.jfrDir");
            if (jfrDir != null) {
                // A separate, shorter phase under Flight Recorder, so the recording does not weigh on the figure.
                int profiled = Math.max(10, perClient / 4);
                double user0 = JfrTop.threadUserMillis("qtp.*");
                Recording recording = JfrTop.start("soap-8-zeep");
                Phase p = run("8 zeep processes, under JFR", null, CpuMeter.of(zeeps), profiled, 0,
                        (c, i) -> (long) (zeeps.get(c).clone(sources.get(c), "zp" + c + "-" + i) * 1e9));
                recording.stop();
                double userPerOp = (JfrTop.threadUserMillis("qtp.*") - user0) / p.ops;
                Path file = Files.createDirectories(Path.of(jfrDir)).resolve("soap-8-zeep.jfr");
                recording.dump(file);
                recording.close();
                System.out.printf("%n  where the gateway's request threads (Jetty qtp*) spend the time, 8 zeep clients, "
                        + "%d clones under JFR (%.0f clones/s):%n", p.ops, p.ops / p.seconds);
                JfrTop.print(file, p.ops, "qtp.*", userPerOp, System.out);
            }
        } finally {
            for (ZeepProcess z : zeeps) {
                z.close();
            }
        }

        // Java HttpClient: 8 threads, each its own client and source
        List<String> rawSources = new ArrayList<>();
        List<RawSoapClient> raws = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            rawSources.add(readySource(gw, "raw-client" + c));
            raws.add(new RawSoapClient(gw));
        }
        run("8 Java HttpClient threads", "P1.soap.8raw", new CpuMeter(() -> 0), perClient, warmup,
                (c, i) -> timed(() -> raws.get(c).clone(rawSources.get(c), "rc" + c + "-" + i)))
                .record("P1.soap.8raw", 300);

        // in process: 8 threads on the engine, no SOAP
        List<String> engineSources = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            engineSources.add(readySource(gw, "engine-thread" + c));
        }
        run("8 in-process threads (engine, no SOAP)", "P1.engine.8threads", new CpuMeter(() -> 0), perClient, warmup,
                (c, i) -> timed(() -> gw.cloneVdi(engineSources.get(c), "ec" + c + "-" + i)))
                .record("P1.engine.8threads", 300);
    }

    /** The outcome of one concurrent phase. */
    record Phase(String label, int ops, double seconds, Stats latency, String cpu) {
        void record(String key, double goal) {
            double rate = ops / seconds;
            System.out.printf("%n  %s: %d clones in %.2f s = %.0f clones/s (goal >= %.0f/s: %s)%n  %s%n  %s%n",
                    label, ops, seconds, rate, goal, rate >= goal ? "met" : "NOT met", latency.row(), cpu);
            Results.record(key + ".rate", rate, "clones/s", label + "; goal >= 300/s");
            Results.record(key + ".p50", latency.p50(), "ms", label);
            Results.record(key + ".p99", latency.p99(), "ms", label);
        }
    }

    @FunctionalInterface
    interface Call {
        long clone(int client, int i) throws Exception;
    }

    private static Phase run(String label, String key, CpuMeter cpu, int perClient, int warmup, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        CyclicBarrier start = new CyclicBarrier(CLIENTS + 1);
        CyclicBarrier end = new CyclicBarrier(CLIENTS + 1);
        List<Future<List<Long>>> results = new ArrayList<>();
        try {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < warmup; i++) {
                        call.clone(client, -1 - i);
                    }
                    List<Long> latencies = new ArrayList<>();
                    start.await();
                    try {
                        for (int i = 0; i < perClient; i++) {
                            latencies.add(call.clone(client, i));
                        }
                    } finally {
                        end.await();
                    }
                    return latencies;
                }));
            }
            start.await();
            cpu.start();
            long t0 = System.nanoTime();
            end.await();
            double seconds = (System.nanoTime() - t0) / 1e9;
            Stats latency = new Stats(label + ", per clone");
            for (Future<List<Long>> f : results) {
                latency.addAll(f.get());
            }
            String account = cpu.stop(key, latency.count());
            return new Phase(label, latency.count(), seconds, latency, account);
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    static long timed(Work work) throws Exception {
        long t0 = System.nanoTime();
        work.run();
        return System.nanoTime() - t0;
    }
}
