package org.storagegateway.smis.simulator.cim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An immutable set of classes; built once with {@link #builder()}. */
public final class CimSchema {
    private final Map<String, CimClass> classes;

    private CimSchema(Map<String, CimClass> classes) {
        this.classes = Collections.unmodifiableMap(classes);
    }

    /** The class of that name (case-insensitive), or null. */
    public CimClass find(String className) {
        return className == null ? null : classes.get(className.toLowerCase(Locale.ROOT));
    }

    /** The class of that name, or CIM_ERR_INVALID_CLASS. */
    public CimClass require(String className) {
        CimClass c = find(className);
        if (c == null) {
            throw new CimException(CimStatus.INVALID_CLASS, "The class " + className + " does not exist");
        }
        return c;
    }

    /** All classes, superclasses before their subclasses. */
    public Collection<CimClass> classes() {
        return classes.values();
    }

    /** The direct subclasses of a class, or the root classes when className is null. */
    public List<CimClass> directSubclasses(String className) {
        List<CimClass> result = new ArrayList<>();
        for (CimClass c : classes.values()) {
            if (className == null ? c.superClass() == null
                    : c.superClass() != null && c.superClass().name().equalsIgnoreCase(className)) {
                result.add(c);
            }
        }
        return result;
    }

    /** Every class below a class (or every class, for null), in definition order. */
    public List<CimClass> allSubclasses(String className) {
        List<CimClass> result = new ArrayList<>();
        for (CimClass c : classes.values()) {
            if (className == null || (!c.name().equalsIgnoreCase(className) && c.isA(className))) {
                result.add(c);
            }
        }
        return result;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defines classes in order; a superclass must be defined before its subclasses. */
    public static final class Builder {
        private final Map<String, CimClass> classes = new LinkedHashMap<>();
        private ClassBuilder open;

        private Builder() {
        }

        /** Start a class. */
        public ClassBuilder define(String name, String superClass) {
            close();
            CimClass parent = null;
            if (superClass != null) {
                parent = classes.get(superClass.toLowerCase(Locale.ROOT));
                if (parent == null) {
                    throw new IllegalStateException(superClass + " must be defined before " + name);
                }
            }
            if (classes.containsKey(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalStateException(name + " is defined twice");
            }
            open = new ClassBuilder(this, name, parent);
            return open;
        }

        /** A subclass that adds nothing (the usual vendor subclass of a CIM class). */
        public Builder subclass(String name, String superClass) {
            define(name, superClass);
            return this;
        }

        public CimSchema build() {
            close();
            return new CimSchema(new LinkedHashMap<>(classes));
        }

        private void close() {
            if (open != null) {
                ClassBuilder b = open;
                open = null;
                CimClass c = new CimClass(b.name, b.parent, b.association, b.abstractClass, b.description,
                        b.properties, b.methods);
                classes.put(b.name.toLowerCase(Locale.ROOT), c);
            }
        }
    }

    /** Members of one class being defined. */
    public static final class ClassBuilder {
        private final Builder owner;
        private final String name;
        private final CimClass parent;
        private final List<PropertyDef> properties = new ArrayList<>();
        private final List<MethodDef> methods = new ArrayList<>();
        private boolean association;
        private boolean abstractClass;
        private String description;

        private ClassBuilder(Builder owner, String name, CimClass parent) {
            this.owner = owner;
            this.name = name;
            this.parent = parent;
        }

        public ClassBuilder association() {
            association = true;
            return this;
        }

        public ClassBuilder abstractClass() {
            abstractClass = true;
            return this;
        }

        public ClassBuilder description(String text) {
            description = text;
            return this;
        }

        public ClassBuilder property(String propertyName, CimType type) {
            properties.add(new PropertyDef(propertyName, type, false, null, false, name));
            return this;
        }

        public ClassBuilder key(String propertyName, CimType type) {
            properties.add(new PropertyDef(propertyName, type, false, null, true, name));
            return this;
        }

        public ClassBuilder array(String propertyName, CimType type) {
            properties.add(new PropertyDef(propertyName, type, true, null, false, name));
            return this;
        }

        public ClassBuilder reference(String propertyName, String referenceClass) {
            properties.add(new PropertyDef(propertyName, CimType.REFERENCE, false, referenceClass, false, name));
            return this;
        }

        /** A key reference: the role of an association. */
        public ClassBuilder role(String propertyName, String referenceClass) {
            properties.add(new PropertyDef(propertyName, CimType.REFERENCE, false, referenceClass, true, name));
            return this;
        }

        public MethodBuilder method(String methodName, CimType returnType) {
            return new MethodBuilder(this, methodName, returnType);
        }

        /** Start the next class. */
        public ClassBuilder define(String nextName, String superClass) {
            return owner.define(nextName, superClass);
        }

        public Builder done() {
            return owner;
        }
    }

    /** Parameters of one method being defined. */
    public static final class MethodBuilder {
        private final ClassBuilder owner;
        private final String name;
        private final CimType returnType;
        private final List<ParameterDef> parameters = new ArrayList<>();

        private MethodBuilder(ClassBuilder owner, String name, CimType returnType) {
            this.owner = owner;
            this.name = name;
            this.returnType = returnType;
        }

        public MethodBuilder in(String parameterName, CimType type) {
            parameters.add(new ParameterDef(parameterName, type, false, null, true, false));
            return this;
        }

        public MethodBuilder out(String parameterName, CimType type) {
            parameters.add(new ParameterDef(parameterName, type, false, null, false, true));
            return this;
        }

        public MethodBuilder inOut(String parameterName, CimType type) {
            parameters.add(new ParameterDef(parameterName, type, false, null, true, true));
            return this;
        }

        public MethodBuilder inArray(String parameterName, CimType type) {
            parameters.add(new ParameterDef(parameterName, type, true, null, true, false));
            return this;
        }

        public MethodBuilder inRefArray(String parameterName, String referenceClass) {
            parameters.add(new ParameterDef(parameterName, CimType.REFERENCE, true, referenceClass, true, false));
            return this;
        }

        public MethodBuilder inOutRefArray(String parameterName, String referenceClass) {
            parameters.add(new ParameterDef(parameterName, CimType.REFERENCE, true, referenceClass, true, true));
            return this;
        }

        public MethodBuilder outArray(String parameterName, CimType type) {
            parameters.add(new ParameterDef(parameterName, type, true, null, false, true));
            return this;
        }

        public MethodBuilder inRef(String parameterName, String referenceClass) {
            parameters.add(new ParameterDef(parameterName, CimType.REFERENCE, false, referenceClass, true, false));
            return this;
        }

        public MethodBuilder outRef(String parameterName, String referenceClass) {
            parameters.add(new ParameterDef(parameterName, CimType.REFERENCE, false, referenceClass, false, true));
            return this;
        }

        public MethodBuilder inOutRef(String parameterName, String referenceClass) {
            parameters.add(new ParameterDef(parameterName, CimType.REFERENCE, false, referenceClass, true, true));
            return this;
        }

        /** Finish the method and go back to its class. */
        public ClassBuilder end() {
            owner.methods.add(new MethodDef(name, returnType, parameters, owner.name));
            return owner;
        }
    }
}
