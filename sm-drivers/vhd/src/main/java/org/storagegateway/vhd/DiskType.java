package org.storagegateway.vhd;

/** VHD disk types (footer field "disk type"). */
public enum DiskType {
    /** Raw data followed by a footer. */
    FIXED(2),
    /** Sparse image: footer copy, dynamic header, BAT, blocks, footer. */
    DYNAMIC(3),
    /** Sparse image whose unallocated sectors are read from a parent image. */
    DIFFERENCING(4);

    private final int code;

    DiskType(int code) {
        this.code = code;
    }

    /** The on-disk type code. */
    public int code() {
        return code;
    }

    /** True for the two types that have a dynamic header and a BAT. */
    public boolean isSparse() {
        return this != FIXED;
    }

    /** Maps an on-disk code to a type, or returns {@code null} for an unknown code. */
    static DiskType fromCode(int code) {
        for (DiskType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
