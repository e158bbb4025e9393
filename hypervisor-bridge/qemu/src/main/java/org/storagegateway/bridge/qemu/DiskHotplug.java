package org.storagegateway.bridge.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugs and unplugs disks of one running QEMU through QMP (XenAPI VBD.plug / unplug / unplug_force).
 *
 * <p>Plug: {@code blockdev-add} of the protocol node, {@code blockdev-add} of the format node on top
 * of it, then {@code device_add} of a {@code virtio-blk-pci} on a free root port or of a
 * {@code scsi-hd} on the virtio-scsi controller. If a step fails, the steps before it are undone in
 * reverse order, so a failed plug leaves no block node behind; the failure is thrown with any
 * rollback failure attached as suppressed.
 *
 * <p>Unplug: {@code device_del}, then the {@code DEVICE_DELETED} event whose {@code device} is this
 * disk's id (virtio devices also send one for their backend child, without {@code device}), then
 * {@code blockdev-del} of the format node and of the protocol node. Unplug is idempotent: a device
 * already gone and nodes already deleted are not errors, so a retry after a timeout finishes the job.
 *
 * <p>Free slots are read from QEMU's QOM tree ({@code qom-list}, {@code qom-get}) rather than remembered, so
 * devices added by anyone are respected. Plugs are serialised per VM; unplugs may run in parallel.
 */
public final class DiskHotplug {
    /** How long {@link #unplugForce} waits for QEMU to remove a SCSI disk. */
    public static final Duration FORCE_UNPLUG_TIMEOUT = Duration.ofSeconds(10);
    /** How long a rollback waits for a half-plugged device to go away. */
    private static final Duration ROLLBACK_UNPLUG_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_SCSI_ID = 255;
    private static final String PERIPHERALS = "/machine/peripheral";
    private static final Logger LOG = LoggerFactory.getLogger(DiskHotplug.class);

    private final QmpClient qmp;
    private final QemuConfig config;
    private final Function<QmpConnectionException, QemuException> onConnectionLoss;
    private final ReentrantLock plugLock = new ReentrantLock();

    /**
     * @param onConnectionLoss turns a lost QMP session into the exception to throw (for example a
     *                         {@link QemuExitedException} once the process is known to be gone)
     */
    DiskHotplug(QmpClient qmp, QemuConfig config, Function<QmpConnectionException, QemuException> onConnectionLoss) {
        this.qmp = qmp;
        this.config = config;
        this.onConnectionLoss = onConnectionLoss;
    }

    /**
     * Attaches a disk. Returns once QEMU has added the device; the guest notices it asynchronously.
     *
     * @throws HotplugException   when there is no free slot, or no SCSI controller for a SCSI disk
     * @throws QmpErrorException  when QEMU refuses a step (after the earlier steps were undone)
     * @throws QemuExitedException when QEMU is gone
     */
    public PluggedDisk plug(DiskSpec spec) {
        return plug(spec, null);
    }

    /**
     * Attaches a disk at a given slot: the destination of a live migration needs every device exactly where the
     * source has it. {@code slot} is a {@link PluggedDisk#slot()} of the source; null means the first free one.
     */
    public PluggedDisk plug(DiskSpec spec, String requestedSlot) {
        plugLock.lock();
        try {
            String slot;
            int scsiId = -1;
            Map<String, Object> device = new LinkedHashMap<>();
            if (spec.bus() == DiskBus.VIRTIO_BLK) {
                slot = requestedSlot != null ? requestedSlot : firstFreeRootPort();
                device.put("driver", "virtio-blk-pci");
                device.put("id", spec.id());
                device.put("drive", spec.formatNode());
                device.put("bus", slot);
            } else {
                if (!config.scsiController()) {
                    throw new HotplugException("cannot plug SCSI disk " + spec.id() + ": the VM has no SCSI controller");
                }
                String prefix = QemuConfig.SCSI_CONTROLLER_ID + ".0:";
                if (requestedSlot != null && !requestedSlot.startsWith(prefix)) {
                    throw new HotplugException("SCSI disk " + spec.id() + " cannot go to slot " + requestedSlot);
                }
                scsiId = requestedSlot != null ? Integer.parseInt(requestedSlot.substring(prefix.length())) : firstFreeScsiId();
                slot = prefix + scsiId;
                device.put("driver", "scsi-hd");
                device.put("id", spec.id());
                device.put("drive", spec.formatNode());
                device.put("bus", QemuConfig.SCSI_CONTROLLER_ID + ".0");
                device.put("channel", 0);
                device.put("scsi-id", scsiId);
                device.put("lun", 0);
            }
            if (spec.serial() != null) {
                device.put("serial", spec.serial());
            }

            List<String> created = new ArrayList<>();
            boolean deviceRequested = false;
            try {
                run("blockdev-add", protocolNodeOptions(spec.source(), spec.protocolNode(), spec.readOnly()));
                created.add(spec.protocolNode());
                run("blockdev-add", formatNodeOptions(spec.format(), spec.formatNode(), spec.protocolNode(), spec.readOnly()));
                created.add(spec.formatNode());
                deviceRequested = true;
                run("device_add", device);
                LOG.debug("plugged {} at {}", spec.id(), slot);
                return new PluggedDisk(spec, slot, scsiId);
            } catch (QemuException failure) {
                // An error reply means the device was not created; a timeout leaves that open.
                boolean deviceMayExist = deviceRequested && !(failure instanceof QmpErrorException);
                rollback(spec.id(), created, deviceMayExist, failure);
                throw failure;
            }
        } finally {
            plugLock.unlock();
        }
    }

