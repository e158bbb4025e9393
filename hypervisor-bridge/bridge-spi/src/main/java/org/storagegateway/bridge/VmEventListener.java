package org.storagegateway.bridge;

/** Receives {@link VmEvent}s. Called on a bridge thread; must not block for long. */
@FunctionalInterface
public interface VmEventListener {
    void onEvent(VmEvent event);
}
