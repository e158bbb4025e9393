package org.storagegateway.smis.simulator.cim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A class of the simulator's schema, with its inherited members resolved. */
public final class CimClass {
    private final String name;
    private final CimClass superClass;
    private final boolean association;
    private final boolean abstractClass;
    private final String description;
    private final Map<String, PropertyDef> properties;
    private final Map<String, MethodDef> methods;

    CimClass(String name, CimClass superClass, boolean association, boolean abstractClass, String description,
             List<PropertyDef> localProperties, List<MethodDef> localMethods) {
        this.name = name;
        this.superClass = superClass;
        this.association = association || (superClass != null && superClass.association);
        this.abstractClass = abstractClass;
        this.description = description;
        Map<String, PropertyDef> props = new LinkedHashMap<>();
        Map<String, MethodDef> meths = new LinkedHashMap<>();
        if (superClass != null) {
            props.putAll(superClass.properties);
            meths.putAll(superClass.methods);
        }
        for (PropertyDef p : localProperties) {
            props.put(p.name().toLowerCase(Locale.ROOT), p.withOrigin(name));
        }
        for (MethodDef m : localMethods) {
            meths.put(m.name().toLowerCase(Locale.ROOT), m.withOrigin(name));
        }
        this.properties = Collections.unmodifiableMap(props);
        this.methods = Collections.unmodifiableMap(meths);
    }

    public String name() {
        return name;
    }

    /** The superclass, or null for a root class. */
    public CimClass superClass() {
        return superClass;
    }

    public boolean isAssociation() {
        return association;
    }

    public boolean isAbstract() {
        return abstractClass;
    }

    public String description() {
        return description;
    }

    /** Every property, inherited ones first, in declaration order. */
    public Collection<PropertyDef> properties() {
        return properties.values();
    }

    /** Every method, inherited ones included. */
    public Collection<MethodDef> methods() {
        return methods.values();
    }

    /** The property of that name (case-insensitive), or null. */
    public PropertyDef property(String propertyName) {
        return properties.get(propertyName.toLowerCase(Locale.ROOT));
    }

    /** The method of that name (case-insensitive), or null. */
    public MethodDef method(String methodName) {
        return methods.get(methodName.toLowerCase(Locale.ROOT));
    }

    /** The key properties. */
    public List<PropertyDef> keys() {
        List<PropertyDef> keys = new ArrayList<>();
        for (PropertyDef p : properties.values()) {
            if (p.key()) {
                keys.add(p);
            }
        }
        return keys;
    }

    /** The reference properties (the roles, for an association). */
    public List<PropertyDef> references() {
        List<PropertyDef> refs = new ArrayList<>();
        for (PropertyDef p : properties.values()) {
            if (p.type() == CimType.REFERENCE) {
                refs.add(p);
            }
        }
        return refs;
    }

    /** True if this class is the named class or one of its subclasses (case-insensitive). */
    public boolean isA(String className) {
        for (CimClass c = this; c != null; c = c.superClass) {
            if (c.name.equalsIgnoreCase(className)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name;
    }
}
