package org.storagegateway.spi.model;

/**
 * Space figures of an SR, in bytes, as found on the storage.
 *
 * @param physicalSize the capacity of the storage behind the SR
 * @param physicalUtilisation the bytes the SR's data occupies
 * @param virtualAllocation the sum of the virtual sizes of the SR's VDIs
 */
public record SrStats(long physicalSize, long physicalUtilisation, long virtualAllocation) {
    public SrStats {
        if (physicalSize < 0 || physicalUtilisation < 0 || virtualAllocation < 0) {
            throw new IllegalArgumentException("SR figures must not be negative");
        }
    }
}
