package org.storagegateway.driver.file;

import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The locks of one file SR, held by the driver component across calls.
 *
 * <p>A chain operation (create, delete, resize, clone, snapshot) shares the SR and locks the VDI it acts on, so
 * operations on different VDIs run in parallel, each with its own fsyncs. That is safe because a chain operation
 * writes only its own VDI's file and files it creates under new names; the parents it shares with other VDIs are
 * only read, and only SR-wide operations change or remove them. An SR-wide operation (scan, garbage collection and
 * coalesce) has the SR to itself, so it sees no operation half done and no operation sees it half done.
 */
final class SrLocks {
    /** Stripes of the per-VDI locks: VDIs whose UUIDs hash alike also wait for each other, which is harmless. */
    private static final int STRIPES = 64;

    private final ReentrantReadWriteLock sr = new ReentrantReadWriteLock();
    private final ReentrantLock[] vdis = new ReentrantLock[STRIPES];

    SrLocks() {
        for (int i = 0; i < STRIPES; i++) {
            vdis[i] = new ReentrantLock();
        }
    }

    /** Run a chain operation on {@code vdiUuid}: the SR shared, the VDI exclusive. */
    <T> T onVdi(String vdiUuid, Supplier<T> work) {
        ReentrantLock vdi = vdis[Math.floorMod(vdiUuid.hashCode(), STRIPES)];
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
}
