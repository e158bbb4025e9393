package org.storagegateway.smis.quirks;

import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The quirks of one vendor's arrays, registered as an OSGi service by a vendor quirk bundle (the provider half of
 * jclouds' api/provider split). The SMI-S adapter asks every registered service whether it {@link #appliesTo} an
 * array and uses the union of the quirks of those that do. Implementations must be cheap and side-effect free.
 */
@ConsumerType
public interface VendorQuirks {

    /** Return a short name for logs, such as {@code hpe-3par}. */
    String name();

    /** Return whether these quirks apply to the array. */
    boolean appliesTo(ArrayIdentity array);

    /** Return the quirks of matching arrays. */
    Set<Quirk> quirks();
}
