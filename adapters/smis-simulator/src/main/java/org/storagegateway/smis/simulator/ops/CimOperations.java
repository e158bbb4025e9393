package org.storagegateway.smis.simulator.ops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.cim.CimClass;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.CimSchema;
import org.storagegateway.smis.simulator.cim.CimStatus;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.MethodDef;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.cim.ParameterDef;
import org.storagegateway.smis.simulator.xml.CimXmlDecoder;
import org.storagegateway.smis.simulator.xml.CimXmlWriter;
import org.storagegateway.smis.simulator.xml.InstanceView;
import org.storagegateway.smis.simulator.xml.XmlElement;

/**
 * The DSP0200 operations: intrinsic reads over a {@link Repository} snapshot, extrinsic calls decoded against the
 * method signatures and handed to the {@link CimBackend}. Every failure becomes an ERROR element with its CIM
 * status code; a bug becomes CIM_ERR_FAILED, never a dropped connection.
 */
public final class CimOperations {
    private static final Logger LOG = LoggerFactory.getLogger(CimOperations.class);

    /** Intrinsic operations of DSP0200 this server does not implement: answered with CIM_ERR_NOT_SUPPORTED. */
    private static final Set<String> NOT_SUPPORTED = Set.of(
            "createclass", "modifyclass", "deleteclass", "createinstance", "modifyinstance", "execquery",
            "getproperty", "setproperty", "getqualifier", "setqualifier", "deletequalifier", "enumeratequalifiers",
            "openenumerateinstances", "openenumerateinstancepaths", "openassociatorinstances",
            "openassociatorinstancepaths", "openreferenceinstances", "openreferenceinstancepaths",
            "openqueryinstances", "pullinstanceswithpath", "pullinstancepaths", "pullinstances",
            "closeenumeration", "enumerationcount");

    private final CimBackend backend;

    public CimOperations(CimBackend backend) {
        this.backend = backend;
    }

