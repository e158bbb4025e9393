package org.storagegateway.bench;

import java.util.Arrays;
import java.util.List;

/** Latency samples in nanoseconds, with nearest-rank percentiles. */
final class Stats {
    private final String label;
    private long[] samples = new long[64];
    private int count;

    Stats(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
    }

    void addAll(List<Long> nanos) {
        nanos.forEach(this::add);
    }

    void reset() {
        count = 0;
    }

    int count() {
        return count;
    }

    /** Nearest-rank percentile, p in (0, 100], in milliseconds. */
    double pct(double p) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))] / 1e6;
    }

    double p50() {
        return pct(50);
    }

    double p99() {
        return pct(99);
    }

    double meanMs() {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += samples[i];
        }
        return count == 0 ? Double.NaN : sum / count / 1e6;
    }

    String row() {
        return String.format("%-58s %5d  p50 %8.3f  p90 %8.3f  p99 %8.3f  max %8.3f ms", label, count, p50(), pct(90),
                p99(), pct(100));
    }
}
