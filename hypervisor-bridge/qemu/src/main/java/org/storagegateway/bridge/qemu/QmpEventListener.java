package org.storagegateway.bridge.qemu;

/**
 * Receives every QMP event of a session, in arrival order, on the session's event thread. A listener
 * may call back into the client (for example issue a command); an exception it throws is logged and
 * does not stop the delivery to other listeners.
 */
@FunctionalInterface
public interface QmpEventListener {
    void onEvent(QmpEvent event);
}
