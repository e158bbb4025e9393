package org.storagegateway.smis.simulator.array;

/**
 * Where initiators reach the array's iSCSI targets: the address and TCP port its target port advertises.
 *
 * @param address an IPv4 address
 * @param port    the TCP port (3260 unless configured)
 */
public record IscsiPortal(String address, int port) {
    public static final int DEFAULT_PORT = 3260;

    public static IscsiPortal loopback(int port) {
        return new IscsiPortal("127.0.0.1", port);
    }
}
