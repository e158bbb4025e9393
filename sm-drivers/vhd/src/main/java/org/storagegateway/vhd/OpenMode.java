package org.storagegateway.vhd;

/** How {@link VhdImage#open} and {@link VhdChain#open} open the (leaf) file. */
public enum OpenMode {
    /** No byte of the file is ever written. */
    READ_ONLY,
    /** Writes allowed; a missing trailing footer is repaired on clean close. */
    READ_WRITE
}