    /**
     * Execute an operation and return the complete reply document.
     *
     * @param host the HOST written into the INSTANCEPATHs of the reply
     */
    public byte[] execute(String messageId, boolean intrinsic, String methodName, String namespace, XmlElement call,
                          String host) {
        String responseElement = intrinsic ? "IMETHODRESPONSE" : "METHODRESPONSE";
        try {
            CimXmlWriter w = new CimXmlWriter(host).beginReply(messageId);
            w.start(responseElement).attribute("NAME", methodName);
            if (intrinsic) {
                intrinsic(methodName, namespace, call, w);
            } else {
                extrinsic(methodName, namespace, call, w);
            }
            return w.finish();
        } catch (CimException e) {
            return errorReply(messageId, responseElement, methodName, host, e.code(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", methodName, namespace, e);
            return errorReply(messageId, responseElement, methodName, host, CimStatus.FAILED,
                    "Internal error: " + e);
        }
    }

    private static byte[] errorReply(String messageId, String responseElement, String methodName, String host,
                                     int code, String description) {
        CimXmlWriter w = new CimXmlWriter(host).beginReply(messageId);
        w.start(responseElement).attribute("NAME", methodName);
        w.error(code, description);
        return w.finish();
    }

    // ---------------------------------------------------------------- intrinsic

    private void intrinsic(String name, String namespace, XmlElement call, CimXmlWriter w) {
        String op = name.toLowerCase(Locale.ROOT);
        if (NOT_SUPPORTED.contains(op)) {
            throw CimException.notSupported(name + " is not supported by this server");
        }
        Repository repo = backend.snapshot();
        String ns = repo.requireNamespace(namespace);
        switch (op) {
            case "enumerateinstances" -> enumerateInstances(repo, ns, params(call, name, "ClassName", "LocalOnly",
                    "DeepInheritance", "IncludeQualifiers", "IncludeClassOrigin", "PropertyList"), w);
            case "enumerateinstancenames" -> enumerateInstanceNames(repo, ns, params(call, name, "ClassName"), w);
            case "getinstance" -> getInstance(repo, ns, params(call, name, "InstanceName", "LocalOnly",
                    "IncludeQualifiers", "IncludeClassOrigin", "PropertyList"), w);
            case "associators" -> associators(repo, ns, params(call, name, "ObjectName", "AssocClass", "ResultClass",
                    "Role", "ResultRole", "IncludeQualifiers", "IncludeClassOrigin", "PropertyList"), true, w);
            case "associatornames" -> associators(repo, ns, params(call, name, "ObjectName", "AssocClass",
                    "ResultClass", "Role", "ResultRole"), false, w);
            case "references" -> references(repo, ns, params(call, name, "ObjectName", "ResultClass", "Role",
                    "IncludeQualifiers", "IncludeClassOrigin", "PropertyList"), true, w);
            case "referencenames" -> references(repo, ns, params(call, name, "ObjectName", "ResultClass", "Role"),
                    false, w);
            case "getclass" -> getClass(repo, params(call, name, "ClassName", "LocalOnly", "IncludeQualifiers",
                    "IncludeClassOrigin", "PropertyList"), w);
            case "enumerateclasses" -> enumerateClasses(repo, params(call, name, "ClassName", "DeepInheritance",
                    "LocalOnly", "IncludeQualifiers", "IncludeClassOrigin"), true, w);
            case "enumerateclassnames" -> enumerateClasses(repo, params(call, name, "ClassName", "DeepInheritance"),
                    false, w);
            case "deleteinstance" -> deleteInstance(repo, ns, params(call, name, "InstanceName"));
            default -> throw CimException.notSupported("Unknown intrinsic method " + name);
        }
    }

    /** The IPARAMVALUEs by lower-case name; unknown or repeated parameters are CIM_ERR_INVALID_PARAMETER. */
    private static Map<String, XmlElement> params(XmlElement call, String op, String... allowed) {
        Set<String> known = new HashSet<>();
        for (String a : allowed) {
            known.add(a.toLowerCase(Locale.ROOT));
        }
        Map<String, XmlElement> result = new HashMap<>();
        for (XmlElement child : call.children()) {
            if (child.name().equals("LOCALNAMESPACEPATH")) {
                continue;
            }
            if (!child.name().equals("IPARAMVALUE")) {
                throw CimException.invalidParameter("Unexpected " + child.name() + " in " + op);
            }
            String pname = child.attribute("NAME");
            String key = pname == null ? "" : pname.toLowerCase(Locale.ROOT);
            if (!known.contains(key)) {
                throw CimException.invalidParameter(op + " has no parameter " + pname);
            }
            if (result.put(key, child) != null) {
                throw CimException.invalidParameter(op + ": parameter " + pname + " is given twice");
            }
        }
        return result;
    }

    private static CimClass requiredClassParameter(Repository repo, Map<String, XmlElement> p, String name) {
        XmlElement param = p.get(name.toLowerCase(Locale.ROOT));
        if (param == null || param.firstChild() == null) {
            throw CimException.invalidParameter(name + " is required");
        }
        return repo.schema().require(CimXmlDecoder.className(param.firstChild()));
    }

    /** An optional class-name filter; a class that does not exist is an invalid parameter. */
    private static CimClass classFilter(Repository repo, Map<String, XmlElement> p, String name) {
        XmlElement param = p.get(name.toLowerCase(Locale.ROOT));
        if (param == null || param.firstChild() == null) {
            return null;
        }
        String className = CimXmlDecoder.className(param.firstChild());
        CimClass c = repo.schema().find(className);
        if (c == null) {
            throw CimException.invalidParameter(name + ": the class " + className + " does not exist");
        }
        return c;
    }

    private static boolean flag(Map<String, XmlElement> p, String name, boolean defaultValue) {
        return CimXmlDecoder.booleanParameter(p.get(name.toLowerCase(Locale.ROOT)), defaultValue);
    }

    private static Set<String> propertyList(Map<String, XmlElement> p) {
        List<String> list = CimXmlDecoder.stringArrayParameter(p.get("propertylist"));
        return list == null ? null : new LinkedHashSet<>(list);
    }

    private static void enumerateInstances(Repository repo, String ns, Map<String, XmlElement> p, CimXmlWriter w) {
        CimClass c = requiredClassParameter(repo, p, "ClassName");
        // LocalOnly is deprecated and ignored (SBLIM even sends its "propagated" flag in it).
        boolean deep = flag(p, "DeepInheritance", true);
        InstanceView view = new InstanceView(propertyList(p), flag(p, "IncludeClassOrigin", false), deep ? null : c);
        List<CimInstance> found = repo.instancesOf(ns, c);
        w.start("IRETURNVALUE");
        for (CimInstance i : found) {
            w.valueNamedInstance(i, view);
        }
        w.end();
    }

    private static void enumerateInstanceNames(Repository repo, String ns, Map<String, XmlElement> p,
                                               CimXmlWriter w) {
        CimClass c = requiredClassParameter(repo, p, "ClassName");
        List<CimInstance> found = repo.instancesOf(ns, c);
        w.start("IRETURNVALUE");
        for (CimInstance i : found) {
            w.instanceName(i.path());
        }
        w.end();
    }

    private static ObjectPath instanceNameParameter(Repository repo, String ns, Map<String, XmlElement> p,
                                                    String name) {
        XmlElement param = p.get(name.toLowerCase(Locale.ROOT));
        if (param == null || param.firstChild() == null) {
            throw CimException.invalidParameter(name + " is required");
        }
        XmlElement value = param.firstChild();
        if (value.name().equals("CLASSNAME")) {
            repo.schema().require(CimXmlDecoder.className(value));
            throw CimException.notSupported(
                    "Operations on a class path are not supported; name an instance (" + name + ")");
        }
        ObjectPath path = CimXmlDecoder.instanceName(value, ns);
        repo.schema().require(path.className());
        return path;
    }

    private static void getInstance(Repository repo, String ns, Map<String, XmlElement> p, CimXmlWriter w) {
        ObjectPath path = instanceNameParameter(repo, ns, p, "InstanceName");
        CimInstance i = repo.require(path);
        InstanceView view = new InstanceView(propertyList(p), flag(p, "IncludeClassOrigin", false), null);
        w.start("IRETURNVALUE");
        w.instance(i, view);
        w.end();
    }

    private static void associators(Repository repo, String ns, Map<String, XmlElement> p, boolean objects,
                                    CimXmlWriter w) {
        ObjectPath source = instanceNameParameter(repo, ns, p, "ObjectName");
        repo.require(source);
        CimClass assocClass = classFilter(repo, p, "AssocClass");
        CimClass resultClass = classFilter(repo, p, "ResultClass");
        String role = CimXmlDecoder.stringParameter(p.get("role"));
        String resultRole = CimXmlDecoder.stringParameter(p.get("resultrole"));
        List<CimInstance> found = repo.associators(source, assocClass, resultClass, role, resultRole);
        InstanceView view = objects
                ? new InstanceView(propertyList(p), flag(p, "IncludeClassOrigin", false), null) : null;
        w.start("IRETURNVALUE");
        for (CimInstance i : found) {
            if (objects) {
                w.valueObjectWithPath(i, view);
            } else {
                w.objectPath(i.path());
            }
        }
        w.end();
    }

    private static void references(Repository repo, String ns, Map<String, XmlElement> p, boolean objects,
                                   CimXmlWriter w) {
        ObjectPath source = instanceNameParameter(repo, ns, p, "ObjectName");
        repo.require(source);
        CimClass resultClass = classFilter(repo, p, "ResultClass");
        String role = CimXmlDecoder.stringParameter(p.get("role"));
        List<CimInstance> found = repo.references(source, resultClass, role);
        InstanceView view = objects
                ? new InstanceView(propertyList(p), flag(p, "IncludeClassOrigin", false), null) : null;
        w.start("IRETURNVALUE");
        for (CimInstance i : found) {
            if (objects) {
                w.valueObjectWithPath(i, view);
            } else {
                w.objectPath(i.path());
            }
        }
        w.end();
    }

    private static void getClass(Repository repo, Map<String, XmlElement> p, CimXmlWriter w) {
        CimClass c = requiredClassParameter(repo, p, "ClassName");
        Set<String> props = propertyList(p);
        if (props != null) {
            Set<String> lower = new HashSet<>();
            props.forEach(s -> lower.add(s.toLowerCase(Locale.ROOT)));
            props = lower;
        }
        w.start("IRETURNVALUE");
        w.classDefinition(c, flag(p, "LocalOnly", true), flag(p, "IncludeQualifiers", true),
                flag(p, "IncludeClassOrigin", false), props);
        w.end();
    }

    private static void enumerateClasses(Repository repo, Map<String, XmlElement> p, boolean full, CimXmlWriter w) {
        XmlElement param = p.get("classname");
        String base = null;
        if (param != null && param.firstChild() != null) {
            base = repo.schema().require(CimXmlDecoder.className(param.firstChild())).name();
        }
        boolean deep = flag(p, "DeepInheritance", false);
        CimSchema schema = repo.schema();
        List<CimClass> classes = deep ? schema.allSubclasses(base) : schema.directSubclasses(base);
        w.start("IRETURNVALUE");
        for (CimClass c : classes) {
            if (full) {
                w.classDefinition(c, flag(p, "LocalOnly", true), flag(p, "IncludeQualifiers", true),
                        flag(p, "IncludeClassOrigin", false), null);
            } else {
                w.start("CLASSNAME").attribute("NAME", c.name()).end();
            }
        }
        w.end();
    }

    private void deleteInstance(Repository repo, String ns, Map<String, XmlElement> p) {
        ObjectPath path = instanceNameParameter(repo, ns, p, "InstanceName");
        CimInstance i = repo.require(path);
        backend.deleteInstance(i.path());
    }

    // ---------------------------------------------------------------- extrinsic

    private void extrinsic(String name, String namespace, XmlElement call, CimXmlWriter w) {
        Repository repo = backend.snapshot();
        String ns = repo.requireNamespace(namespace);
        XmlElement instancePath = call.child("LOCALINSTANCEPATH");
        ObjectPath target;
        if (instancePath != null) {
            target = CimXmlDecoder.instanceName(instancePath.child("INSTANCENAME"), ns);
        } else {
            target = ObjectPath.ofClass(ns, CimXmlDecoder.className(call.child("LOCALCLASSPATH").child("CLASSNAME")));
        }
        CimClass c = repo.schema().require(target.className());
        MethodDef method = c.method(name);
        if (method == null) {
            throw new CimException(CimStatus.METHOD_NOT_FOUND, "The class " + c.name() + " has no method " + name);
        }
        if (target.isClassPath()) {
            throw CimException.invalidParameter(name + " is not a static method: invoke it on an instance");
        }
        CimInstance instance = repo.require(target);
        Map<String, Object> arguments = new HashMap<>();
        for (XmlElement child : call.children()) {
            if (child.name().equals("LOCALINSTANCEPATH") || child.name().equals("LOCALCLASSPATH")) {
                continue;
            }
            if (!child.name().equals("PARAMVALUE")) {
                throw CimException.invalidParameter("Unexpected " + child.name() + " in METHODCALL");
            }
            String pname = child.attribute("NAME");
            ParameterDef def = pname == null ? null : method.parameter(pname);
            if (def == null) {
                throw CimException.invalidParameter(name + " has no parameter " + pname);
            }
            if (!def.in()) {
                // An output-only parameter sent by the client carries nothing for the method.
                continue;
            }
            String key = def.name().toLowerCase(Locale.ROOT);
            if (arguments.containsKey(key)) {
                throw CimException.invalidParameter(name + ": parameter " + pname + " is given twice");
            }
            arguments.put(key, argument(def, child, ns));
        }
        MethodResult result = backend.invoke(new MethodInvocation(instance, method, arguments));
        w.returnValue(method.returnType(), result.returnValue());
        for (MethodResult.Output o : result.outputs()) {
            w.paramValue(o.name(), o.type(), o.array(), o.value());
        }
    }

    /**
     * Decode a PARAMVALUE by the method's own signature. A PARAMTYPE sent by the client is not trusted (wbemcli sends
     * none); a value that does not fit the declared type is CIM_ERR_INVALID_PARAMETER.
     */
    private static Object argument(ParameterDef def, XmlElement paramValue, String ns) {
        XmlElement value = paramValue.firstChild();
        if (value == null) {
            return null;
        }
        try {
            switch (value.name()) {
                case "VALUE" -> {
                    if (def.array() || def.type() == CimType.REFERENCE) {
                        throw new IllegalArgumentException("a single value was given");
                    }
                    return def.type().parse(value.text());
                }
                case "VALUE.ARRAY" -> {
                    if (!def.array() || def.type() == CimType.REFERENCE) {
                        throw new IllegalArgumentException("an array was given");
                    }
                    List<Object> items = new ArrayList<>();
                    for (XmlElement item : value.children()) {
                        items.add(item.name().equals("VALUE.NULL") ? null : def.type().parse(item.text()));
                    }
                    return items;
                }
                case "VALUE.REFERENCE" -> {
                    if (def.array() || def.type() != CimType.REFERENCE) {
                        throw new IllegalArgumentException("a reference was given");
                    }
                    return CimXmlDecoder.valueReference(value, ns);
                }
                case "VALUE.REFARRAY" -> {
                    if (!def.array() || def.type() != CimType.REFERENCE) {
                        throw new IllegalArgumentException("an array of references was given");
                    }
                    List<Object> items = new ArrayList<>();
                    for (XmlElement item : value.children()) {
                        items.add(item.name().equals("VALUE.NULL") ? null : CimXmlDecoder.valueReference(item, ns));
                    }
                    return items;
                }
                default -> throw new IllegalArgumentException("unexpected " + value.name());
            }
        } catch (IllegalArgumentException e) {
            throw CimException.invalidParameter("Parameter " + def.name() + " (" + def.type().wireName()
                    + (def.array() ? "[]" : "") + "): " + e.getMessage());
        }
    }
}
