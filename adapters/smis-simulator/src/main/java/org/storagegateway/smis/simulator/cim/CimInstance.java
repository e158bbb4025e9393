package org.storagegateway.smis.simulator.cim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An instance: its class, its path (derived from the key properties) and property values. Properties the builder
 * left unset are NULL; every property of the class is part of the instance.
 */
public final class CimInstance {
    private final CimClass cimClass;
    private final ObjectPath path;
    private final Map<String, Object> values;

    private CimInstance(CimClass cimClass, ObjectPath path, Map<String, Object> values) {
        this.cimClass = cimClass;
        this.path = path;
        this.values = Collections.unmodifiableMap(values);
    }

    public CimClass cimClass() {
        return cimClass;
    }

    public ObjectPath path() {
        return path;
    }

    /** The value of a property (a List for arrays), or null. */
    public Object get(String propertyName) {
        return values.get(propertyName.toLowerCase(Locale.ROOT));
    }

    public static Builder builder(CimClass cimClass, String namespace) {
        return new Builder(cimClass, namespace);
    }

    /** Collects property values, checked against the class. */
    public static final class Builder {
        private final CimClass cimClass;
        private final String namespace;
        private final Map<String, Object> values = new HashMap<>();

        private Builder(CimClass cimClass, String namespace) {
            this.cimClass = cimClass;
            this.namespace = namespace;
        }

        /**
         * Set a property; arrays take a List (or an array of longs/strings for convenience).
         *
         * @throws IllegalArgumentException for a property the class lacks or a value of the wrong type
         */
        public Builder set(String propertyName, Object value) {
            PropertyDef def = cimClass.property(propertyName);
            if (def == null) {
                throw new IllegalArgumentException(cimClass.name() + " has no property " + propertyName);
            }
            Object normalised;
            if (value == null) {
                normalised = null;
            } else if (def.array()) {
                List<Object> items = new ArrayList<>();
                if (value instanceof List<?> list) {
                    for (Object item : list) {
                        items.add(def.type().normalise(item));
                    }
                } else if (value instanceof long[] longs) {
                    for (long l : longs) {
                        items.add(def.type().normalise(l));
                    }
                } else if (value instanceof int[] ints) {
                    for (int i : ints) {
                        items.add(def.type().normalise((long) i));
                    }
                } else if (value instanceof String[] strings) {
                    for (String s : strings) {
                        items.add(def.type().normalise(s));
                    }
                } else {
                    throw new IllegalArgumentException(propertyName + " is an array");
                }
                normalised = Collections.unmodifiableList(items);
            } else {
                normalised = def.type().normalise(value);
            }
            values.put(def.name().toLowerCase(Locale.ROOT), normalised);
            return this;
        }

        public CimInstance build() {
            List<ObjectPath.Key> keys = new ArrayList<>();
            for (PropertyDef key : cimClass.keys()) {
                Object v = values.get(key.name().toLowerCase(Locale.ROOT));
                if (v == null) {
                    throw new IllegalStateException(cimClass.name() + " key " + key.name() + " is not set");
                }
                keys.add(new ObjectPath.Key(key.name(), key.type(), v));
            }
            return new CimInstance(cimClass, ObjectPath.instance(namespace, cimClass.name(), keys),
                    new HashMap<>(values));
        }
    }
}
