package org.storagegateway.bridge;

/** XenAPI's VM power states, plus CRASHED for a VM whose hypervisor process died without being asked to. */
public enum VmPowerState {
    /** Not running: never started, shut down, or moved to another host. */
    HALTED,
    /** Running with its CPUs stopped ({@link Vm#pause()}). */
    PAUSED,
    RUNNING,
    /** The hypervisor process ended without a request and without the guest powering off. */
    CRASHED
}
