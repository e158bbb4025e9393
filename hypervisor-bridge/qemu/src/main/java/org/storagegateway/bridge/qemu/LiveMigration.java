package org.storagegateway.bridge.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.storagegateway.spi.model.Datapath;

/**
 * VM.pool_migrate on shared storage, and VM.migrate_send with a VDI→SR map, between two QEMU processes on this
 * machine, over unix sockets.
 *
 * <ol>
 *   <li>Destination: a process with the source's machine, started with {@code -incoming defer}; each plugged VBD's VDI
 *       attached for the destination host and plugged with the same device id at the same slot.</li>
 *   <li>Both sides: capabilities {@code events} and {@code return-path}, each read back with
 *       {@code query-migrate-capabilities}. With return-path the source learns when the destination fails to load the
 *       state, instead of reporting {@code completed} for a dead destination.</li>
 *   <li>Source: {@code migrate-set-parameters} (downtime limit, bandwidth), destination {@code migrate-incoming},
 *       source {@code migrate}; then wait for the source's {@code MIGRATION} event to reach completed, failed or
 *       cancelled, polling the task for cancel and the deadline.</li>
 *   <li>Success needs both sides: source {@code completed} and destination {@code completed} and paused. Then the
 *       destination's CPUs start ({@code cont}): the point of no return. The source process quits; its VDI attaches
 *       are released.</li>
 * </ol>
 * With a VDI map (migrate_send, libvirt's recipe), each mapped disk gets a new VDI on its SR, attached for the
 * destination and plugged there; the destination serves those nodes over NBD ({@code nbd-server-start},
 * {@code block-export-add}, writable) and the source mirrors each disk into its export ({@link DiskMirror}, write-
 * blocking) until all are in sync; then the memory moves as above, each mirror ends without switching once the source
 * is stopped ({@link DiskMirror#release}), the NBD server stops, the destination starts, and only then are the source
 * VDIs of the moved disks destroyed.
 *
 * <p>Any failure or cancel before the destination starts: {@code migrate_cancel}, the mirrors cancelled (their nodes
 * deleted), {@code cont} on the source if it stopped, the destination killed, its attaches released and the new VDIs
 * destroyed. The VM runs on at the source, on its source VDIs.
 */
