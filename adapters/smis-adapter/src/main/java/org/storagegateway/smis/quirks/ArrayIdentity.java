package org.storagegateway.smis.quirks;

import java.util.Objects;

/**
 * What the adapter knows of an array when it picks the quirks for it, all read from the array's top-level
 * CIM_ComputerSystem as its Array profile names it.
 *
 * @param systemClass the system's class, such as {@code TPD_StorageSystem}: its prefix names the vendor's provider
 * @param systemName the system's {@code Name} key
 * @param elementName the system's {@code ElementName}, usually the model or the user's label; empty if absent
 * @param namespace the namespace the vendor's objects live in, such as {@code root/tpd}
 */
public record ArrayIdentity(String systemClass, String systemName, String elementName, String namespace) {
    public ArrayIdentity {
        Objects.requireNonNull(systemClass, "systemClass is null");
        Objects.requireNonNull(systemName, "systemName is null");
        Objects.requireNonNull(elementName, "elementName is null");
        Objects.requireNonNull(namespace, "namespace is null");
    }

    /** Return the vendor prefix of the system's class: {@code TPD} for {@code TPD_StorageSystem}; empty if none. */
    public String classPrefix() {
        int underscore = systemClass.indexOf('_');
        return underscore < 0 ? "" : systemClass.substring(0, underscore);
    }
}
