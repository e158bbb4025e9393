package org.storagegateway.bridge;

import java.util.List;
import java.util.Optional;

/** A hypervisor host (XenAPI host): starts VMs, clones VM records, reports VM power-state changes. */
public interface Host extends AutoCloseable {

    String uuid();

    String nameLabel();

    /**
     * Boots a VM (XenAPI VM.start): attaches each VBD's VDI through the {@link StoragePort}, plugs the disks, starts
     * the CPUs. A failure leaves nothing behind.
     */
    Vm start(VmSpec spec);

    /** The VMs running or paused here. */
    List<Vm> residentVms();

    Optional<Vm> vm(String vmUuid);

    /**
     * Clones a halted VM record or a snapshot (XenAPI VM.clone): every VDI is cloned through the {@link StoragePort};
     * the result has a new uuid, new VBD uuids and the new VDIs, ready for {@link #start}. If one clone fails, those
     * already made are destroyed.
     */
    VmSpec cloneVm(VmSpec source, String nameLabel);

    /** Adds a listener for the power-state changes of every VM on this host. Close the result to remove it. */
    AutoCloseable addListener(VmEventListener listener);

    /** Stops every VM still resident (hard shutdown). */
    @Override
    void close();
}
