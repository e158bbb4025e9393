package org.storagegateway.driver.file;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The locks of one file SR, held by the driver component across calls.
 *
 * <p>A chain operation (create, delete, resize, clone, snapshot) shares the SR and locks the VDI it acts on, so
 * operations on different VDIs run in parallel, each with its own fsyncs. That is safe because a chain operation
 * writes only its own VDI's file and files it creates under new names; the parents it shares with other VDIs are
 * only read, and only SR-wide operations change or remove them. An SR-wide operation (scan, the SR-wide steps of a
 * garbage collection) has the SR to itself, so it sees no operation half done and no operation sees it half done.
 *
 * <p>A coalesce is long (it copies data), so it holds the SR to itself only to choose its chain, then keeps the SR
 * shared and the VDIs of that chain locked while it merges ({@link #onSrThenVdis}): operations on other VDIs go on.
 * Garbage collections of one SR run one at a time ({@link #onCollection}).
 */
final class SrLocks {
    /** Stripes of the per-VDI locks: VDIs whose UUIDs hash alike also wait for each other, which is harmless. */
    private static final int STRIPES = 64;

    private final ReentrantReadWriteLock sr = new ReentrantReadWriteLock();
    private final ReentrantLock[] vdis = new ReentrantLock[STRIPES];
    private final ReentrantLock collection = new ReentrantLock();

    SrLocks() {
        for (int i = 0; i < STRIPES; i++) {
            vdis[i] = new ReentrantLock();
        }
    }

    /** Run a chain operation on {@code vdiUuid}: the SR shared, the VDI exclusive. */
    <T> T onVdi(String vdiUuid, Supplier<T> work) {
        ReentrantLock vdi = vdis[stripe(vdiUuid)];
        sr.readLock().lock();
        try {
            vdi.lock();
            try {
                return work.get();
            } finally {
                vdi.unlock();
            }
        } finally {
            sr.readLock().unlock();
        }
    }

    /**
     * Run an SR-wide operation with the SR to itself.
     *
     * @throws IllegalStateException if the thread holds the SR shared (a chain operation cannot turn SR-wide)
     */
    <T> T onSr(Supplier<T> work) {
        if (sr.getReadHoldCount() > 0) {
            throw new IllegalStateException("An SR-wide operation cannot start inside a chain operation");
        }
        sr.writeLock().lock();
        try {
            return work.get();
        } finally {
            sr.writeLock().unlock();
        }
    }

    /**
     * Run {@code prepare} with the SR to itself, then {@code work} with the SR shared and the VDIs that
     * {@code vdisOf} names for prepare's result locked. No operation runs in between (the SR lock is downgraded), so
     * those VDIs' files stay as prepare saw them while operations on other VDIs go on.
     *
     * @throws IllegalStateException if the thread holds the SR shared
     */
    <P, T> T onSrThenVdis(Supplier<P> prepare, Function<P, Collection<String>> vdisOf, Function<P, T> work) {
        if (sr.getReadHoldCount() > 0) {
            throw new IllegalStateException("An SR-wide operation cannot start inside a chain operation");
        }
        List<ReentrantLock> held = new ArrayList<>();
        P prepared;
        sr.writeLock().lock();
        try {
            prepared = prepare.get();
            // Ascending stripe order; no other thread holds a stripe while the SR is held exclusively.
            for (int stripe : new TreeSet<>(vdisOf.apply(prepared).stream().map(SrLocks::stripe).toList())) {
                vdis[stripe].lock();
                held.add(vdis[stripe]);
            }
            sr.readLock().lock();
        } catch (RuntimeException | Error e) {
            held.forEach(ReentrantLock::unlock);
            throw e;
        } finally {
            sr.writeLock().unlock();
        }
        try {
            return work.apply(prepared);
        } finally {
            held.forEach(ReentrantLock::unlock);
            sr.readLock().unlock();
        }
    }

    /** Run a garbage collection of the SR: one at a time; the others wait here holding nothing else. */
    <T> T onCollection(Supplier<T> work) {
        collection.lock();
        try {
            return work.get();
        } finally {
            collection.unlock();
        }
    }

    private static int stripe(String vdiUuid) {
        return Math.floorMod(vdiUuid.hashCode(), STRIPES);
    }
}
