package org.storagegateway.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;
import org.storagegateway.vhd.VhdImage;
import org.storagegateway.vhd.nbd.NbdServer;
import org.storagegateway.vhd.nbd.VhdChainExport;

/**
 * P2: our NBD datapath against qemu-nbd on the same data, with QEMU's {@code qemu-img bench} as the one client of
 * all three servers over {@code nbd+unix://}.
 *
 * <ul>
 *   <li>{@code ours}: the gateway's NBD server (in this JVM) on a VHD chain, an empty differencing leaf over a dynamic
 *       base that holds the data: reads go through the chain, writes copy-on-write into the leaf.</li>
 *   <li>{@code qemu-nbd raw}: {@code qemu-nbd -f raw} on a raw file with the same data.</li>
 *   <li>{@code qemu-nbd qcow2+backing}: {@code qemu-nbd -f qcow2} on an empty overlay whose backing file holds the
 *       data, the qcow2 twin of our chain.</li>
 * </ul>
 *
 * <p>Workloads: sequential 1 MiB (two passes over the disk) and 4 KiB "random" (a large prime stride over the whole
 * disk), read and write, each with 16 requests in flight. Writes start on a fresh leaf or overlay every round, so they
 * pay copy-on-write and allocation (the sequential writes' second pass overwrites). Servers run in a shuffled order within each round; the median of the rounds is reported, and ratios are
 * ours / qemu-nbd throughput (above 1: ours is faster). The page cache holds all data: this measures the datapath.
 */
public final class NbdBench {
    private static final Pattern COMPLETED = Pattern.compile("Run completed in ([0-9.]+) seconds");
    private static final long MIB = 1 << 20;

    private final Path dir;
    private final long size;
    private final int rounds;
    private final Path baseVhd;
    private final Path leafVhd;
    private final Path raw;
    private final Path baseQcow2;
    private final Path overlay;

    private NbdBench(Path dir, long size, int rounds) {
        this.dir = dir;
        this.size = size;
        this.rounds = rounds;
        this.baseVhd = dir.resolve("base.vhd");
        this.leafVhd = dir.resolve("leaf.vhd");
        this.raw = dir.resolve("data.raw");
        this.baseQcow2 = dir.resolve("base.qcow2");
        this.overlay = dir.resolve("overlay.qcow2");
    }

    /** A workload: qemu-img bench arguments and the bytes it moves. */
    private record Workload(String name, boolean write, int requestSize, int count, long step) {
        long bytes() {
            return (long) requestSize * count;
        }
    }

    public static void main(String[] args) throws Exception {
        long size = Results.intProperty("bench.nbdMib", 512) * MIB;
        int rounds = Results.intProperty("bench.rounds", 5);
        Path dir = Files.createTempDirectory(Results.tmpRoot(), "nbd-bench");
        try {
            new NbdBench(dir, size, rounds).run();
        } finally {
            Results.deleteTree(dir);
        }
    }

