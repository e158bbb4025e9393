package org.storagegateway.vhd;

/**
 * Durability policy for data writes through {@link VhdChain}.
 *
 * <p>In both modes the library issues its writes in the crash-safe order (data and zeroed
 * bitmap, then BAT entry and bitmap, then batmap). The modes differ in whether that order is
 * also enforced against the operating system's write-back cache.
 */
public enum WriteOrdering {
    /**
     * Writes go to the page cache; ordering towards stable storage is only guaranteed at
     * {@link VhdChain#flush()} (which forces everything). Equivalent to a disk with a volatile
     * write cache: the guest/caller must flush for durability. Fastest.
     */
    RELAXED,
    /**
     * Before every metadata update (BAT entry, sector bitmap, batmap) the data it describes is
     * forced to stable storage, so a crash can leak a block but never exposes a sector whose
     * bitmap bit is set before its data is durable.
     */
    STRICT
}