    /**
     * Detaches a disk with the guest's cooperation and deletes its block nodes.
     *
     * @throws UnplugTimeoutException when the guest does not release the device in time; the nodes stay
     * @throws QemuExitedException    when QEMU is gone
     */
    public void unplug(PluggedDisk disk, Duration timeout) {
        removeDevice(disk.deviceId(), timeout);
        deleteNodes(disk.formatNode(), disk.protocolNode());
        LOG.debug("unplugged {}", disk.deviceId());
    }

    /**
     * Detaches a SCSI disk without the guest's cooperation (works with the CPUs stopped) and deletes
     * its block nodes. A virtio-blk disk cannot be removed without the guest, so it is refused.
     *
     * @throws HotplugException when the disk is not on the SCSI bus
     */
    public void unplugForce(PluggedDisk disk) {
        if (disk.spec().bus() != DiskBus.SCSI) {
            throw new HotplugException("cannot force the unplug of " + disk.deviceId()
                    + ": a virtio-blk device leaves only when the guest acknowledges; plug it on SCSI to allow unplug-force");
        }
        unplug(disk, FORCE_UNPLUG_TIMEOUT);
    }

    /**
     * Makes the guest see the current size of an NBD disk, without unplugging it. An NBD client learns the export's
     * size only at its handshake, and QEMU cannot grow an NBD node ({@code block_resize} on it says "Cannot grow NBD
     * nodes"), so the size is read through a fresh connection:
     * <ol>
     *   <li>{@code blockdev-add} of a second protocol node on the same export: its handshake reports the new size;</li>
     *   <li>{@code blockdev-reopen} of the raw format node with that node as its {@code file} (QEMU drains the
     *       device's requests first);</li>
     *   <li>{@code block_resize} of the format node to the new node's size: QEMU tells the device, and virtio-blk
     *       and scsi-hd tell the guest;</li>
     *   <li>{@code blockdev-del} of the old protocol node, which closes its connection.</li>
     * </ol>
     * If step 1 or 2 fails, the new node is deleted; if step 3 fails, the format node is reopened on the old node
     * first. Either way the device keeps reading through the connection it had, at the size the guest saw. A failure
     * of step 4 only leaves the old connection open until unplug, and is logged.
     *
     * @return the disk on its new protocol node
     * @throws HotplugException    when the disk is not on an NBD datapath
     * @throws QmpErrorException   when QEMU refuses a step (after the earlier steps were undone)
     * @throws QemuExitedException when QEMU is gone
     */
    public PluggedDisk refreshSize(PluggedDisk disk) {
        if (!(disk.spec().source() instanceof DiskSource.Nbd)) {
            throw new HotplugException("cannot refresh the size of " + disk.deviceId() + " online: only NBD datapaths"
                    + " can, and it reads " + disk.spec().source());
        }
        String oldNode = disk.protocolNode();
        String newNode = resizedProtocolNode(disk);
        boolean readOnly = disk.spec().readOnly();
        run("blockdev-add", protocolNodeOptions(disk.spec().source(), newNode, readOnly));
        boolean switched = false;
        try {
            run("blockdev-reopen", Map.of("options", List.of(
                    formatNodeOptions(disk.spec().format(), disk.formatNode(), newNode, readOnly))));
            switched = true;
            run("block_resize", Map.of("node-name", disk.formatNode(), "size", nodeSize(newNode)));
        } catch (QemuException failure) {
            if (qmp.isOpen()) {
                try {
                    if (switched) {
                        run("blockdev-reopen", Map.of("options", List.of(
                                formatNodeOptions(disk.spec().format(), disk.formatNode(), oldNode, readOnly))));
                    }
                    deleteNode(newNode);
                } catch (QemuException e) {
                    failure.addSuppressed(e);
                }
            }
            throw failure;
        }
        try {
            deleteNode(oldNode);
        } catch (QemuException e) {
            LOG.warn("{} reads through {} now; deleting its old node {} failed: {}", disk.deviceId(), newNode, oldNode,
                    e.getMessage());
        }
        LOG.debug("{} refreshed its size through {}", disk.deviceId(), newNode);
        return disk.onProtocolNode(newNode);
    }

