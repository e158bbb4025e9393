package org.storagegateway.spi.model;

/**
 * What one {@code collectGarbage} call did.
 *
 * @param deleted internal VDIs deleted because nothing depended on them
 * @param coalesced chain links removed by coalescing
 * @param bytesCopied data copied while coalescing
 * @param moreWork whether garbage remains that a further call would collect
 */
public record GarbageCollectionReport(int deleted, int coalesced, long bytesCopied, boolean moreWork) {
    public GarbageCollectionReport {
        if (deleted < 0 || coalesced < 0 || bytesCopied < 0) {
            throw new IllegalArgumentException("counts must not be negative");
        }
    }
}
