package org.storagegateway.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedObject;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time of an operation goes, from a Flight Recorder file: samples of the threads that run it (Java and
 * native, so fsync waits count), blocking events (park, monitor wait and enter), and every file force and write with
 * its duration. Divided by the number of operations, so the figures read as "per clone".
 *
 * <p>{@code java -cp ... org.storagegateway.bench.JfrTop FILE OPS THREAD_REGEX}
 */
public final class JfrTop {
    static final Duration SAMPLE_PERIOD = Duration.ofMillis(2);

    private JfrTop() {
    }

    /** Start a recording with samples every 2 ms and every file force/write, park and monitor event (no threshold). */
    static Recording start(String name) throws IOException, ParseException {
        return start(name, true);
    }

    /**
     * Start a recording; with {@code fileReads} false, file reads are left at the profile's 10 ms threshold (a scan
     * makes 60,000 of them, and recording each would weigh on what is measured).
     */
    static Recording start(String name, boolean fileReads) throws IOException, ParseException {
        Recording r = new Recording(Configuration.getConfiguration("profile"));
        r.setName(name);
        r.enable("jdk.ExecutionSample").withPeriod(SAMPLE_PERIOD);
        r.disable("jdk.NativeMethodSample"); // one native sample per period for the whole JVM: idle threads win it
        for (String e : List.of("jdk.FileForce", "jdk.FileWrite", "jdk.FileRead", "jdk.ThreadPark", "jdk.JavaExceptionThrow",
                "jdk.JavaMonitorWait", "jdk.JavaMonitorEnter", "jdk.SocketRead", "jdk.SocketWrite")) {
            if (fileReads || !e.equals("jdk.FileRead")) {
                r.enable(e).withThreshold(Duration.ZERO).withStackTrace();
            }
        }
        r.start();
        return r;
    }

    /** Per-op totals of the events of the selected threads, in milliseconds. */
    record Totals(double ioWait, double blocked, double gcPause) {
    }

