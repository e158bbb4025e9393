package org.storagegateway.bridge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A VM resident on a {@link Host} (XenAPI VM). */
public interface Vm {

    String uuid();

    /** The record as it is now: current VBDs, with their current VDIs. */
    VmSpec spec();

    VmPowerState powerState();

    /** The host it runs on. */
    Host residentOn();

    List<Vbd> vbds();

    Optional<Vbd> vbd(String vbdUuid);

    /** Adds an unplugged VBD (XenAPI VBD.create); {@link Vbd#plug()} attaches it. */
    Vbd createVbd(VbdSpec spec);

    /** Stops the CPUs (XenAPI VM.pause). */
    void pause();

    /** Restarts the CPUs (XenAPI VM.unpause). */
    void unpause();

    /**
     * Asks the guest to power off and waits (XenAPI VM.clean_shutdown).
     *
     * @throws BridgeException {@link BridgeError#TIMEOUT} when the guest did not power off in time; it keeps running
     */
    void cleanShutdown(Duration timeout);

    /** Stops the VM at once, without the guest (XenAPI VM.hard_shutdown). Its VBDs' VDIs are detached. */
    void hardShutdown();

    /**
     * Snapshots all disks at one moment (XenAPI VM.snapshot, but atomic across disks): stops the CPUs, which drains and
     * flushes the VM's I/O, snapshots each VDI through the {@link StoragePort}, and restarts the CPUs. If one snapshot
     * fails, those already taken are destroyed and the VM runs on.
     */
    VmSnapshot snapshot(String nameLabel);

    /**
     * Live-migrates to another host that reaches the same VDIs (XenAPI VM.pool_migrate on shared storage). Until the
     * VM runs on the destination, any failure or cancel leaves it running here and removes everything made on the
     * destination.
     */
    MigrationReport poolMigrate(Host destination, MigrationOptions options, BridgeTask task);

    /**
     * Migrates with storage (XenAPI VM.migrate_send with a VDI→SR map): every VDI in {@code vdiToSr} is copied to a new
     * VDI on its SR while the VM runs, the VM switches to the copies, and each source VDI is destroyed only after its
     * copy was verified. VDIs not in the map stay where they are. Until the switch, any failure or cancel leaves the VM
     * running on its source VDIs and destroys the copies.
     *
     * @param destination the host to run on afterwards; this host for a storage-only move
     */
    MigrationReport migrateSend(Host destination, Map<String, String> vdiToSr, MigrationOptions options, BridgeTask task);
}
