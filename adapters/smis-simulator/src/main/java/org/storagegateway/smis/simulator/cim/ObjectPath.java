package org.storagegateway.smis.simulator.cim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A CIM object path: namespace, class name and key bindings (no host: the host is added when a path is written and
 * ignored when one is read, since clients echo back whatever host they were given).
 *
 * <p>Class names, namespace names and key names compare case-insensitively; key values compare exactly. A path with
 * no keys and {@link #isClassPath()} set names a class.
 */
public final class ObjectPath {
    /** One key binding; the value is a String, Long, Boolean or ObjectPath. */
    public record Key(String name, CimType type, Object value) {
        public Key {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(value, "value");
        }
    }

    private final String namespace;
    private final String className;
    private final List<Key> keys;
    private final boolean classPath;
    private String canonical;

    private ObjectPath(String namespace, String className, List<Key> keys, boolean classPath) {
        this.namespace = namespace;
        this.className = Objects.requireNonNull(className, "className");
        this.keys = List.copyOf(keys);
        this.classPath = classPath;
    }

    /** An instance path. */
    public static ObjectPath instance(String namespace, String className, List<Key> keys) {
        return new ObjectPath(namespace, className, keys, false);
    }

    /** A class path. */
    public static ObjectPath ofClass(String namespace, String className) {
        return new ObjectPath(namespace, className, List.of(), true);
    }

    /** The namespace, or null when the path was given without one (resolved against the operation's). */
    public String namespace() {
        return namespace;
    }

    public String className() {
        return className;
    }

    public List<Key> keys() {
        return keys;
    }

    public boolean isClassPath() {
        return classPath;
    }

    /** The value of a key, or null. */
    public Object key(String name) {
        for (Key k : keys) {
            if (k.name().equalsIgnoreCase(name)) {
                return k.value();
            }
        }
        return null;
    }

    /** The same path in a namespace, when it has none. */
    public ObjectPath withDefaultNamespace(String defaultNamespace) {
        if (namespace != null && !namespace.isEmpty()) {
            return this;
        }
        List<Key> resolved = new ArrayList<>(keys.size());
        for (Key k : keys) {
            Object v = k.value() instanceof ObjectPath p ? p.withDefaultNamespace(defaultNamespace) : k.value();
            resolved.add(new Key(k.name(), k.type(), v));
        }
        return new ObjectPath(defaultNamespace, className, resolved, classPath);
    }

    /** Canonical spelling of a namespace for comparisons: lower case, no surrounding slashes, one alias folded. */
    public static String canonicalNamespace(String namespace) {
        if (namespace == null) {
            return "";
        }
        String n = namespace.trim().toLowerCase(Locale.ROOT);
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n.equals("root/interop") ? "interop" : n;
    }

    /** A string that is equal for equal paths: the identity used by the repository. */
    public String canonical() {
        String c = canonical;
        if (c == null) {
            StringBuilder sb = new StringBuilder();
            sb.append(canonicalNamespace(namespace)).append(':').append(className.toLowerCase(Locale.ROOT));
            List<Key> sorted = new ArrayList<>(keys);
            sorted.sort(Comparator.comparing(k -> k.name().toLowerCase(Locale.ROOT)));
            char sep = '.';
            for (Key k : sorted) {
                sb.append(sep).append(k.name().toLowerCase(Locale.ROOT)).append('=');
                Object v = k.value();
                if (v instanceof ObjectPath p) {
                    sb.append('{').append(p.canonical()).append('}');
                } else {
                    sb.append('"').append(v.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
                }
                sep = ',';
            }
            c = sb.toString();
            canonical = c;
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectPath p && p.classPath == classPath && p.canonical().equals(canonical());
    }

    @Override
    public int hashCode() {
        return canonical().hashCode();
    }

    /** MOF-like form for messages and logs: {@code ns:Class.Key="v"}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (namespace != null) {
            sb.append(namespace).append(':');
        }
        sb.append(className);
        char sep = '.';
        for (Key k : keys) {
            sb.append(sep).append(k.name()).append('=');
            if (k.value() instanceof String s) {
                sb.append('"').append(s).append('"');
            } else {
                sb.append(k.value());
            }
            sep = ',';
        }
        return sb.toString();
    }
}
