package org.storagegateway.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;
import org.storagegateway.vhd.WriteOrdering;

/**
 * P6 coalesce: the file SR's garbage collection merging a leaf's own data into its hidden parent ({@code
 * collectGarbage}, which runs {@code VhdCoalesce}), against a plain {@code cp} of the same leaf file on the same disk
 * followed by {@code sync} of the copy, so both end durable. Each round builds a fresh chain (a 10 GiB VDI is cloned,
 * the clone deleted, and {@code bench.coalesceMiB} of data written into the source's new leaf in full 2 MiB blocks),
 * then times both, in alternating order. Before each timing the machine's dirty pages are flushed and the file to be
 * read is read once, untimed: both start with their source in the page cache and nothing else to write back. Each
 * round's ratio is printed with the load average; the figure is the median of the rounds' ratios. Goal: coalesce at
 * 80 % or more of cp's throughput.
 */
public final class CoalesceBench {
    private static final long MIB = 1L << 20;
    private static final int BLOCK = 2 * (int) MIB;

    public static void main(String[] args) throws Exception {
        int mib = Results.intProperty("bench.coalesceMiB", 512);
        int rounds = Results.intProperty("bench.coalesceRounds", 3);
        Path root = Files.createTempDirectory(Results.tmpRoot(), "coalesce-bench-");
        try {
            System.out.printf("P6 coalesce: %d MiB of a leaf's own data merged into its hidden parent, %d rounds "
                    + "(+1 warm-up), beside cp + sync of the leaf file; scratch in %s%n", mib, rounds, root);
            List<Double> coalesceRates = new ArrayList<>();
            List<Double> cpRates = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int round = -1; round < rounds; round++) {
                BenchSr sr = new BenchSr(root.resolve("round" + (round + 1))).create();
                Path leaf = chainWithDataInTheLeaf(sr, mib, round);
                long leafBytes = Files.size(leaf);
                double coalesce;
                double cp;
                if (Math.floorMod(round, 2) == 0) {
                    cp = timedCopy(leaf, leafBytes);
                    coalesce = timedCoalesce(sr, leaf);
                } else {
                    coalesce = timedCoalesce(sr, leaf);
                    cp = timedCopy(leaf, leafBytes);
                }
                if (round >= 0) {
                    coalesceRates.add(coalesce);
                    cpRates.add(cp);
                    ratios.add(coalesce / cp);
                    System.out.printf(Locale.ROOT, "  round %d: coalesce %.0f MiB/s, cp + sync %.0f MiB/s, ratio %.2f"
                            + " (%s first; load average %s)%n", round + 1, coalesce, cp, coalesce / cp,
                            Math.floorMod(round, 2) == 0 ? "cp" : "coalesce", loadAverage());
                }
                Results.deleteTree(sr.location);
            }
            double coalesce = median(coalesceRates);
            double cp = median(cpRates);
            double ratio = median(ratios);
            System.out.printf(Locale.ROOT, "  median: coalesce %.0f MiB/s, cp + sync %.0f MiB/s; rounds' ratios %s,"
                    + " median %.2f (goal >= 0.80)%n", coalesce, cp,
                    ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList(), ratio);
            Results.record("P6.coalesce.rate", coalesce, "MiB/s", mib + " MiB, median of " + rounds + " rounds");
            Results.record("P6.cp.rate", cp, "MiB/s", "cp + sync of the leaf file, same rounds");
            Results.record("P6.ratio.coalesce/cp", ratio, "x", "median of the rounds' ratios " + ratios.stream()
                    .map(r -> String.format(Locale.ROOT, "%.2f", r)).toList() + "; goal >= 0.8");
        } finally {
            Results.deleteTree(root);
        }
    }

    /** A 10 GiB VDI cloned (its clone then deleted), {@code mib} MiB written into its new leaf; returns the leaf. */
    private static Path chainWithDataInTheLeaf(BenchSr sr, int mib, int round) throws Exception {
        String source = sr.createVdi(10 * BenchSr.GIB);
        CloneResult copy = sr.cloneVdi(source);
        sr.view().deleteVdi(copy.created().uuid());
        Path leaf = sr.file(source);
        byte[] data = new byte[BLOCK];
        new Random(round).nextBytes(data);
        try (VhdChain chain = VhdChain.open(leaf, OpenMode.READ_WRITE, WriteOrdering.RELAXED)) {
            for (long offset = 0; offset < mib * MIB; offset += BLOCK) {
                data[0] = (byte) offset;
                chain.write(offset, data, 0, BLOCK);
            }
            chain.flush();
        }
        CloneBench.exec(sr.folder(), "sync");
        return leaf;
    }

    /** Collect garbage: the one coalesce there is. Returns MiB/s of the leaf's data merged. */
    private static double timedCoalesce(BenchSr sr, Path leaf) throws IOException {
        settle(leaf);
        long t0 = System.nanoTime();
        GarbageCollectionReport report = sr.view().collectGarbage(new GarbageCollectionLimits(Long.MAX_VALUE, 1));
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (report.coalesced() != 1 || report.bytesCopied() == 0) {
            throw new IllegalStateException("expected one coalesce, got " + report);
        }
        CloneBench.exec(sr.folder(), "sync");
        return report.bytesCopied() / (double) MIB / seconds;
    }

    /** cp the leaf file and sync the copy. Returns MiB/s of the file's bytes. */
    private static double timedCopy(Path leaf, long bytes) throws IOException {
        Path copy = leaf.resolveSibling("cp-anchor.bin");
        settle(leaf);
        long t0 = System.nanoTime();
        CloneBench.exec(leaf.getParent(), "sh", "-c", "cp -- \"$1\" \"$2\" && sync -- \"$2\"", "cp", leaf.toString(),
                copy.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        Files.delete(copy);
        CloneBench.exec(leaf.getParent(), "sync");
        return bytes / (double) MIB / seconds;
    }

    /** Write back every dirty page, then read {@code source} once so that it is in the page cache. */
    private static void settle(Path source) throws IOException {
        CloneBench.exec(source.getParent(), "sync");
        try (InputStream in = Files.newInputStream(source)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
