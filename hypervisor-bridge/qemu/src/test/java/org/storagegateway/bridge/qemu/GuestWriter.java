package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.storagegateway.bridge.qemu.guest.GuestAgent;
import org.storagegateway.bridge.qemu.guest.GuestAgentException;
import org.storagegateway.bridge.qemu.guest.GuestPattern;

/**
 * A guest that keeps writing while the bridge works: write {@code i} puts the pattern of seed {@code <prefix><i>} on
 * 64 KiB range {@code i / disks} of disk {@code i % disks}, with O_DIRECT, one after the other. A write that fails
 * (the agent's VM stopped, or moved) is repeated on whatever agent {@link #agent} holds then, so the sequence of
 * acknowledged writes has no gap.
 */
public final class GuestWriter implements AutoCloseable {
    public static final int LENGTH = 64 * 1024;

    /** One acknowledged write. */
    public record Write(int index, String device, long offset, String seed) {
        public String sha256() {
            return GuestPattern.sha256(seed, offset, LENGTH);
        }
    }

    /** Reads back, from a snapshot, the SHA-256 of the 64 KiB range a write went to (on the disk it went to). */
    @FunctionalInterface
    public interface SnapshotReader {
        String sha256(Write write) throws Exception;
    }

    /**
     * Asserts that a snapshot taken while the guest wrote is atomic across its disks: it holds exactly a prefix of
     * {@code written}, whichever disk each write went to, with at most the one write in flight at the pause partial;
     * the prefix holds every write acknowledged before the snapshot began ({@code ackedBefore}) and none sent after
     * it returned ({@code sentAfter}). Returns the prefix's length.
     */
    public static int assertSnapshotHoldsAPrefix(List<Write> written, SnapshotReader snapshot, int ackedBefore,
            int sentAfter) throws Exception {
        String zeros = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[LENGTH]));
        List<Boolean> present = new ArrayList<>();
        int unclear = 0;
        for (Write write : written) {
            String sha = snapshot.sha256(write);
            if (sha.equals(write.sha256())) {
                present.add(true);
            } else if (sha.equals(zeros)) {
                present.add(false);
            } else {
                present.add(null);
                unclear++;
            }
        }
        int prefix = present.indexOf(Boolean.FALSE) < 0 ? present.size() : present.indexOf(Boolean.FALSE);
        int firstUnclear = present.indexOf(null);
        int cut = firstUnclear >= 0 ? Math.min(firstUnclear, prefix) : prefix;
        assertThat(unclear).as("partial writes in the snapshot").isLessThanOrEqualTo(1);
        assertThat(present.subList(0, cut)).containsOnly(true);
        assertThat(present.subList(Math.min(cut + 1, present.size()), present.size())).containsOnly(false);
        assertThat(cut).isGreaterThanOrEqualTo(ackedBefore).isLessThan(sentAfter);
        return cut;
    }

    public final AtomicReference<GuestAgent> agent;
    private final List<String> devices;
    private final long base;
    private final long diskSize;
    private final String prefix;
    private final List<Write> acked = new CopyOnWriteArrayList<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;

    /** Starts writing at byte {@code base} of each of {@code devices} (guest device names). */
    public GuestWriter(GuestAgent agent, List<String> devices, long base, long diskSize, String prefix) {
        this.agent = new AtomicReference<>(agent);
        this.devices = List.copyOf(devices);
        this.base = base;
        this.diskSize = diskSize;
        this.prefix = prefix;
        this.thread = new Thread(this::run, "guest-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            for (int i = 0; !stop; i++) {
                long offset = base + (long) (i / devices.size()) * LENGTH;
                if (offset + LENGTH > diskSize) {
                    return;
                }
                Write write = new Write(i, devices.get(i % devices.size()), offset, prefix + i);
                sent.set(i + 1);
                while (true) {
                    try {
                        String sha = agent.get().command("WRITE " + write.device() + " " + offset + " " + LENGTH + " " + write.seed(),
                                Duration.ofSeconds(4));
                        if (!sha.equals(write.sha256())) {
                            throw new AssertionError("the guest reports " + sha + " for " + write);
                        }
                        break;
                    } catch (GuestAgentException e) {
                        if (stop) {
                            return;
                        }
                        Thread.sleep(50);
                    }
                }
                acked.add(write);
                Thread.sleep(20);
            }
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    /** Writes acknowledged so far, in order. */
    public List<Write> acked() {
        return List.copyOf(acked);
    }

    /** How many writes were sent (or are being sent): write {@code sent()} and later ones were not sent yet. */
    public int sent() {
        return sent.get();
    }

    public void awaitAcked(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acked.size() < count) {
            if (failure.get() != null) {
                throw new AssertionError("the writer failed", failure.get());
            }
            if (System.nanoTime() > deadline || !thread.isAlive()) {
                throw new AssertionError("only " + acked.size() + " of " + count + " writes acknowledged");
            }
            Thread.sleep(20);
        }
    }

    /** Stops after the write in progress and returns the acknowledged writes. */
    public List<Write> stop() throws InterruptedException {
        stop = true;
        thread.join(30_000);
        if (failure.get() != null) {
            throw new AssertionError("the writer failed", failure.get());
        }
        return acked();
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(30_000);
    }

}
