package org.storagegateway.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/** CPU time over a phase: the whole machine (/proc/stat), this JVM, and a set of child processes. */
final class CpuMeter {
    private final LongSupplier childrenMillis;
    private long machineBusy0;
    private long machineTotal0;
    private long jvm0;
    private long children0;
    private long wall0;

    CpuMeter(LongSupplier childrenMillis) {
        this.childrenMillis = childrenMillis;
    }

    static CpuMeter of(List<ZeepProcess> clients) {
        return new CpuMeter(() -> clients.stream().mapToLong(ZeepProcess::cpuMillis).sum());
    }

    void start() {
        long[] m = machine();
        machineBusy0 = m[0];
        machineTotal0 = m[1];
        jvm0 = jvmNanos();
        children0 = childrenMillis.getAsLong();
        wall0 = System.nanoTime();
    }

    /** Return a one-line account of CPU use per op since {@link #start()}; also recorded under {@code key} if given. */
    String stop(String key, int ops) {
        long[] m = machine();
        double wallMs = (System.nanoTime() - wall0) / 1e6;
        double cores = Runtime.getRuntime().availableProcessors();
        double machineMs = (m[0] - machineBusy0) * 10.0; // jiffies of 10 ms
        double totalMs = (m[1] - machineTotal0) * 10.0;
        double jvmMs = (jvmNanos() - jvm0) / 1e6;
        double childMs = childrenMillis.getAsLong() - children0;
        double otherMs = Math.max(0, machineMs - jvmMs - childMs);
        if (key != null) {
            Results.record(key + ".cpu.gateway", jvmMs / ops, "ms/op", "gateway JVM CPU per clone");
            Results.record(key + ".cpu.clients", childMs / ops, "ms/op", "client processes CPU per clone");
            Results.record(key + ".cpu.other", otherMs / ops, "ms/op", "other processes on the machine");
            Results.record(key + ".cpu.machine-busy", totalMs == 0 ? 0 : 100.0 * machineMs / totalMs, "%",
                    "all " + (int) cores + " cores");
        }
        return String.format("CPU per clone: gateway JVM %.2f ms, client processes %.2f ms, other processes %.2f ms; "
                + "machine busy %.0f%% of %d cores over %.1f s", jvmMs / ops, childMs / ops, otherMs / ops,
                totalMs == 0 ? 0 : 100.0 * machineMs / totalMs, (int) cores, wallMs / 1e3);
    }

    private static long jvmNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** {busy, total} jiffies of all CPUs. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
