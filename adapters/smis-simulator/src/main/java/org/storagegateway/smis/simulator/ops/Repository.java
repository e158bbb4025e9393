package org.storagegateway.smis.simulator.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.storagegateway.smis.simulator.cim.CimClass;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.CimSchema;
import org.storagegateway.smis.simulator.cim.CimStatus;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.cim.PropertyDef;

/**
 * A consistent, immutable view of every instance the simulator serves, indexed by path and by namespace, with the
 * association traversal that Associators/References need. Built from the array state for each read.
 */
public final class Repository {
    private final CimSchema schema;
    private final Map<String, String> namespaces;
    private final Map<String, List<CimInstance>> byNamespace = new HashMap<>();
    private final Map<ObjectPath, CimInstance> byPath = new HashMap<>();
    private final List<CimInstance> associations = new ArrayList<>();

    /**
     * @param namespaces the namespaces served, by their canonical spelling
     *                   ({@link ObjectPath#canonicalNamespace}); the value is the name written in replies
     */
    public Repository(CimSchema schema, Map<String, String> namespaces, List<CimInstance> instances) {
        this.schema = schema;
        this.namespaces = Collections.unmodifiableMap(new LinkedHashMap<>(namespaces));
        for (CimInstance i : instances) {
            String ns = ObjectPath.canonicalNamespace(i.path().namespace());
            if (!this.namespaces.containsKey(ns)) {
                throw new IllegalArgumentException("instance " + i.path() + " is in no served namespace");
            }
            if (byPath.put(i.path(), i) != null) {
                throw new IllegalArgumentException("two instances share the path " + i.path());
            }
            byNamespace.computeIfAbsent(ns, k -> new ArrayList<>()).add(i);
            if (i.cimClass().isAssociation()) {
                associations.add(i);
            }
        }
    }

    public CimSchema schema() {
        return schema;
    }

    /** The namespace as written in replies, or CIM_ERR_INVALID_NAMESPACE. */
    public String requireNamespace(String namespace) {
        String name = namespaces.get(ObjectPath.canonicalNamespace(namespace));
        if (name == null) {
            throw new CimException(CimStatus.INVALID_NAMESPACE, "The namespace " + namespace + " does not exist");
        }
        return name;
    }

    /** The instance at a path (the path carries its namespace), or null. */
    public CimInstance find(ObjectPath path) {
        // Path equality folds case and the interop alias, and ignores the host.
        return byPath.get(path);
    }

    /** The instance at a path, or CIM_ERR_NOT_FOUND. */
    public CimInstance require(ObjectPath path) {
        CimInstance i = find(path);
        if (i == null) {
            throw CimException.notFound("No instance " + path);
        }
        return i;
    }

    /** Instances of a class and (deep) its subclasses in a namespace. */
    public List<CimInstance> instancesOf(String namespace, CimClass cimClass) {
        List<CimInstance> result = new ArrayList<>();
        for (CimInstance i : byNamespace.getOrDefault(ObjectPath.canonicalNamespace(namespace), List.of())) {
            if (i.cimClass().isA(cimClass.name())) {
                result.add(i);
            }
        }
        return result;
    }

    /**
     * The association instances that reference an object, optionally filtered by association class and by the
     * role through which they reference it. Associations are found across namespaces (profile registration crosses
     * from interop to the array's namespace).
     */
    public List<CimInstance> references(ObjectPath object, CimClass assocClass, String role) {
        ObjectPath target = object;
        List<CimInstance> result = new ArrayList<>();
        for (CimInstance a : associations) {
            if (assocClass != null && !a.cimClass().isA(assocClass.name())) {
                continue;
            }
            for (PropertyDef ref : a.cimClass().references()) {
                if ((role == null || ref.name().equalsIgnoreCase(role)) && target.equals(a.get(ref.name()))) {
                    result.add(a);
                    break;
                }
            }
        }
        return result;
    }

    /** The objects associated to an object, with the DSP0200 AssocClass/ResultClass/Role/ResultRole filters. */
    public List<CimInstance> associators(ObjectPath object, CimClass assocClass, CimClass resultClass, String role,
                                         String resultRole) {
        ObjectPath source = object;
        Set<ObjectPath> seen = new LinkedHashSet<>();
        List<CimInstance> result = new ArrayList<>();
        for (CimInstance a : references(source, assocClass, role)) {
            for (PropertyDef sourceRef : a.cimClass().references()) {
                if ((role != null && !sourceRef.name().equalsIgnoreCase(role)) || !source.equals(a.get(sourceRef.name()))) {
                    continue;
                }
                for (PropertyDef other : a.cimClass().references()) {
                    if (other == sourceRef || (resultRole != null && !other.name().equalsIgnoreCase(resultRole))) {
                        continue;
                    }
                    ObjectPath otherPath = (ObjectPath) a.get(other.name());
                    CimInstance o = otherPath == null ? null : byPath.get(otherPath);
                    if (o != null && (resultClass == null || o.cimClass().isA(resultClass.name()))
                            && seen.add(o.path())) {
                        result.add(o);
                    }
                }
            }
        }
        return result;
    }
}
