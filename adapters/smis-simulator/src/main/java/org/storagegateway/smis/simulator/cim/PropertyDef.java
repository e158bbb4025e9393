package org.storagegateway.smis.simulator.cim;

/**
 * A property of a class: type, array-ness, reference class (for references), whether it is a key, and the class
 * that declared (or last overrode) it.
 */
public record PropertyDef(String name, CimType type, boolean array, String referenceClass, boolean key,
                          String classOrigin) {

    PropertyDef withOrigin(String origin) {
        return new PropertyDef(name, type, array, referenceClass, key, origin);
    }
}