    /**
     * The name of the protocol node a size refresh adds: {@code <id>-rproto} and {@code <id>-sproto} in turn, names a
     * plug ({@code -proto}) or a mirror ({@code -proto}, {@code -mproto}) never uses, so each can follow the others.
     */
    static String resizedProtocolNode(PluggedDisk disk) {
        String alternate = disk.deviceId() + "-rproto";
        return disk.protocolNode().equals(alternate) ? disk.deviceId() + "-sproto" : alternate;
    }

    /** The virtual size in bytes of a block node, from {@code query-named-block-nodes}. */
    long nodeSize(String nodeName) {
        for (JsonNode node : run("query-named-block-nodes", Map.of("flat", true))) {
            if (nodeName.equals(node.path("node-name").asText())) {
                return node.path("image").path("virtual-size").asLong();
            }
        }
        throw new QemuException("QEMU has no block node " + nodeName);
    }

    /** Names of every block node QEMU has, including automatically named ones ({@code #block123}). */
    public List<String> blockNodeNames() {
        List<String> names = new ArrayList<>();
        for (JsonNode node : run("query-named-block-nodes", Map.of("flat", true))) {
            names.add(node.path("node-name").asText());
        }
        return names;
    }

    /**
     * The root ports with nothing behind them, in allocation order. Read from the QOM tree: a port's
     * secondary bus ({@code /machine/peripheral/<port>/<port>}) has a {@code child[N]} link per device.
     * ({@code query-pci} is no help here: it walks bus numbers the firmware assigns, so before the
     * guest runs it sees nothing behind any port.)
     */
    public List<String> freeRootPorts() {
        List<String> free = new ArrayList<>();
        for (String port : config.rootPortIds()) {
            boolean occupied = false;
            for (JsonNode property : run("qom-list", Map.of("path", PERIPHERALS + "/" + port + "/" + port))) {
                occupied |= property.path("name").asText().startsWith("child[");
            }
            if (!occupied) {
                free.add(port);
            }
        }
        return free;
    }

    /** True while QEMU has a device with this id (including one waiting for the guest to release it). */
    public boolean deviceExists(String deviceId) {
        for (JsonNode child : run("qom-list", Map.of("path", PERIPHERALS))) {
            if (deviceId.equals(child.path("name").asText()) && child.path("type").asText().startsWith("child<")) {
                return true;
            }
        }
        return false;
    }

    // --- steps ------------------------------------------------------------------------------------

    /** {@code blockdev-add} arguments of the node that reaches the bytes. */
    static Map<String, Object> protocolNodeOptions(DiskSource source, String nodeName, boolean readOnly) {
        Map<String, Object> options = new LinkedHashMap<>();
        if (source instanceof DiskSource.File file) {
            boolean regular = Files.isRegularFile(file.path()) || !Files.exists(file.path());
            options.put("driver", regular ? "file" : "host_device");
            options.put("node-name", nodeName);
            options.put("filename", file.path().toString());
        } else if (source instanceof DiskSource.Nbd nbd) {
            options.put("driver", "nbd");
            options.put("node-name", nodeName);
            options.put("server", Map.of("type", "unix", "path", nbd.socket().toString()));
            options.put("export", nbd.export());
        } else if (source instanceof DiskSource.Iscsi iscsi) {
            options.put("driver", "iscsi");
            options.put("node-name", nodeName);
            options.put("transport", "tcp");
            options.put("portal", iscsi.portal());
            options.put("target", iscsi.target());
            options.put("lun", iscsi.lun());
            options.put("initiator-name", iscsi.initiatorName());
        } else {
            throw new IllegalArgumentException("unknown disk source " + source);
        }
        options.put("read-only", readOnly);
        return options;
    }

