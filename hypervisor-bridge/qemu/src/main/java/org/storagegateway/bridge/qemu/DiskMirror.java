package org.storagegateway.bridge.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live copy of a plugged disk onto new block nodes: the QEMU half of a storage migration.
 *
 * <p>{@link #start} adds the target's protocol and raw format nodes and starts {@code blockdev-mirror}
 * ({@code sync: full}, {@code copy-mode: write-blocking}, so a busy guest cannot keep the copy from converging).
 * {@link #awaitReady} waits for {@code BLOCK_JOB_READY}: from then on every guest write reaches both sides.
 * {@link #complete} switches the device to the target ({@code job-complete}, {@code BLOCK_JOB_COMPLETED}), checks
 * with {@code query-block} that the device reads from the target node, and deletes the source's nodes.
 * {@link #cancel} stops the copy at any point before the switch and deletes the target's nodes: the device never
 * leaves its source. A job that fails on its own (the target went away) is reported by {@link #awaitReady} as a
 * {@link MirrorFailedException}, after the same clean-up.
 *
 * <p>Target node names alternate between {@code <id>-proto/-fmt} and {@code <id>-mproto/-mfmt}, so a disk can be
 * moved again and again.
 */
public final class DiskMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DiskMirror.class);
    private static final Duration JOB_END_TIMEOUT = Duration.ofSeconds(30);

    private final QemuVm vm;
    private final PluggedDisk disk;
    private final DiskSource target;
    private final String jobId;
    private final String targetProtocolNode;
    private final String targetFormatNode;
    private final PendingEvent ready;
    private final PendingEvent completed;
    private final PendingEvent cancelled;
    private boolean finished;

    private DiskMirror(QemuVm vm, PluggedDisk disk, DiskSource target) {
        this.vm = vm;
        this.disk = disk;
        this.target = target;
        this.jobId = "mirror-" + disk.deviceId();
        boolean onAlternate = disk.formatNode().endsWith("-mfmt");
        String id = disk.deviceId();
        this.targetProtocolNode = onAlternate ? id + "-proto" : id + "-mproto";
        this.targetFormatNode = onAlternate ? id + "-fmt" : id + "-mfmt";
        QmpClient qmp = vm.qmp();
        this.ready = qmp.expectEvent("BLOCK_JOB_READY", e -> jobId.equals(e.text("device")));
        this.completed = qmp.expectEvent("BLOCK_JOB_COMPLETED", e -> jobId.equals(e.text("device")));
        this.cancelled = qmp.expectEvent("BLOCK_JOB_CANCELLED", e -> jobId.equals(e.text("device")));
    }

    /**
     * Adds the target nodes and starts the mirror job. If a step fails, the steps before it are undone.
     *
     * @param bytesPerSecond the job's speed limit; 0 for none
     */
    public static DiskMirror start(QemuVm vm, PluggedDisk disk, DiskSource target, long bytesPerSecond) {
        DiskMirror mirror = new DiskMirror(vm, disk, target);
        DiskHotplug disks = vm.disks();
        boolean readOnly = false;
        try {
            disks.run("blockdev-add", DiskHotplug.protocolNodeOptions(target, mirror.targetProtocolNode, readOnly));
            disks.run("blockdev-add", DiskHotplug.formatNodeOptions(DiskFormat.RAW, mirror.targetFormatNode,
                    mirror.targetProtocolNode, readOnly));
            Map<String, Object> arguments = new LinkedHashMap<>();
            arguments.put("job-id", mirror.jobId);
            arguments.put("device", disk.formatNode());
            arguments.put("target", mirror.targetFormatNode);
            arguments.put("sync", "full");
            arguments.put("copy-mode", "write-blocking");
            if (bytesPerSecond > 0) {
                arguments.put("speed", bytesPerSecond);
            }
            disks.run("blockdev-mirror", arguments);
            LOG.debug("mirroring {} from {} to {}", disk.deviceId(), disk.formatNode(), mirror.targetFormatNode);
            return mirror;
        } catch (QemuException e) {
            mirror.finished = true;
            mirror.deleteTargetNodes(e);
            mirror.close();
            throw e;
        }
    }

    /** The device being copied. */
    public PluggedDisk disk() {
        return disk;
    }

    public String jobId() {
        return jobId;
    }

    /** The block nodes this mirror added; none of them remains after {@link #cancel} or a failure. */
    public List<String> targetNodes() {
        return List.of(targetFormatNode, targetProtocolNode);
    }

    /**
     * Waits up to {@code slice} for the copy to be in sync.
     *
     * @return true once the job is ready (source and target in sync, writes go to both)
     * @throws MirrorFailedException when the job ended on its own (an I/O error on the target, for example);
     *                               the target nodes are then already deleted
     */
    public boolean awaitReady(Duration slice) {
        if (ready.future().isDone() && !ready.future().isCompletedExceptionally()) {
            return true;
        }
        if (completed.future().isDone() || cancelled.future().isDone()) {
            throw failedOnItsOwn();
        }
        try {
            ready.await(slice);
            return true;
        } catch (QmpTimeoutException e) {
            if (completed.future().isDone() || cancelled.future().isDone()) {
                throw failedOnItsOwn();
            }
            return false;
        }
    }

    /** Bytes copied so far and the total, from {@code query-block-jobs}; {0, 0} once the job is gone. */
    public long[] progress() {
        for (JsonNode job : vm.disks().run("query-block-jobs", Map.of())) {
            if (jobId.equals(job.path("device").asText())) {
                return new long[] {job.path("offset").asLong(), job.path("len").asLong()};
            }
        }
        return new long[] {0, 0};
    }

    /**
     * Switches the device to the target (after {@link #awaitReady} returned true) and deletes the source's nodes.
     *
     * @return the device on its new nodes
     * @throws MirrorFailedException when the job ends with an error or the device does not read from the target
     */
    public Completion complete(Duration timeout) {
        vm.disks().run("job-complete", Map.of("id", jobId));
        QmpEvent done = completed.await(timeout);
        finished = true;
        String error = done.text("error");
        if (error != null) {
            deleteTargetNodes(null);
            throw new MirrorFailedException(disk.deviceId(), "the switch to the copy failed: " + error);
        }
        String node = deviceNode();
        if (!targetFormatNode.equals(node)) {
            throw new MirrorFailedException(disk.deviceId(), "after the switch the device reads from " + node
                    + ", not from " + targetFormatNode);
        }
        vm.disks().deleteNodes(disk.formatNode(), disk.protocolNode());
        long copied = done.data().path("offset").asLong();
        long length = done.data().path("len").asLong();
        LOG.debug("{} now on {} ({} of {} bytes copied)", disk.deviceId(), targetFormatNode, copied, length);
        return new Completion(disk.movedTo(target, targetProtocolNode, targetFormatNode), copied, length);
    }

    /**
     * The result of a switch.
     *
     * @param disk   the device on its new nodes
     * @param copied bytes the job reports as done
     * @param length bytes the job had to copy
     */
    public record Completion(PluggedDisk disk, long copied, long length) {}

    /**
     * Ends an in-sync mirror without switching the device, and deletes the target's nodes here: the copy is complete
     * and someone else takes it over (the destination of a live migration, once the source's CPUs are stopped).
     * {@code block-job-cancel} without force on a ready mirror is QEMU's "complete without pivot".
     *
     * @throws MirrorFailedException when the job ends with an error
     */
    public Completion release(Duration timeout) {
        vm.disks().run("block-job-cancel", Map.of("device", jobId, "force", false));
        QmpEvent done = completed.await(timeout);
        finished = true;
        deleteTargetNodes(null);
        String error = done.text("error");
        if (error != null) {
            throw new MirrorFailedException(disk.deviceId(), "the copy failed at the end: " + error);
        }
        return new Completion(disk, done.data().path("offset").asLong(), done.data().path("len").asLong());
    }

    /**
     * Stops the copy before the switch and deletes the target's nodes; the device stays on its source. Idempotent.
     */
    public void cancel() {
        if (finished) {
            return;
        }
        finished = true;
        QemuException failure = null;
        try {
            vm.disks().run("block-job-cancel", Map.of("device", jobId, "force", true));
            awaitJobEnd();
        } catch (QmpErrorException e) {
            // DeviceNotActive: the job ended on its own in the meantime.
            if (!"DeviceNotActive".equals(e.errorClass())) {
                failure = e;
            }
        } catch (QemuException e) {
            failure = e;
        }
        deleteTargetNodes(failure);
        if (failure != null) {
            throw failure;
        }
    }

    /** The node the device's block backend is attached to, from {@code query-block}. */
    String deviceNode() {
        String id = disk.deviceId();
        for (JsonNode backend : vm.disks().run("query-block", Map.of())) {
            String qdev = backend.path("qdev").asText();
            if (qdev.equals(id) || qdev.equals("/machine/peripheral/" + id) || qdev.startsWith("/machine/peripheral/" + id + "/")) {
                return backend.path("inserted").path("node-name").asText(null);
            }
        }
        return null;
    }

    private MirrorFailedException failedOnItsOwn() {
        finished = true;
        String error = completed.future().isDone() && !completed.future().isCompletedExceptionally()
                ? completed.future().join().text("error") : null;
        deleteTargetNodes(null);
        return new MirrorFailedException(disk.deviceId(), error != null ? error : "the job ended before it was in sync");
    }

    private void awaitJobEnd() {
        long deadline = System.nanoTime() + JOB_END_TIMEOUT.toNanos();
        while (!completed.future().isDone() && !cancelled.future().isDone()) {
            if (System.nanoTime() > deadline) {
                throw new QmpTimeoutException("the end of block job " + jobId, JOB_END_TIMEOUT);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QemuException("interrupted while cancelling " + jobId, e);
            }
        }
    }

    private void deleteTargetNodes(QemuException failure) {
        if (!vm.qmp().isOpen()) {
            return;
        }
        try {
            vm.disks().deleteNodes(targetFormatNode, targetProtocolNode);
        } catch (QemuException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            } else {
                throw e;
            }
        }
    }

    /** Withdraws the event expectations. */
    @Override
    public void close() {
        ready.close();
        completed.close();
        cancelled.close();
    }
}
