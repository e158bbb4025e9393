package org.storagegateway.bridge.qemu;

/** The format layer QEMU stacks on the source. The bridge passes it through; it never guesses. */
public enum DiskFormat {
    RAW("raw"),
    QCOW2("qcow2");

    private final String driver;

    DiskFormat(String driver) {
        this.driver = driver;
    }

    /** The QEMU block driver name. */
    public String driver() {
        return driver;
    }
}
