package org.storagegateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
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
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdCreateOptions;
import org.storagegateway.vhd.VhdImage;

/**
 * JMH microbenchmarks of the VHD library pieces a clone and a scan are made of, on 10 GiB images:
 * creating a differencing child (durable = fsync'ed, as the driver does; and without fsync), and opening one image
 * and reading what the driver's {@code describe()} reports (the per-file cost of a warm sr-scan).
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class VhdBenchmarks {

    /** A folder with one 10 GiB dynamic parent; children are created next to it and deleted in batches. */
    @State(Scope.Thread)
    public static class Folder {
        @Param({"true", "false"})
        public boolean durable;

        Path dir;
        Path parent;
        VhdCreateOptions options;
        Path last;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory(Results.tmpRoot(), "jmh-vhd-");
            parent = dir.resolve(UUID.randomUUID() + ".vhd");
            VhdImage.createDynamic(parent, 10 * BenchSr.GIB, UUID.randomUUID());
            options = new VhdCreateOptions(durable, Clock.systemUTC(), 0);
        }

        /** Delete each child at once (untimed), so the folder stays small whatever the rate. */
        @TearDown(Level.Invocation)
        public void deleteChild() throws IOException {
            if (last != null) {
                Files.deleteIfExists(last);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Results.deleteTree(dir);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Path createDifferencingChild10GiB(Folder f) {
        Path child = f.dir.resolve(UUID.randomUUID() + ".vhd");
        VhdImage.createDifferencing(child, f.parent, UUID.randomUUID(), f.options);
        f.last = child;
        return child;
    }

    /** One 10 GiB differencing image whose parent exists, as most files of a snapshotted SR are. */
    @State(Scope.Benchmark)
    public static class OneImage {
        Path dir;
        Path child;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory(Results.tmpRoot(), "jmh-open-");
            Path parent = dir.resolve(UUID.randomUUID() + ".vhd");
            VhdImage.createDynamic(parent, 10 * BenchSr.GIB, UUID.randomUUID());
            child = dir.resolve(UUID.randomUUID() + ".vhd");
            VhdImage.createDifferencing(child, parent, UUID.randomUUID());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Results.deleteTree(dir);
        }
    }

    /** What FileRepository.describe() does per file: open (validating footer, header, BAT, batmap) and read fields. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long openAndDescribe10GiB(OneImage s) {
        try (VhdImage img = VhdImage.open(s.child, OpenMode.READ_ONLY)) {
            return img.allocatedBlockCount() + img.fileSizeBytes() + img.virtualSize()
                    + (img.hidden() ? 1 : 0) + img.parentName().map(String::length).orElse(0);
        }
    }

    /** The floor under it: only the footer (trailing copy, and the copy at 0 for sparse images). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long readFooterOnly(OneImage s) {
        return VhdImage.readFooter(s.child).currentSize();
    }
}
