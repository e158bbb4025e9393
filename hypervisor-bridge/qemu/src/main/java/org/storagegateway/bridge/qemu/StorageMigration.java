package org.storagegateway.bridge.qemu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.bridge.BridgeTask;
import org.storagegateway.bridge.MigrationOptions;
import org.storagegateway.bridge.MigrationReport;
import org.storagegateway.bridge.StoragePort;
import org.storagegateway.spi.model.Datapath;

/**
 * VM.migrate_send with a VDI→SR map, on the VM's own host: each mapped disk is copied live to a new VDI with
 * {@link DiskMirror} and the device switched to the copy.
 *
 * <ol>
 *   <li>Prepare, per disk: a new VDI of the same virtual size on the target SR, attached for this host; the mirror
 *       started onto it.</li>
 *   <li>Wait until every mirror is in sync ({@code BLOCK_JOB_READY}), polling the task for cancel and the deadline.</li>
 *   <li>Switch each disk ({@code job-complete}), and verify: the job ended without error having copied its whole
 *       length, and {@code query-block} shows the device on the copy's node.</li>
 *   <li>Only then: the source VDI is detached and destroyed.</li>
 * </ol>
 * A failure, cancel or timeout before the switch cancels every mirror, deletes the copies' block nodes, detaches and
 * destroys the new VDIs, and checks that QEMU's block graph is what it was before ({@code query-named-block-nodes}):
 * the VM runs on at its source disks with nothing orphaned.
 */
