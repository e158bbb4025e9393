package org.storagegateway.smis.simulator.xml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** An element read by {@link SafeXmlReader}: name, attributes, child elements and its own character data. */
public final class XmlElement {
    private final String name;
    private final Map<String, String> attributes;
    private final List<XmlElement> children;
    private final String text;

    XmlElement(String name, Map<String, String> attributes, List<XmlElement> children, String text) {
        this.name = name;
        this.attributes = Collections.unmodifiableMap(attributes);
        this.children = Collections.unmodifiableList(children);
        this.text = text;
    }

    public String name() {
        return name;
    }

    /** An attribute value, or null. Attribute names are matched exactly, as XML does. */
    public String attribute(String attributeName) {
        return attributes.get(attributeName);
    }

    /** An attribute value matched case-insensitively (for attributes old clients spell in upper case). */
    public String attributeIgnoreCase(String attributeName) {
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (e.getKey().equalsIgnoreCase(attributeName)) {
                return e.getValue();
            }
        }
        return null;
    }

    public List<XmlElement> children() {
        return children;
    }

    /** The children of that name. */
    public List<XmlElement> children(String childName) {
        List<XmlElement> result = new ArrayList<>();
        for (XmlElement c : children) {
            if (c.name.equals(childName)) {
                result.add(c);
            }
        }
        return result;
    }

    /** The first child of that name, or null. */
    public XmlElement child(String childName) {
        for (XmlElement c : children) {
            if (c.name.equals(childName)) {
                return c;
            }
        }
        return null;
    }

    /** The only child element, or null if there is none. */
    public XmlElement firstChild() {
        return children.isEmpty() ? null : children.get(0);
    }

    /** The character data directly inside this element (never null). */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return "<" + name + " " + attributes + ">";
    }
}