    private void run() throws Exception {
        prepareData();
        // A prime number of 4 KiB pages as the stride visits every page of the disk in a scattered order.
        long stride = 104_729L * 4096;
        List<Workload> workloads = List.of(
                new Workload("seq-read-1M", false, (int) MIB, (int) (2 * size / MIB), MIB),
                new Workload("seq-write-1M", true, (int) MIB, (int) (2 * size / MIB), MIB),
                new Workload("rand-read-4k", false, 4096, 40_000, stride),
                new Workload("rand-write-4k", true, 4096, 20_000, stride));
        String only = System.getProperty("bench.nbdWorkloads", "");
        if (!only.isBlank()) {
            List<String> wanted = List.of(only.split(","));
            workloads = workloads.stream().filter(w -> wanted.contains(w.name)).toList();
        }
        List<String> servers = List.of("ours", "qemu-nbd raw", "qemu-nbd qcow2+backing");
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        Random shuffle = new Random(42);
        for (int round = 0; round <= rounds; round++) {
            for (Workload workload : workloads) {
                List<String> order = new ArrayList<>(servers);
                Collections.shuffle(order, shuffle);
                for (String server : order) {
                    double s = measure(server, workload);
                    System.out.printf(Locale.ROOT, "  round %d %-13s %-23s %.3f s%n", round, workload.name, server, s);
                    if (round > 0) {
                        // Round 0 warms the JIT and the page cache.
                        seconds.computeIfAbsent(workload.name + "|" + server, k -> new ArrayList<>()).add(s);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "round %d/%d done%n", round, rounds);
        }
        report(workloads, servers, seconds);
    }

    private void prepareData() throws Exception {
        // Data in every 4 KiB page, the same bytes in all three layouts.
        sh("qemu-img", "create", "-q", "-f", "raw", raw.toString(), Long.toString(size));
        sh("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 " + size, raw.toString());
        sh("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), baseQcow2.toString());
        VhdImage.createDynamic(baseVhd, size, UUID.randomUUID());
        try (VhdChain chain = VhdChain.open(baseVhd, OpenMode.READ_WRITE);
                var in = Files.newInputStream(raw)) {
            byte[] buffer = new byte[(int) MIB];
            for (long offset = 0; offset < size; offset += MIB) {
                in.readNBytes(buffer, 0, buffer.length);
                chain.write(offset, buffer, 0, buffer.length);
            }
            chain.flush();
        }
        System.out.printf(Locale.ROOT, "data: %d MiB in raw, qcow2 base and VHD base; scratch %s%n", size / MIB, dir);
    }

    /**
     * Serve fresh, run one qemu-img bench, stop; returns the seconds qemu-img reports for the I/O. Dirty pages of the
     * previous measurement are written back first, so that its writeback does not slow this one.
     */
    private double measure(String server, Workload workload) throws Exception {
        sh("sync");
        Path socket = dir.resolve("bench.sock");
        String uri = "nbd+unix:///bench?socket=" + socket;
        List<String> bench = new ArrayList<>(List.of("qemu-img", "bench", "-f", "raw", "-c",
                Integer.toString(workload.count), "-d", "16", "-s", Integer.toString(workload.requestSize), "-S",
                Long.toString(workload.step)));
        if (workload.write) {
            bench.add("-w");
            bench.add("--pattern=165");
        }
        bench.add(uri);
        if (server.equals("ours")) {
            Files.deleteIfExists(leafVhd);
            VhdImage.createDifferencing(leafVhd, baseVhd, UUID.randomUUID());
            try (VhdChainExport export = VhdChainExport.open("bench", leafVhd, false);
                    NbdServer nbd = NbdServer.start(socket, export)) {
                return completed(sh(bench.toArray(String[]::new)));
            }
        }
        List<String> qemuNbd = new ArrayList<>(List.of("qemu-nbd", "-x", "bench", "-k", socket.toString(), "-t",
                "--cache=writeback"));
        if (server.equals("qemu-nbd raw")) {
            qemuNbd.addAll(List.of("-f", "raw", raw.toString()));
        } else {
            Files.deleteIfExists(overlay);
            sh("qemu-img", "create", "-q", "-f", "qcow2", "-b", baseQcow2.toString(), "-F", "qcow2",
                    overlay.toString());
            qemuNbd.addAll(List.of("-f", "qcow2", overlay.toString()));
        }
        Files.deleteIfExists(socket);
        Process process = new ProcessBuilder(qemuNbd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu-nbd.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(socket)) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("qemu-nbd did not start: " + Files.readString(dir.resolve(
                            "qemu-nbd.log")));
                }
                Thread.sleep(5);
            }
            return completed(sh(bench.toArray(String[]::new)));
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void report(List<Workload> workloads, List<String> servers, Map<String, List<Double>> seconds) {
        System.out.println();
        System.out.printf(Locale.ROOT, "| workload | %s | ours / qemu-nbd raw | ours / qemu-nbd qcow2+backing |%n",
                String.join(" | ", servers));
        System.out.println("|---|---|---|---|---|---|");
        for (Workload workload : workloads) {
            StringBuilder row = new StringBuilder("| " + workload.name + " | ");
            Map<String, Double> throughput = new LinkedHashMap<>();
            for (String server : servers) {
                double median = median(seconds.get(workload.name + "|" + server));
                double mibPerSecond = workload.bytes() / (double) MIB / median;
                throughput.put(server, mibPerSecond);
                row.append(workload.requestSize >= MIB
                        ? String.format(Locale.ROOT, "%.0f MiB/s", mibPerSecond)
                        : String.format(Locale.ROOT, "%.0f IOPS", workload.count / median)).append(" | ");
                Results.record("nbd." + workload.name + "." + server.replace(' ', '-'), mibPerSecond, "MiB/s",
                        "median of " + rounds + " rounds, qemu-img bench -d 16");
            }
            double vsRaw = throughput.get("ours") / throughput.get("qemu-nbd raw");
            double vsQcow2 = throughput.get("ours") / throughput.get("qemu-nbd qcow2+backing");
            row.append(String.format(Locale.ROOT, "%.2f | %.2f |", vsRaw, vsQcow2));
            Results.record("nbd." + workload.name + ".ratio-raw", vsRaw, "x", "ours / qemu-nbd raw throughput");
            Results.record("nbd." + workload.name + ".ratio-qcow2", vsQcow2, "x",
                    "ours / qemu-nbd qcow2+backing throughput");
            System.out.println(row);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double completed(String output) {
        Matcher m = COMPLETED.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("qemu-img bench printed no time:\n" + output);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }
}
