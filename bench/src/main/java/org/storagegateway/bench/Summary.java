package org.storagegateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The summary table of bench/run.sh: reads the figures the benchmarks appended ({@code key value unit note}, tab
 * separated) and JMH's CSV, and prints one Markdown table. Figures that were not measured are left out.
 *
 * <p>{@code Summary RESULTS_TSV [JMH_CSV]}
 */
public final class Summary {
    private final Map<String, Double> v = new HashMap<>();
    private final StringBuilder out = new StringBuilder();

    public static void main(String[] args) throws IOException {
        Summary s = new Summary();
        s.load(Path.of(args[0]));
        if (args.length > 1 && Files.exists(Path.of(args[1]))) {
            s.loadJmh(Path.of(args[1]));
        }
        s.print();
        System.out.print(s.out);
    }

    private void load(Path tsv) throws IOException {
        if (!Files.exists(tsv)) {
            return;
        }
        for (String line : Files.readAllLines(tsv)) {
            String[] f = line.split("\t");
            if (f.length >= 2) {
                v.put(f[0], Double.parseDouble(f[1]));
            }
        }
    }

    /** JMH CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: durable",... */
    private void loadJmh(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        if (lines.isEmpty()) {
            return;
        }
        String[] header = split(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = split(line);
            StringBuilder key = new StringBuilder("jmh." + f[0].substring(f[0].lastIndexOf('.', f[0].indexOf(':') < 0
                    ? f[0].length() : f[0].indexOf(':')) + 1));
            for (int i = 7; i < f.length && i < header.length; i++) {
                if (!f[i].isEmpty()) {
                    key.append('.').append(f[i]);
                }
            }
            v.put(key.toString(), Double.parseDouble(f[4]));
        }
    }

    private static String[] split(String csvLine) {
        return csvLine.replace("\"", "").split(",", -1);
    }

