package org.storagegateway.driver.file;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.storagegateway.driver.file.FileSr.MIB;
import static org.storagegateway.driver.file.FileSr.copyOf;
import static org.storagegateway.driver.file.FileSr.pattern;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.GarbageCollectionLimits;
import org.storagegateway.spi.model.GarbageCollectionReport;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.spi.testing.FakeDriverContext;

/**
 * Locking of one SR: operations on different VDIs do not wait for each other (each pays its own fsyncs), operations
 * on the same VDI run one at a time, and SR-wide ones (scan, garbage collection) wait for running operations. A
 * coalesce holds only the VDIs of the chain it merges while it copies.
 */
class FileSrLockingTests {
    private static final long SIZE = 8 * MIB;

    @TempDir
    Path location;

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopThreads() {
        pool.shutdownNow();
    }

    @Test
    void aCopyHoldsOnlyItsSourceVdiWhileGarbageCollectionAndScansWaitForIt() throws Exception {
        FileSr sr = FileSr.created(location);
        String a = sr.createVdi(SIZE).uuid();
        String b = sr.createVdi(SIZE).uuid();
        sr.write(a, 0, pattern(4096, 1));
        sr.write(b, 0, pattern(4096, 2));
        byte[] contentOfA = sr.read(a);

        // A copy of a stops inside its locks (where it checks for a cancel) until released.
        FakeDriverContext held = new FakeDriverContext();
        FakeDriverContext.Hold inside = held.holdAtCancelCheck();
        CloneRequest slowRequest = copyOf(a);
        Future<CloneResult> slow = pool.submit(() -> sr.view(held).cloneVdi(slowRequest));
        assertThat(inside.awaitReached(Duration.ofSeconds(10))).isTrue();

        CloneResult otherVdi = pool.submit(() -> sr.view().cloneVdi(copyOf(b))).get(10, SECONDS);
        assertThat(otherVdi.source().uuid()).isEqualTo(b);

        Future<CloneResult> sameVdi = pool.submit(() -> sr.view().cloneVdi(copyOf(a)));
        Future<GarbageCollectionReport> collection =
                pool.submit(() -> sr.view().collectGarbage(new GarbageCollectionLimits(Long.MAX_VALUE, 10)));
        Future<java.util.List<VdiInfo>> scan = pool.submit(() -> sr.view().scan());
        assertThatThrownBy(() -> sameVdi.get(300, MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> collection.get(10, MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> scan.get(10, MILLISECONDS)).isInstanceOf(TimeoutException.class);

        inside.release();
        CloneResult first = slow.get(10, SECONDS);
        CloneResult second = sameVdi.get(10, SECONDS);
        collection.get(10, SECONDS);
        assertThat(scan.get(10, SECONDS)).extracting(VdiInfo::uuid).contains(a, b, first.created().uuid());
        for (String uuid : new String[] {a, first.created().uuid(), second.created().uuid()}) {
            assertThat(sr.read(uuid)).as("content of %s", uuid).isEqualTo(contentOfA);
        }
    }

    @Test
    void aCloneOfAnotherVdiCompletesWhileACoalesceIsMergingAndTheMergedChainWaits() throws Exception {
        FileSr sr = FileSr.created(location);
        String a = sr.createVdi(SIZE).uuid();
        String b = sr.createVdi(SIZE).uuid();
        sr.write(b, 0, pattern(4096, 2));
        CloneResult gone = sr.view().cloneVdi(copyOf(a));
        sr.write(a, 0, pattern(3 * (int) MIB, 1));
        sr.view().deleteVdi(gone.created().uuid());
        byte[] contentOfA = sr.read(a);
        byte[] contentOfB = sr.read(b);

        // The coalesce of a's chain stops inside its merge (where it checks for a cancel before a run) until released.
        FakeDriverContext held = new FakeDriverContext();
        FakeDriverContext.Hold merging = held.holdAtCancelCheck();
        Future<GarbageCollectionReport> collection =
                pool.submit(() -> sr.view(held).collectGarbage(new GarbageCollectionLimits(Long.MAX_VALUE, 10)));
        assertThat(merging.awaitReached(Duration.ofSeconds(10))).isTrue();

        CloneResult otherVdi = pool.submit(() -> sr.view().cloneVdi(copyOf(b))).get(10, SECONDS);
        assertThat(otherVdi.source().uuid()).isEqualTo(b);
        assertThat(collection).as("the coalesce was still merging").isNotDone();
        Future<CloneResult> sameChain = pool.submit(() -> sr.view().cloneVdi(copyOf(a)));
        assertThatThrownBy(() -> sameChain.get(300, MILLISECONDS)).isInstanceOf(TimeoutException.class);

        merging.release();
        assertThat(collection.get(10, SECONDS).coalesced()).isEqualTo(1);
        CloneResult copyOfA = sameChain.get(10, SECONDS);
        assertThat(sr.read(a)).isEqualTo(contentOfA);
        assertThat(sr.read(copyOfA.created().uuid())).isEqualTo(contentOfA);
        assertThat(sr.read(otherVdi.created().uuid())).isEqualTo(contentOfB);
    }
}