    /** {@code JfrTop FILE OPS [THREAD_REGEX [CPU_MS_PER_OP]]}: without the CPU time, shares are shown as ms at the
     * nominal sampling period, which JFR does not always keep. */
    /** Sum of the user CPU time, in ms, of the live threads whose name matches (for a before/after difference). */
    static double threadUserMillis(String threadRegex) {
        Pattern p = Pattern.compile(threadRegex);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        double sum = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && p.matcher(t.getThreadName()).matches()) {
                long user = mx.getThreadUserTime(t.getThreadId());
                sum += Math.max(0, user) / 1e6;
            }
        }
        return sum;
    }

    public static void main(String[] args) throws IOException {
        print(Path.of(args[0]), Integer.parseInt(args[1]), args.length > 2 ? args[2] : ".*",
                args.length > 3 ? Double.parseDouble(args[3]) : Double.NaN, System.out);
    }

    /**
     * Print the tables and return the per-op event totals.
     *
     * @param userCpuMsPerOp measured user CPU time of the selected threads per op; the samples only split it
     */
    static Totals print(Path file, int ops, String threadRegex, double userCpuMsPerOp, java.io.PrintStream out)
            throws IOException {
        Pattern threads = Pattern.compile(threadRegex);
        Map<String, Integer> byComponent = new HashMap<>();
        Map<String, Integer> byTopFrame = new HashMap<>();
        Map<String, Integer> byPath = new HashMap<>();
        Map<String, double[]> io = new LinkedHashMap<>();
        Map<String, double[]> blocking = new HashMap<>();
        Map<String, Integer> exceptions = new HashMap<>();
        int samples = 0;
        double ioWait = 0;
        double blocked = 0;
        double gcPause = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.GCPhasePause")) {
                gcPause += e.getDuration().toNanos() / 1e6;
                continue;
            }
            RecordedThread thread = type.equals("jdk.ExecutionSample") || type.equals("jdk.NativeMethodSample")
                    ? e.getThread("sampledThread") : e.hasField("eventThread") ? e.getThread() : null;
            if (thread == null || thread.getJavaName() == null || !threads.matcher(thread.getJavaName()).matches()) {
                continue;
            }
            RecordedStackTrace stack = e.getStackTrace();
            if (stack != null && ownFrame(stack.getFrames()).startsWith("bench:")) {
                continue; // the harness itself (waiting for its helper thread, starting the recording)
            }
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    if (stack == null || stack.getFrames().isEmpty()) {
                        continue;
                    }
                    samples++;
                    List<RecordedFrame> frames = stack.getFrames();
                    String top = frame(frames.get(0));
                    byTopFrame.merge(top, 1, Integer::sum);
                    byComponent.merge(component(frames), 1, Integer::sum);
                    byPath.merge(ownFrame(frames) + "  →  " + top, 1, Integer::sum);
                }
                case "jdk.FileForce", "jdk.FileWrite", "jdk.FileRead" -> {
                    String path = e.getString("path");
                    String key = type.substring(4) + " " + pathKind(path) + " via " + (stack == null ? "?"
                            : ownFrame(stack.getFrames()));
                    double[] acc = io.computeIfAbsent(key, k -> new double[2]);
                    acc[0]++;
                    acc[1] += e.getDuration().toNanos() / 1e6;
                    ioWait += e.getDuration().toNanos() / 1e6;
                }
                case "jdk.JavaExceptionThrow" -> {
                    String thrower = "?";
                    if (stack != null) {
                        for (RecordedFrame f : stack.getFrames()) {
                            String cls = f.getMethod().getType().getName();
                            if (!cls.startsWith("java.lang.") && !f.getMethod().getName().equals("<init>")) {
                                thrower = frame(f);
                                break;
                            }
                        }
                    }
                    RecordedObject cls = e.getValue("thrownClass");
                    String name = cls == null ? "?" : e.getClass("thrownClass").getName();
                    exceptions.merge(name.substring(name.lastIndexOf('.') + 1) + " thrown in " + thrower + " (via "
                            + (stack == null ? "?" : ownFrame(stack.getFrames())) + ")", 1, Integer::sum);
                }
                case "jdk.ThreadPark", "jdk.JavaMonitorWait", "jdk.JavaMonitorEnter", "jdk.SocketRead",
                        "jdk.SocketWrite" -> {
                    String key = type.substring(4) + " via " + (stack == null ? "?" : ownFrame(stack.getFrames()));
                    double[] acc = blocking.computeIfAbsent(key, k -> new double[2]);
                    acc[0]++;
                    acc[1] += e.getDuration().toNanos() / 1e6;
                    blocked += e.getDuration().toNanos() / 1e6;
                }
                default -> {
                }
            }
        }
        int total = Math.max(1, samples);
        double msPerSample = Double.isNaN(userCpuMsPerOp) ? SAMPLE_PERIOD.toNanos() / 1e6
                : userCpuMsPerOp * ops / total;
        out.printf("  %d CPU samples of threads /%s/ running Java code, %d ops; the measured user CPU time is split by "
                + "sample share%n", samples, threadRegex, ops);
        out.println("  -- user CPU per op, by component (innermost library frame owns it):");
        top(byComponent, 12).forEach(en -> out.printf("     %6.2f ms  %5.1f%%  %s%n",
                en.getValue() * msPerSample / ops, 100.0 * en.getValue() / total, en.getKey()));
        out.println("  -- top CPU call sites (innermost gateway frame  →  leaf frame), ms per op:");
        top(byPath, 15).forEach(en -> out.printf("     %6.2f ms  %5.1f%%  %s%n",
                en.getValue() * msPerSample / ops, 100.0 * en.getValue() / total, en.getKey()));
        out.println("  -- file I/O events (all, no threshold): count per op, ms per op:");
        io.entrySet().stream().filter(en -> en.getValue()[1] / ops >= 0.01)
                .sorted(Comparator.comparingDouble((Map.Entry<String, double[]> en) -> -en.getValue()[1]))
                .limit(10).forEach(en -> out.printf("     %6.2f /op %8.3f ms/op  %s%n", en.getValue()[0] / ops,
                        en.getValue()[1] / ops, en.getKey()));
        out.println("  -- blocking (park, monitor, socket), count per op, ms per op:");
        blocking.entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, double[]> en) -> -en.getValue()[1]))
                .limit(8).forEach(en -> out.printf("     %6.2f /op %8.3f ms/op  %s%n", en.getValue()[0] / ops,
                        en.getValue()[1] / ops, en.getKey()));
        if (!exceptions.isEmpty()) {
            out.println("  -- exceptions constructed (a cost of their own: stack traces), count per op:");
            top(exceptions, 6).forEach(en -> out.printf("     %6.2f /op  %s%n", (double) en.getValue() / ops,
                    en.getKey()));
        }
        return new Totals(ioWait / ops, blocked / ops, gcPause / ops);
    }

    private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts, int n) {
        List<Map.Entry<String, Integer>> list = new ArrayList<>(counts.entrySet());
        list.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        return list.subList(0, Math.min(n, list.size()));
    }

    private static String frame(RecordedFrame f) {
        String cls = f.getMethod().getType().getName();
        return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    /** The innermost frame of gateway code or of a library it calls (Derby, Hibernate, CXF, Jetty), else the leaf. */
    private static String ownFrame(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String cls = f.getMethod().getType().getName();
            if (cls.startsWith("org.storagegateway.bench.")) {
                return "bench:" + frame(f);
            }
            if (cls.startsWith("org.storagegateway.")) {
                return frame(f);
            }
        }
        // No gateway frame: typically an idle pool thread waiting for work.
        return frames.isEmpty() ? "?" : "(no gateway frame) " + frame(frames.get(0));
    }

    private static String component(List<RecordedFrame> frames) {
        String leaf = frames.get(0).getMethod().getType().getName() + "." + frames.get(0).getMethod().getName();
        String activity = leaf.contains("force0") ? "fsync"
                : leaf.contains("FileDispatcherImpl") || leaf.contains("RandomAccessFile") ? "file I/O"
                : leaf.contains("UnixNativeDispatcher") || leaf.contains("UnixFileSystem") ? "file metadata"
                : leaf.contains("Socket") || leaf.contains("Net.") ? "socket"
                : leaf.contains("ProcessImpl") || leaf.contains("forkAndExec") ? "process spawn"
                : "cpu";
        for (RecordedFrame f : frames) {
            String cls = f.getMethod().getType().getName();
            String owner = cls.startsWith("org.storagegateway.vhd.") ? "VHD library"
                    : cls.startsWith("org.storagegateway.driver.") ? "file SR driver"
                    : cls.startsWith("org.storagegateway.persistence.") ? "persistence (gateway)"
                    : cls.startsWith("org.storagegateway.engine.") ? "engine"
                    : cls.startsWith("org.storagegateway.soap.") ? "SOAP endpoint (gateway)"
                    : cls.startsWith("org.apache.derby.") ? "Derby"
                    : cls.startsWith("org.hibernate.") ? "Hibernate"
                    : cls.startsWith("org.apache.cxf.") || cls.startsWith("com.sun.xml.") || cls.startsWith("com.ctc.")
                            || cls.startsWith("org.glassfish.jaxb") ? "CXF/JAXB"
                    : cls.startsWith("org.eclipse.jetty.") ? "Jetty"
                    : cls.startsWith("sun.security.") || cls.startsWith("javax.crypto") ? "TLS/crypto"
                    : null;
            if (owner != null) {
                return owner + " / " + activity;
            }
        }
        return "other / " + activity;
    }

    private static String pathKind(String path) {
        if (path == null) {
            return "?";
        }
        if (path.endsWith(".vhd") || path.endsWith(".vhd.new")) {
            return "VHD file";
        }
        if (path.contains("/log/") || path.endsWith(".dat") && path.contains("log")) {
            return "Derby log";
        }
        if (path.contains("/seg0/")) {
            return "Derby data";
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (!name.contains(".")) {
            return "directory (" + (name.length() > 12 ? name.substring(0, 8) + "…" : name) + ")";
        }
        return name;
    }
}
