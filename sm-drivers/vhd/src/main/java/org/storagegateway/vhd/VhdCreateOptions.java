package org.storagegateway.vhd;

import java.time.Clock;
import java.util.Objects;

/**
 * Options for {@link VhdImage#createDynamic}, {@link VhdImage#createDifferencing} and
 * {@link VhdImage#createFixed}.
 *
 * @param durable             force the new file (data and metadata) to stable storage before
 *                            returning ({@code FileChannel.force(true)}); the directory entry is
 *                            not synced, callers that rename into place sync the directory
 * @param clock               source of the footer timestamp (injectable for reproducible files)
 * @param reservedVirtualSize if larger than the virtual size, the BAT and batmap are sized for
 *                            this size so later growth up to it is a footer-only change (like
 *                            {@code vhd-util create -S}); 0 means "exactly the virtual size"
 */
public record VhdCreateOptions(boolean durable, Clock clock, long reservedVirtualSize) {

    public VhdCreateOptions {
        Objects.requireNonNull(clock, "clock");
        if (reservedVirtualSize < 0 || reservedVirtualSize > VhdFormat.MAX_RESERVED_SIZE) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, null,
                    "reserved virtual size out of range: " + reservedVirtualSize);
        }
    }

    /** Durable (forced) create, system clock, BAT sized to the virtual size. */
    public static VhdCreateOptions defaults() {
        return new VhdCreateOptions(true, Clock.systemUTC(), 0);
    }

    public VhdCreateOptions withDurable(boolean newDurable) {
        return new VhdCreateOptions(newDurable, clock, reservedVirtualSize);
    }

    public VhdCreateOptions withClock(Clock newClock) {
        return new VhdCreateOptions(durable, newClock, reservedVirtualSize);
    }

    public VhdCreateOptions withReservedVirtualSize(long size) {
        return new VhdCreateOptions(durable, clock, size);
    }
}
