package org.storagegateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.VdiInfo;

/**
 * JMH benchmarks of the file SR driver alone (factory + fake host, no gateway): clone of a 10 GiB VDI on both paths,
 * and a warm sr-scan of 10,000 VHDs. CloneBench and ScanBench set the same operations beside qemu-img, the engine and
 * cold caches; these give JMH's statistics (sample-time percentiles, error bounds) for the driver's own cost.
 */
@Fork(1)
public class DriverBenchmarks {

    /**
     * A file SR with a golden VDI already cloned once (so it is an unchanged leaf: its clones take the "reuse parent"
     * shortcut), and a pool of sources for the full path: before each full clone one sector is written into the next
     * source (untimed), so no shortcut applies. A source whose chain gets deep is replaced by a fresh VDI.
     */
    @State(Scope.Thread)
    public static class Sr {
        @Param({"shortcut", "full"})
        public String path;

        Path root;
        BenchSr sr;
        String golden;
        final List<String> sources = new ArrayList<>();
        final List<Integer> depth = new ArrayList<>();
        int next;
        long invocation;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            root = Files.createTempDirectory(Results.tmpRoot(), "jmh-driver-");
            sr = new BenchSr(root).create();
            golden = sr.createVdi(CloneBench.SIZE);
            sr.cloneVdi(golden);
            for (int i = 0; i < 32; i++) {
                sources.add(sr.createVdi(CloneBench.SIZE));
                depth.add(1);
            }
        }

        @Setup(Level.Invocation)
        public void prepare() {
            if (!path.equals("full")) {
                return;
            }
            next = (next + 1) % sources.size();
            if (depth.get(next) >= 20) {
                sources.set(next, sr.createVdi(CloneBench.SIZE));
                depth.set(next, 1);
            } else if (depth.get(next) > 1) {
                BenchSr.writeOneSector(sr.file(sources.get(next)), invocation++);
            }
            depth.set(next, depth.get(next) + 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Results.deleteTree(root);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 4, time = 2)
    public CloneResult clone10GiB(Sr s) {
        return s.sr.cloneVdi(s.path.equals("full") ? s.sources.get(s.next) : s.golden);
    }

    /** 10,000 VHDs (1,000 chains of depth 10, 10 GiB, parents hidden), made once without fsync. */
    @State(Scope.Benchmark)
    public static class Scan {
        Path root;
        BenchSr sr;
        int files;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            root = Files.createTempDirectory(Results.tmpRoot(), "jmh-scan-");
            sr = new BenchSr(root);
            files = ScanFixture.create(sr.folder(), 1000, 10, CloneBench.SIZE);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Results.deleteTree(root);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3)
    @Measurement(iterations = 8)
    public List<VdiInfo> scan10000VhdsWarm(Scan s) {
        List<VdiInfo> found = s.sr.view().scan();
        if (found.size() != s.files) {
            throw new IllegalStateException("scan found " + found.size());
        }
        return found;
    }
}
