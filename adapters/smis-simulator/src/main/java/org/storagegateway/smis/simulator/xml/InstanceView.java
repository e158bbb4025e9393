package org.storagegateway.smis.simulator.xml;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.storagegateway.smis.simulator.cim.CimClass;
import org.storagegateway.smis.simulator.cim.PropertyDef;

/**
 * Which properties of an instance a reply shows: an optional PropertyList, whether CLASSORIGIN is written, and (for
 * EnumerateInstances with DeepInheritance false) the class whose properties bound the result.
 */
public record InstanceView(Set<String> propertyList, boolean includeClassOrigin, CimClass limitTo) {

    /** Every property, no class origin. */
    public static final InstanceView ALL = new InstanceView(null, false, null);

    public InstanceView {
        if (propertyList != null) {
            propertyList = propertyList.stream().map(p -> p.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        }
    }

    public boolean shows(PropertyDef property) {
        if (propertyList != null && !propertyList.contains(property.name().toLowerCase(Locale.ROOT))) {
            return false;
        }
        return limitTo == null || limitTo.property(property.name()) != null;
    }
}
