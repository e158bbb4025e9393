package org.storagegateway.smis.simulator.xml;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.ObjectPath;

/**
 * Turns DSP0201 request elements into values and paths. A malformed element is a bad parameter:
 * {@link CimException} with CIM_ERR_INVALID_PARAMETER.
 */
public final class CimXmlDecoder {
    private CimXmlDecoder() {
    }

    /** {@code LOCALNAMESPACEPATH} → "root/sim". */
    public static String namespace(XmlElement localNamespacePath) {
        if (localNamespacePath == null || !localNamespacePath.name().equals("LOCALNAMESPACEPATH")) {
            throw CimException.invalidParameter("LOCALNAMESPACEPATH expected");
        }
        StringBuilder sb = new StringBuilder();
        for (XmlElement ns : localNamespacePath.children("NAMESPACE")) {
            String name = ns.attribute("NAME");
            if (name == null || name.isBlank()) {
                throw CimException.invalidParameter("NAMESPACE without NAME");
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(name.trim());
        }
        if (sb.length() == 0) {
            throw CimException.invalidParameter("empty LOCALNAMESPACEPATH");
        }
        return sb.toString();
    }

    /** {@code INSTANCENAME} in a namespace. */
    public static ObjectPath instanceName(XmlElement instanceName, String namespace) {
        if (instanceName == null || !instanceName.name().equals("INSTANCENAME")) {
            throw CimException.invalidParameter("INSTANCENAME expected");
        }
        String className = requireName(instanceName.attribute("CLASSNAME"), "INSTANCENAME CLASSNAME");
        List<ObjectPath.Key> keys = new ArrayList<>();
        for (XmlElement child : instanceName.children()) {
            if (!child.name().equals("KEYBINDING")) {
                // A single unnamed KEYVALUE/VALUE.REFERENCE is legal DSP0201, but no key here is nameless.
                throw CimException.invalidParameter("INSTANCENAME of " + className + ": KEYBINDING expected, found "
                        + child.name());
            }
            String name = requireName(child.attribute("NAME"), "KEYBINDING NAME");
            XmlElement value = child.firstChild();
            if (value == null) {
                throw CimException.invalidParameter("KEYBINDING " + name + " has no value");
            }
            if (value.name().equals("KEYVALUE")) {
                keys.add(keyValue(name, value));
            } else if (value.name().equals("VALUE.REFERENCE")) {
                keys.add(new ObjectPath.Key(name, CimType.REFERENCE, valueReference(value, namespace)));
            } else {
                throw CimException.invalidParameter("KEYBINDING " + name + ": unexpected " + value.name());
            }
        }
        return ObjectPath.instance(namespace, className, keys);
    }

    private static ObjectPath.Key keyValue(String name, XmlElement keyValue) {
        String text = keyValue.text();
        String type = keyValue.attribute("TYPE");
        try {
            if (type != null) {
                CimType t = CimType.fromWireName(type);
                if (t == CimType.REFERENCE) {
                    throw CimException.invalidParameter("KEYVALUE cannot be a reference");
                }
                return new ObjectPath.Key(name, t, t.parse(text));
            }
            String valueType = keyValue.attribute("VALUETYPE");
            if (valueType == null || valueType.equalsIgnoreCase("string")) {
                return new ObjectPath.Key(name, CimType.STRING, text);
            }
            if (valueType.equalsIgnoreCase("boolean")) {
                return new ObjectPath.Key(name, CimType.BOOLEAN, CimType.BOOLEAN.parse(text));
            }
            if (valueType.equalsIgnoreCase("numeric")) {
                String t = text.trim();
                if (t.contains(".") || t.contains("e") || t.contains("E")) {
                    return new ObjectPath.Key(name, CimType.REAL64, CimType.REAL64.parse(t));
                }
                BigInteger v = new BigInteger(t.startsWith("+") ? t.substring(1) : t);
                return v.signum() < 0
                        ? new ObjectPath.Key(name, CimType.SINT64, v.longValueExact())
                        : new ObjectPath.Key(name, CimType.UINT64, CimType.UINT64.parse(t));
            }
            throw CimException.invalidParameter("KEYVALUE " + name + ": unknown VALUETYPE " + valueType);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw CimException.invalidParameter("KEYVALUE " + name + ": " + e.getMessage());
        }
    }

    /**
     * {@code VALUE.REFERENCE} holding an INSTANCEPATH, LOCALINSTANCEPATH or INSTANCENAME (which takes the default
     * namespace). The HOST of an INSTANCEPATH is ignored.
     */
    public static ObjectPath valueReference(XmlElement valueReference, String defaultNamespace) {
        XmlElement inner = valueReference.firstChild();
        if (inner == null) {
            throw CimException.invalidParameter("empty VALUE.REFERENCE");
        }
        return switch (inner.name()) {
            case "INSTANCEPATH" -> {
                XmlElement nsPath = inner.child("NAMESPACEPATH");
                if (nsPath == null) {
                    throw CimException.invalidParameter("INSTANCEPATH without NAMESPACEPATH");
                }
                yield instanceName(inner.child("INSTANCENAME"), namespace(nsPath.child("LOCALNAMESPACEPATH")));
            }
            case "LOCALINSTANCEPATH" -> instanceName(inner.child("INSTANCENAME"),
                    namespace(inner.child("LOCALNAMESPACEPATH")));
            case "INSTANCENAME" -> instanceName(inner, defaultNamespace);
            case "CLASSPATH" -> {
                XmlElement nsPath = inner.child("NAMESPACEPATH");
                if (nsPath == null) {
                    throw CimException.invalidParameter("CLASSPATH without NAMESPACEPATH");
                }
                yield ObjectPath.ofClass(namespace(nsPath.child("LOCALNAMESPACEPATH")), className(inner.child("CLASSNAME")));
            }
            case "LOCALCLASSPATH" -> ObjectPath.ofClass(namespace(inner.child("LOCALNAMESPACEPATH")),
                    className(inner.child("CLASSNAME")));
            case "CLASSNAME" -> ObjectPath.ofClass(defaultNamespace, className(inner));
            default -> throw CimException.invalidParameter("unexpected " + inner.name() + " in VALUE.REFERENCE");
        };
    }

    /** {@code CLASSNAME NAME=}. */
    public static String className(XmlElement className) {
        if (className == null || !className.name().equals("CLASSNAME")) {
            throw CimException.invalidParameter("CLASSNAME expected");
        }
        return requireName(className.attribute("NAME"), "CLASSNAME NAME");
    }

    /** The text of a {@code VALUE}, or null when the element is absent. */
    public static String valueText(XmlElement holder) {
        XmlElement value = holder.child("VALUE");
        return value == null ? null : value.text();
    }

    /** A boolean IPARAMVALUE ({@code VALUE TRUE|FALSE}); absent or empty means the default. */
    public static boolean booleanParameter(XmlElement iparam, boolean defaultValue) {
        if (iparam == null) {
            return defaultValue;
        }
        String text = valueText(iparam);
        if (text == null) {
            return defaultValue;
        }
        try {
            return (Boolean) CimType.BOOLEAN.parse(text);
        } catch (IllegalArgumentException e) {
            throw CimException.invalidParameter(iparam.attribute("NAME") + ": " + e.getMessage());
        }
    }

    /** A string IPARAMVALUE, or null. */
    public static String stringParameter(XmlElement iparam) {
        if (iparam == null) {
            return null;
        }
        String text = valueText(iparam);
        return text == null || text.isBlank() ? null : text.trim();
    }

    /** A PropertyList IPARAMVALUE ({@code VALUE.ARRAY}); null means all properties. */
    public static List<String> stringArrayParameter(XmlElement iparam) {
        if (iparam == null) {
            return null;
        }
        XmlElement array = iparam.child("VALUE.ARRAY");
        if (array == null) {
            if (iparam.children().isEmpty()) {
                return null;
            }
            throw CimException.invalidParameter(iparam.attribute("NAME") + " must be a VALUE.ARRAY");
        }
        List<String> result = new ArrayList<>();
        for (XmlElement v : array.children("VALUE")) {
            result.add(v.text().trim());
        }
        return result;
    }

    private static String requireName(String name, String what) {
        if (name == null || name.isBlank()) {
            throw CimException.invalidParameter(what + " is missing");
        }
        return name.trim();
    }
}