final class LiveMigration {
    private static final Logger LOG = LoggerFactory.getLogger(LiveMigration.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration DESTINATION_REPORT = Duration.ofSeconds(15);
    /** "No cap" for max-bandwidth: 100 GiB/s. */
    private static final long UNCAPPED = 100L << 30;
    private static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled");

    private LiveMigration() {
    }

    static MigrationReport run(QemuDomain vm, QemuHost destination, Map<String, String> vdiToSr, MigrationOptions options,
                               BridgeTask task) {
        long started = System.nanoTime();
        long deadline = started + options.timeout().toNanos();
        Map<QemuVbd, String> moving = vdiToSr.isEmpty() ? Map.of() : StorageMigration.mappedVbds(vm, vdiToSr);
        QemuVm source = vm.process();
        QemuVm target = null;
        List<String> attached = new ArrayList<>();
        List<String> created = new ArrayList<>();
        Map<String, String> newVdis = new LinkedHashMap<>();
        List<DiskMirror> mirrors = new ArrayList<>();
        List<MigrationReport.DiskMove> moves = new ArrayList<>();
        Map<String, PluggedDisk> plugged = new LinkedHashMap<>();
        JsonNode stats;
        try {
            try {
                target = QemuVm.start(destination.configFor(vm.spec()).incoming(true).build());
            } catch (RuntimeException e) {
                throw Failures.toBridge("start of the destination process on " + destination.nameLabel(), e);
            }
            for (QemuVbd vbd : vm.qemuVbds()) {
                PluggedDisk disk = vbd.plugged();
                if (disk == null) {
                    continue;
                }
                String vdi = vbd.spec().vdiUuid();
                Datapath datapath;
                try {
                    String sr = moving.get(vbd);
                    if (sr != null) {
                        vdi = destination.storage().createVdi(sr, "copy of " + vdi, destination.storage().virtualSize(vdi));
                        created.add(vdi);
                        newVdis.put(vbd.uuid(), vdi);
                    }
                    datapath = destination.storage().attach(vdi, destination.uuid(), !vbd.spec().readOnly());
                } catch (RuntimeException e) {
                    throw QemuHost.storageFailure("attach of VDI " + vdi + " on " + destination.nameLabel(), e);
                }
                attached.add(vdi);
                plugged.put(vbd.uuid(), target.disks().plug(vbd.diskSpec(datapath, destination), disk.slot()));
            }
            enableCapabilities(source, "source");
            enableCapabilities(target, "destination");
            if (!moving.isEmpty()) {
                mirrorIntoDestination(vm, target, moving, plugged, mirrors, deadline, options, task);
            }
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("downtime-limit", options.downtimeLimit().toMillis());
            // Always set: QEMU keeps parameters across migrations, and its own default cap is 32 MiB/s.
            parameters.put("max-bandwidth", options.maxBytesPerSecond() > 0 ? options.maxBytesPerSecond() : UNCAPPED);
            source.qmp().execute("migrate-set-parameters", parameters);

            String uri = "unix:" + target.runDirectory().resolve("migration.sock");
            try (PendingEvent sourceEnd = source.qmp().expectEvent("MIGRATION", e -> TERMINAL.contains(e.text("status")));
                 PendingEvent targetEnd = target.qmp().expectEvent("MIGRATION", e -> TERMINAL.contains(e.text("status")))) {
                target.qmp().execute("migrate-incoming", Map.of("uri", uri));
                source.qmp().execute("migrate", Map.of("uri", uri));
                QmpEvent end = awaitEnd(vm, source, sourceEnd, deadline, options, task);
                stats = finalStatistics(source);
                if (!"completed".equals(end.text("status"))) {
                    throw new BridgeException(BridgeError.MIGRATION_FAILED, "migration of VM " + vm.uuid() + " ended "
                            + end.text("status") + ": " + stats.path("error-desc").asText("no reason given"));
                }
                String destinationStatus = targetEnd.await(DESTINATION_REPORT).text("status");
                String runState = target.status();
                if (!"completed".equals(destinationStatus) || !"paused".equals(runState)) {
                    throw new BridgeException(BridgeError.MIGRATION_FAILED, "the source completed, but the destination reports "
                            + destinationStatus + " and is " + runState);
                }
            }
            // The source is stopped: every disk write reached both sides. End the copies without switching.
            for (DiskMirror mirror : mirrors) {
                DiskMirror.Completion completion = mirror.release(DESTINATION_REPORT);
                if (completion.copied() < completion.length()) {
                    throw new BridgeException(BridgeError.MIRROR_FAILED, "the copy of " + mirror.disk().deviceId()
                            + " reports " + completion.copied() + " of " + completion.length() + " bytes");
                }
                QemuVbd vbd = vbdOf(vm, mirror.disk().deviceId());
                moves.add(new MigrationReport.DiskMove(vbd.uuid(), vbd.spec().vdiUuid(), newVdis.get(vbd.uuid()), moving.get(vbd),
                        completion.copied()));
            }
            if (!mirrors.isEmpty()) {
                target.qmp().execute("nbd-server-stop");
            }
            target.qmp().execute("cont");
        } catch (RuntimeException failure) {
            for (DiskMirror mirror : mirrors) {
                try {
                    mirror.cancel();
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
            }
            rollback(vm, source, target, destination, attached, failure);
            for (String vdi : created) {
                try {
                    destination.storage().destroy(vdi);
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
            }
            if (failure instanceof BridgeException bridge) {
                throw bridge;
            }
            throw new BridgeException(BridgeError.MIGRATION_FAILED, "migration of VM " + vm.uuid() + " to "
                    + destination.nameLabel() + " failed; it runs on at " + vm.host().nameLabel() + ": " + failure.getMessage(), failure);
        }
        // The guest runs on the destination now: no way back.
        mirrors.forEach(DiskMirror::close);
        QemuDomain moved = QemuDomain.adopt(destination, vm, target, plugged, newVdis);
        vm.migratedTo(destination);
        // The guest runs on the copies, verified: the moved disks' source VDIs may go.
        for (MigrationReport.DiskMove move : moves) {
            destination.storage().destroy(move.sourceVdiUuid());
        }
        task.progress(1.0);
        Duration total = Duration.ofNanos(System.nanoTime() - started);
        MigrationReport report = new MigrationReport(moved, total, Duration.ofMillis(stats.path("downtime").asLong()),
                Duration.ofMillis(stats.path("total-time").asLong()), stats.path("ram").path("transferred").asLong(), moves);
        LOG.info("VM {} migrated from {} to {}: total {} ms (QEMU total-time {} ms), downtime {} ms, {} bytes of RAM",
                vm.uuid(), vm.host().nameLabel(), destination.nameLabel(), total.toMillis(), stats.path("total-time").asLong(),
                report.downtime().toMillis(), report.memoryBytes());
        return report;
    }

    /** Serves the destination's nodes of the moving disks over NBD and mirrors each source disk into them, until in sync. */
    private static void mirrorIntoDestination(QemuDomain vm, QemuVm target, Map<QemuVbd, String> moving,
                                              Map<String, PluggedDisk> plugged, List<DiskMirror> mirrors, long deadline,
                                              MigrationOptions options, BridgeTask task) {
        java.nio.file.Path socket = target.runDirectory().resolve("nbd.sock");
        target.qmp().execute("nbd-server-start", Map.of("addr", Map.of("type", "unix", "data", Map.of("path", socket.toString()))));
        for (QemuVbd vbd : moving.keySet()) {
            PluggedDisk destinationDisk = plugged.get(vbd.uuid());
            target.qmp().execute("block-export-add", Map.of("type", "nbd", "id", "export-" + vbd.deviceId(),
                    "node-name", destinationDisk.formatNode(), "name", vbd.deviceId(), "writable", true));
            mirrors.add(DiskMirror.start(vm.process(), vbd.plugged(), new DiskSource.Nbd(socket, vbd.deviceId()),
                    options.maxBytesPerSecond()));
        }
        StorageMigration.awaitInSync(vm, mirrors, deadline, options, task);
    }

    /**
     * {@code query-migrate} once its times are filled in. QEMU sends the {@code completed} event before it computes
     * {@code total-time} and {@code downtime}, so a query right after the event can read zeros.
     */
    private static JsonNode finalStatistics(QemuVm source) {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        JsonNode stats = source.qmp().execute("query-migrate");
        while ("completed".equals(stats.path("status").asText()) && stats.path("total-time").asLong() == 0
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            stats = source.qmp().execute("query-migrate");
        }
        return stats;
    }

    private static QemuVbd vbdOf(QemuDomain vm, String deviceId) {
        return vm.qemuVbds().stream().filter(v -> v.deviceId().equals(deviceId)).findFirst().orElseThrow();
    }

    /** Sets events and return-path, then reads them back: a side that does not report both on refuses the migration. */
    private static void enableCapabilities(QemuVm process, String side) {
        List<Map<String, Object>> capabilities = List.of(
                Map.of("capability", "events", "state", true),
                Map.of("capability", "return-path", "state", true));
        process.qmp().execute("migrate-set-capabilities", Map.of("capabilities", capabilities));
        int on = 0;
        for (JsonNode capability : process.qmp().execute("query-migrate-capabilities")) {
            String name = capability.path("capability").asText();
            if ((name.equals("events") || name.equals("return-path")) && capability.path("state").asBoolean()) {
                on++;
            }
        }
        if (on != 2) {
            throw new BridgeException(BridgeError.MIGRATION_FAILED, "the " + side + " did not enable the events and return-path capabilities");
        }
    }

    private static QmpEvent awaitEnd(QemuDomain vm, QemuVm source, PendingEvent end, long deadline, MigrationOptions options,
                                     BridgeTask task) {
        while (true) {
            try {
                return end.await(POLL);
            } catch (QmpTimeoutException e) {
                if (task.isCancelRequested()) {
                    throw new BridgeException(BridgeError.TASK_CANCELLED, "migration of VM " + vm.uuid() + " cancelled");
                }
                if (System.nanoTime() > deadline) {
                    throw new BridgeException(BridgeError.TIMEOUT, "migration of VM " + vm.uuid() + " did not finish within "
                            + options.timeout().toMillis() + " ms");
                }
                JsonNode ram = source.qmp().execute("query-migrate").path("ram");
                long total = ram.path("total").asLong();
                if (total > 0) {
                    task.progress(Math.min(0.99, ram.path("transferred").asDouble() / total));
                }
            }
        }
    }

    private static void rollback(QemuDomain vm, QemuVm source, QemuVm target, QemuHost destination, List<String> attached,
                                 RuntimeException failure) {
        try {
            if (source.isRunning()) {
                String status = source.qmp().execute("query-migrate").path("status").asText("none");
                if (!TERMINAL.contains(status) && !"none".equals(status)) {
                    source.qmp().execute("migrate_cancel");
                    awaitSourceSettled(source);
                }
                String runState = source.status();
                if (!"running".equals(runState)) {
                    // postmigrate or paused: the source is still authoritative until the destination runs.
                    source.qmp().execute("cont");
                }
            }
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        if (target != null) {
            try {
                target.kill();
                target.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        for (String vdi : attached) {
            try {
                destination.storage().detach(vdi, destination.uuid());
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        LOG.info("migration of VM {} rolled back; it runs on {}: {}", vm.uuid(), vm.host().nameLabel(), failure.getMessage());
    }

    private static void awaitSourceSettled(QemuVm source) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            String status = source.qmp().execute("query-migrate").path("status").asText();
            if (TERMINAL.contains(status)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