final class StorageMigration {
    private static final Logger LOG = LoggerFactory.getLogger(StorageMigration.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration SWITCH_TIMEOUT = Duration.ofSeconds(60);

    /** One disk on the move. */
    private static final class Move {
        final QemuVbd vbd;
        final String sourceVdi;
        final String targetSr;
        String targetVdi;
        boolean attached;
        DiskMirror mirror;

        Move(QemuVbd vbd, String targetSr) {
            this.vbd = vbd;
            this.sourceVdi = vbd.spec().vdiUuid();
            this.targetSr = targetSr;
        }
    }

    private StorageMigration() {
    }

    static MigrationReport run(QemuDomain vm, Map<String, String> vdiToSr, MigrationOptions options, BridgeTask task) {
        long started = System.nanoTime();
        long deadline = started + options.timeout().toNanos();
        QemuHost host = vm.host();
        StoragePort storage = host.storage();
        List<Move> moves = plan(vm, vdiToSr);
        List<String> graphBefore = vm.process().disks().blockNodeNames();
        try {
            for (Move move : moves) {
                long size = storage.virtualSize(move.sourceVdi);
                move.targetVdi = storage.createVdi(move.targetSr, "copy of " + move.sourceVdi, size);
                Datapath datapath = storage.attach(move.targetVdi, host.uuid(), true);
                move.attached = true;
                move.mirror = DiskMirror.start(vm.process(), move.vbd.plugged(),
                        Datapaths.toDiskSource(datapath, host.initiatorName()), options.maxBytesPerSecond());
            }
            awaitInSync(vm, moves.stream().map(m -> m.mirror).toList(), deadline, options, task);
        } catch (RuntimeException failure) {
            rollback(vm, moves, graphBefore, failure);
            if (failure instanceof BridgeException bridge) {
                throw bridge;
            }
            if (failure instanceof QemuException qemu) {
                throw Failures.toBridge("storage migration of VM " + vm.uuid() + " (rolled back; it runs on its source disks)", qemu);
            }
            throw QemuHost.storageFailure("storage migration of VM " + vm.uuid() + " (rolled back)", failure);
        }

        List<MigrationReport.DiskMove> done = new ArrayList<>();
        for (int i = 0; i < moves.size(); i++) {
            Move move = moves.get(i);
            DiskMirror.Completion completion;
            try {
                completion = move.mirror.complete(SWITCH_TIMEOUT);
            } catch (RuntimeException failure) {
                // Disks switched so far stay switched (their sources are kept); the rest go back.
                rollback(vm, moves.subList(i, moves.size()), List.of(), failure);
                throw Failures.toBridge("switch of VBD " + move.vbd.uuid() + " to its copy", failure);
            } finally {
                move.mirror.close();
            }
            if (completion.copied() < completion.length()) {
                throw new BridgeException(BridgeError.MIRROR_FAILED, "the mirror of VBD " + move.vbd.uuid() + " reported "
                        + completion.copied() + " of " + completion.length() + " bytes; the source VDI " + move.sourceVdi + " is kept");
            }
            move.vbd.moved(move.targetVdi, completion.disk());
            done.add(new MigrationReport.DiskMove(move.vbd.uuid(), move.sourceVdi, move.targetVdi, move.targetSr, completion.copied()));
        }
        // Every copy verified: now the sources may go.
        for (Move move : moves) {
            storage.detach(move.sourceVdi, host.uuid());
            storage.destroy(move.sourceVdi);
        }
        task.progress(1.0);
        Duration total = Duration.ofNanos(System.nanoTime() - started);
        LOG.info("VM {}: {} disk(s) moved in {} ms", vm.uuid(), done.size(), total.toMillis());
        return new MigrationReport(vm, total, Duration.ZERO, Duration.ZERO, 0, done);
    }

    private static List<Move> plan(QemuDomain vm, Map<String, String> vdiToSr) {
        List<Move> moves = new ArrayList<>();
        mappedVbds(vm, vdiToSr).forEach((vbd, sr) -> moves.add(new Move(vbd, sr)));
        return moves;
    }

    /**
     * The plugged VBDs whose VDIs the map moves, each with its target SR.
     *
     * @throws BridgeException INVALID_ARGUMENT for an empty map, a VDI that is not the VM's, or an unplugged VBD
     */
    static Map<QemuVbd, String> mappedVbds(QemuDomain vm, Map<String, String> vdiToSr) {
        Map<QemuVbd, String> mapped = new java.util.LinkedHashMap<>();
        Set<String> known = new HashSet<>();
        for (QemuVbd vbd : vm.qemuVbds()) {
            String sr = vdiToSr.get(vbd.spec().vdiUuid());
            if (sr == null) {
                continue;
            }
            if (vbd.plugged() == null) {
                throw new BridgeException(BridgeError.INVALID_ARGUMENT, "VBD " + vbd.uuid() + " of VDI " + vbd.spec().vdiUuid()
                        + " is not plugged: only plugged disks are mirrored");
            }
            known.add(vbd.spec().vdiUuid());
            mapped.put(vbd, sr);
        }
        Set<String> unknown = new HashSet<>(vdiToSr.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new BridgeException(BridgeError.INVALID_ARGUMENT, "VDIs " + unknown + " are not disks of VM " + vm.uuid());
        }
        if (mapped.isEmpty()) {
            throw new BridgeException(BridgeError.INVALID_ARGUMENT, "the VDI map is empty: nothing to move");
        }
        return mapped;
    }

    /**
     * Waits until every mirror is in sync, polling the task for cancel and the deadline and reporting the copy's
     * progress.
     *
     * @throws BridgeException TASK_CANCELLED or TIMEOUT; {@link MirrorFailedException} when a job fails on its own
     */
    static void awaitInSync(QemuDomain vm, List<DiskMirror> mirrors, long deadline, MigrationOptions options, BridgeTask task) {
        for (DiskMirror mirror : mirrors) {
            while (!mirror.awaitReady(POLL)) {
                if (task.isCancelRequested()) {
                    throw new BridgeException(BridgeError.TASK_CANCELLED, "the move of VM " + vm.uuid()
                            + " was cancelled; it runs on its source disks");
                }
                if (System.nanoTime() > deadline) {
                    throw new BridgeException(BridgeError.TIMEOUT, "the disks of VM " + vm.uuid() + " were not in sync within "
                            + options.timeout().toMillis() + " ms; it runs on its source disks");
                }
                long copied = 0;
                long length = 0;
                for (DiskMirror m : mirrors) {
                    long[] progress = m.progress();
                    copied += progress[0];
                    length += progress[1];
                }
                if (length > 0) {
                    task.progress(Math.min(0.99, (double) copied / length));
                }
            }
        }
    }

    private static void rollback(QemuDomain vm, List<Move> moves, List<String> graphBefore, RuntimeException failure) {
        StoragePort storage = vm.host().storage();
        for (Move move : moves) {
            if (move.mirror != null) {
                try {
                    move.mirror.cancel();
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                } finally {
                    move.mirror.close();
                }
            }
            if (move.targetVdi != null) {
                try {
                    if (move.attached) {
                        storage.detach(move.targetVdi, vm.host().uuid());
                    }
                    storage.destroy(move.targetVdi);
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
            }
        }
        if (!graphBefore.isEmpty() && vm.process().isRunning()) {
            List<String> graphAfter = vm.process().disks().blockNodeNames();
            if (!new HashSet<>(graphAfter).equals(new HashSet<>(graphBefore))) {
                failure.addSuppressed(new BridgeException(BridgeError.INTERNAL, "block nodes after the rollback " + graphAfter
                        + " differ from before " + graphBefore));
            }
        }
        LOG.info("storage migration of VM {} rolled back: {}", vm.uuid(), failure.getMessage());
    }
}