    private void print() {
        out.append("| Figure | This run | Side by side, same run | Ratio | Goal / anchor |\n");
        out.append("|---|---|---|---|---|\n");
        row("P1 clone 10 GiB, driver alone, shortcut (reuse parent)", ms("P1.driver.shortcut"), "", "", "");
        row("P1 clone 10 GiB, driver alone, full double snapshot", ms("P1.driver.full"), "", "",
                "vhd-util snapshot ~3.6 ms (published): " + f("P1.ratio.driver.full/vhd-util-3.6ms", "%.1f x"));
        row("P1 clone 10 GiB, engine in process, shortcut, DB commit incl.", ms("P1.engine.shortcut"),
                "qemu-img -b " + ms("P1.qemu-img"), x("P1.ratio.qemu/engine.shortcut.p50", "qemu/ours"), "");
        row("P1 clone 10 GiB, engine in process, full, DB commit incl.", ms("P1.engine.full"),
                "qemu-img -b " + ms("P1.qemu-img"), x("P1.ratio.qemu/engine.full.p50", "qemu/ours"),
                "p50 <= 3.6 ms (vhd-util): " + f("P1.ratio.engine.full/vhd-util-3.6ms", "%.1f x the anchor"));
        row("P1 what-if: the full path's file work, syncs batched as the driver now does (library + NIO, no driver checks)",
                ms("P1.whatif.sync-batched"), "same files in the earlier 5-force order " + ms("P1.whatif.sync-order"),
                "", "");
        row("P1 qemu-img create -b, process per op (from the JVM / from bash)", ms("P1.qemu-img"),
                one("P1.qemu-img.bash.p50", "bash loop p50 %.1f ms") + "; spawn floor " + one("P1.spawn-true.p50",
                        "%.1f ms (JVM)") + ", " + one("P1.spawn-true.bash", "%.1f ms (bash)"), "",
                "~19 ms/op on the reference machine");
        row("P1 SOAP clone, 1 zeep client, shortcut", ms("P1.soap.zeep.shortcut"),
                "engine in process " + one("P1.soap.engine.shortcut.p50", "p50 %.1f ms") + "; Java HTTP client "
                        + one("P1.soap.raw.shortcut.p50", "p50 %.1f ms"),
                x("P1.soap.ratio.zeep/engine.p50", "zeep/engine"), "p50 <= 15 ms");
        row("P1 SOAP clone, 1 zeep client, full double snapshot", one("P1.soap.zeep.full.p50", "p50 %.1f ms"), "", "",
                "");
        row("P1 sustained clones/s, 8 zeep processes", rate("P1.soap.8zeep"),
                "8 Java HTTP clients " + one("P1.soap.8raw.rate", "%.0f/s") + "; 8 engine threads in process "
                        + one("P1.engine.8threads.rate", "%.0f/s"), "", ">= 300 clones/s");
        row("P1 CPU per clone, 8 zeep clients (gateway JVM / zeep processes / other processes)",
                one("P1.soap.8zeep.cpu.gateway", "%.1f ms") + " / " + one("P1.soap.8zeep.cpu.clients", "%.1f ms")
                        + " / " + one("P1.soap.8zeep.cpu.other", "%.1f ms"),
                "engine alone (8 threads) " + one("P1.engine.8threads.cpu.gateway", "%.1f ms") + "; machine busy "
                        + one("P1.soap.8zeep.cpu.machine-busy", "%.0f%%"), "",
                "300/s on 2 cores needs <= 6.7 ms CPU per clone, all processes");
        String files = one("P3.files", "%,.0f");
        row("P3 sr-scan, " + files + " VHDs, warm (median of runs)", one("P3.scan.warm.median", "%.0f ms"),
                "footer-only floor " + one("P3.floor.footer.warm.median", "%.0f ms") + "; 16-thread what-if "
                        + one("P3.whatif.parallel.warm.median", "%.0f ms"),
                x("P3.ratio.scan/footer-floor.warm", "scan/floor"),
                "<= 1 s for 10,000; vhd-util ~1.4 s per 1,001 VHDs, scaled: "
                        + f("P3.ratio.scan.warm/vhd-util-extrapolated", "%.2f x of it"));
        row("P3 sr-scan, " + files + " VHDs, cold (caches dropped)", one("P3.scan.cold.median", "%.0f ms"),
                "footer-only floor " + one("P3.floor.footer.cold.median", "%.0f ms") + "; 16-thread what-if "
                        + one("P3.whatif.parallel.cold.median", "%.0f ms"),
                x("P3.ratio.scan/footer-floor.cold", "scan/floor"), "<= 1 s for 10,000");
        row("P6 coalesce: GC merging a leaf's data into its parent (median MiB/s)", one("P6.coalesce.rate",
                "%.0f MiB/s"), "cp + sync of the same file, same rounds " + one("P6.cp.rate", "%.0f MiB/s"),
                one("P6.ratio.coalesce/cp", "%.2f x cp"), ">= 0.8 x cp");
        for (String kind : List.of("driver-shortcut", "driver-full", "engine-shortcut", "engine-full")) {
            String k = "profile." + kind;
            row("Profile, " + kind + " clone, sequential under JFR: mean wall = user CPU + system CPU + file waits "
                    + "+ rest", one(k + ".wall", "%.2f ms") + " = " + one(k + ".user", "%.2f") + " + "
                    + (v.containsKey(k + ".cpu") && v.containsKey(k + ".user")
                    ? String.format(Locale.ROOT, "%.2f", v.get(k + ".cpu") - v.get(k + ".user")) : "n/a")
                    + " + " + one(k + ".io-wait", "%.2f") + " + rest", one(k + ".p50", "p50 %.2f ms"), "", "");
        }
        row("JMH driver clone 10 GiB, p50 (shortcut / full)", one("jmh.clone10GiB:p0.50.shortcut", "%.2f ms")
                + " / " + one("jmh.clone10GiB:p0.50.full", "%.2f ms"), "", "", "");
        row("JMH createDifferencing 10 GiB, p50 (fsync / no fsync)",
                one("jmh.createDifferencingChild10GiB:p0.50.true", "%.0f µs") + " / "
                        + one("jmh.createDifferencingChild10GiB:p0.50.false", "%.0f µs"), "", "", "");
        row("JMH open + describe one 10 GiB VHD (avg)", one("jmh.openAndDescribe10GiB", "%.1f µs"),
                "footer only " + one("jmh.readFooterOnly", "%.1f µs"), "", "");
        row("JMH warm scan of 10,000 VHDs (avg of single shots)", one("jmh.scan10000VhdsWarm", "%.0f ms"), "", "",
                "<= 1 s");
    }

    private void row(String figure, String ours, String beside, String ratio, String goal) {
        if (ours.startsWith("n/a")) {
            return;
        }
        out.append("| ").append(figure).append(" | ").append(ours).append(" | ").append(beside).append(" | ")
                .append(ratio).append(" | ").append(goal).append(" |\n");
    }

    private String ms(String key) {
        return one(key + ".p50", "p50 %.2f") + ", " + one(key + ".p99", "p99 %.1f ms");
    }

    private String rate(String key) {
        return one(key + ".rate", "%.0f/s") + " (" + one(key + ".p50", "p50 %.0f") + ", " + one(key + ".p99",
                "p99 %.0f ms") + ")";
    }

    private String x(String key, String what) {
        return one(key, "%.2f x " + what);
    }

    private String f(String key, String format) {
        return one(key, format);
    }

    private String one(String key, String format) {
        Double d = v.get(key);
        return d == null ? "n/a" : String.format(Locale.ROOT, format, d);
    }
}
