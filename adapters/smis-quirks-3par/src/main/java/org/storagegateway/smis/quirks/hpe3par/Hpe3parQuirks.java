package org.storagegateway.smis.quirks.hpe3par;

import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.smis.quirks.VendorQuirks;

/**
 * HPE 3PAR's SMI-S provider (classes {@code TPD_*}, namespace {@code root/tpd}): Associators from a
 * {@code TPD_ConcreteJob} with a PropertyList return instances without properties (reference smis.md §4.3).
 */
@Component(service = VendorQuirks.class)
public final class Hpe3parQuirks implements VendorQuirks {
    static final String CLASS_PREFIX = "TPD";

    @Override
    public String name() {
        return "hpe-3par";
    }

    @Override
    public boolean appliesTo(ArrayIdentity array) {
        return array.classPrefix().equalsIgnoreCase(CLASS_PREFIX);
    }

    @Override
    public Set<Quirk> quirks() {
        return Set.of(Quirk.ASSOCIATORS_WITHOUT_PROPERTY_LIST);
    }
}