    /** {@code blockdev-add} arguments of the format node stacked on {@code fileNode}. */
    static Map<String, Object> formatNodeOptions(DiskFormat format, String nodeName, String fileNode, boolean readOnly) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("driver", format.driver());
        options.put("node-name", nodeName);
        options.put("file", fileNode);
        options.put("read-only", readOnly);
        options.put("discard", "unmap");
        return options;
    }

    private String firstFreeRootPort() {
        List<String> free = freeRootPorts();
        if (free.isEmpty()) {
            throw new HotplugException("no free PCIe root port: all " + config.rootPorts() + " are in use");
        }
        return free.get(0);
    }

    private int firstFreeScsiId() {
        Set<Integer> used = new HashSet<>();
        for (JsonNode child : run("qom-list", Map.of("path", PERIPHERALS))) {
            if (child.path("type").asText().startsWith("child<scsi-")) {
                String path = PERIPHERALS + "/" + child.path("name").asText();
                used.add(run("qom-get", Map.of("path", path, "property", "scsi-id")).asInt());
            }
        }
        for (int id = 0; id <= MAX_SCSI_ID; id++) {
            if (!used.contains(id)) {
                return id;
            }
        }
        throw new HotplugException("no free SCSI target id on " + QemuConfig.SCSI_CONTROLLER_ID);
    }

    private void removeDevice(String deviceId, Duration timeout) {
        try (PendingEvent deleted = qmp.expectEvent("DEVICE_DELETED", e -> deviceId.equals(e.text("device")))) {
            try {
                qmp.execute("device_del", Map.of("id", deviceId), config.commandTimeout());
            } catch (QmpErrorException e) {
                if ("DeviceNotFound".equals(e.errorClass())) {
                    return; // already gone, for example after an earlier unplug that timed out
                }
                if (!e.description().contains("already in the process of unplug")) {
                    throw e;
                }
            }
            try {
                deleted.await(timeout);
            } catch (QmpTimeoutException e) {
                if (deviceExists(deviceId)) {
                    throw new UnplugTimeoutException(deviceId, timeout, e);
                }
            }
        } catch (QmpConnectionException e) {
            throw onConnectionLoss.apply(e);
        }
    }

    /** blockdev-del of each node, top down, treating "no such node" as done; every node is tried. */
    void deleteNodes(String... nodes) {
        QemuException failure = null;
        for (String node : nodes) {
            try {
                deleteNode(node);
            } catch (QemuException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** blockdev-del that treats "no such node" as done. */
    private void deleteNode(String node) {
        try {
            run("blockdev-del", Map.of("node-name", node));
        } catch (QmpErrorException e) {
            if (!e.description().startsWith("Failed to find node")) {
                throw e;
            }
        }
    }

    private void rollback(String deviceId, List<String> createdNodes, boolean deviceMayExist, QemuException failure) {
        if (!qmp.isOpen()) {
            return; // QEMU is gone, and with it every node
        }
        if (deviceMayExist) {
            try {
                removeDevice(deviceId, ROLLBACK_UNPLUG_TIMEOUT);
            } catch (QemuException e) {
                failure.addSuppressed(e);
            }
        }
        for (int i = createdNodes.size() - 1; i >= 0; i--) {
            try {
                deleteNode(createdNodes.get(i));
            } catch (QemuException e) {
                failure.addSuppressed(e);
            }
        }
        LOG.debug("plug of {} failed and was rolled back: {}", deviceId, failure.getMessage());
    }

    JsonNode run(String command, Map<String, ?> arguments) {
        try {
            return qmp.execute(command, arguments, config.commandTimeout());
        } catch (QmpConnectionException e) {
            throw onConnectionLoss.apply(e);
        }
    }
}
