package org.storagegateway.smis.simulator.xml;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import org.storagegateway.smis.simulator.cim.CimClass;
import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.MethodDef;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.cim.ParameterDef;
import org.storagegateway.smis.simulator.cim.PropertyDef;

/**
 * Writes a DSP0201 reply with the JDK's StAX writer. Every element is written as a start tag and an end tag, even
 * when empty ({@code <IRETURNVALUE></IRETURNVALUE>}): wbemcli's parser rejects self-closing tags, so
 * {@code writeEmptyElement} is never used. References are written as full INSTANCEPATHs with the reply's HOST.
 */
public final class CimXmlWriter {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
    // The JDK's StAX writer writes byte by byte; ByteArrayOutputStream.write(int) is synchronized, so batch them.
    private final BufferedOutputStream batched = new BufferedOutputStream(buffer, 64 << 10);
    private final XMLStreamWriter out;
    private final String host;

    /** @param host the HOST written into every INSTANCEPATH */
    public CimXmlWriter(String host) {
        this.host = host;
        try {
            out = XMLOutputFactory.newDefaultFactory().createXMLStreamWriter(batched, "UTF-8");
        } catch (XMLStreamException e) {
            throw new IllegalStateException("the JDK's StAX writer is not available", e);
        }
    }

    // ---- structure

    /** The XML declaration and {@code CIM/MESSAGE/SIMPLERSP}. */
    public CimXmlWriter beginReply(String messageId) {
        try {
            out.writeStartDocument("utf-8", "1.0");
            out.writeCharacters("\n");
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        start("CIM").attribute("CIMVERSION", "2.0").attribute("DTDVERSION", "2.0");
        start("MESSAGE").attribute("ID", messageId).attribute("PROTOCOLVERSION", "1.0");
        return start("SIMPLERSP");
    }

    /** Close every open element and return the document bytes. */
    public byte[] finish() {
        try {
            out.writeEndDocument();
            out.flush();
            out.close();
            batched.flush();
        } catch (XMLStreamException | IOException e) {
            throw new IllegalStateException(e);
        }
        return buffer.toByteArray();
    }

    public CimXmlWriter start(String element) {
        try {
            out.writeStartElement(element);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public CimXmlWriter attribute(String name, String value) {
        try {
            out.writeAttribute(name, value);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public CimXmlWriter text(String text) {
        try {
            out.writeCharacters(text);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public CimXmlWriter end() {
        try {
            out.writeEndElement();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** An element holding only text (or nothing), with explicit end tag. */
    public CimXmlWriter element(String element, String text) {
        start(element);
        if (text != null && !text.isEmpty()) {
            text(text);
        }
        return end();
    }

    /** {@code ERROR CODE DESCRIPTION}. */
    public CimXmlWriter error(int code, String description) {
        start("ERROR").attribute("CODE", Integer.toString(code));
        if (description != null) {
            attribute("DESCRIPTION", description);
        }
        return end();
    }

    // ---- paths

    public CimXmlWriter localNamespacePath(String namespace) {
        start("LOCALNAMESPACEPATH");
        for (String part : namespace.split("/")) {
            if (!part.isEmpty()) {
                start("NAMESPACE").attribute("NAME", part).end();
            }
        }
        return end();
    }

    /** {@code INSTANCENAME} with its key bindings. */
    public CimXmlWriter instanceName(ObjectPath path) {
        start("INSTANCENAME").attribute("CLASSNAME", path.className());
        for (ObjectPath.Key key : path.keys()) {
            start("KEYBINDING").attribute("NAME", key.name());
            if (key.value() instanceof ObjectPath ref) {
                valueReference(ref);
            } else {
                start("KEYVALUE").attribute("VALUETYPE", key.type().keyValueType())
                        .attribute("TYPE", key.type().wireName());
                text(key.type().format(key.value()));
                end();
            }
            end();
        }
        return end();
    }

    /** {@code INSTANCEPATH}: NAMESPACEPATH (HOST + LOCALNAMESPACEPATH) and INSTANCENAME. */
    public CimXmlWriter instancePath(ObjectPath path) {
        start("INSTANCEPATH");
        start("NAMESPACEPATH");
        element("HOST", host);
        localNamespacePath(path.namespace());
        end();
        instanceName(path);
        return end();
    }

    public CimXmlWriter valueReference(ObjectPath path) {
        start("VALUE.REFERENCE");
        instancePath(path);
        return end();
    }

    public CimXmlWriter objectPath(ObjectPath path) {
        start("OBJECTPATH");
        instancePath(path);
        return end();
    }

    // ---- instances

    public CimXmlWriter instance(CimInstance instance, InstanceView view) {
        start("INSTANCE").attribute("CLASSNAME", instance.cimClass().name());
        for (PropertyDef p : instance.cimClass().properties()) {
            if (view.shows(p)) {
                property(p, instance.get(p.name()), view.includeClassOrigin());
            }
        }
        return end();
    }

    private void property(PropertyDef p, Object value, boolean classOrigin) {
        if (p.type() == CimType.REFERENCE) {
            start("PROPERTY.REFERENCE").attribute("NAME", p.name()).attribute("REFERENCECLASS", p.referenceClass());
            if (classOrigin) {
                attribute("CLASSORIGIN", p.classOrigin());
            }
            if (value != null) {
                valueReference((ObjectPath) value);
            }
        } else {
            start(p.array() ? "PROPERTY.ARRAY" : "PROPERTY").attribute("NAME", p.name())
                    .attribute("TYPE", p.type().wireName());
            if (classOrigin) {
                attribute("CLASSORIGIN", p.classOrigin());
            }
            if (value != null) {
                value(p.type(), p.array(), value);
            }
        }
        end();
    }

    /** VALUE or VALUE.ARRAY of a non-reference value. */
    public CimXmlWriter value(CimType type, boolean array, Object value) {
        if (array) {
            start("VALUE.ARRAY");
            for (Object item : (List<?>) value) {
                if (item == null) {
                    element("VALUE.NULL", null);
                } else {
                    element("VALUE", type.format(item));
                }
            }
            return end();
        }
        return element("VALUE", type.format(value));
    }

    public CimXmlWriter valueNamedInstance(CimInstance instance, InstanceView view) {
        start("VALUE.NAMEDINSTANCE");
        instanceName(instance.path());
        instance(instance, view);
        return end();
    }

    public CimXmlWriter valueObjectWithPath(CimInstance instance, InstanceView view) {
        start("VALUE.OBJECTWITHPATH");
        instancePath(instance.path());
        instance(instance, view);
        return end();
    }

    // ---- classes

    /** {@code CLASS} with its properties and methods; localOnly drops inherited members. */
    public CimXmlWriter classDefinition(CimClass c, boolean localOnly, boolean qualifiers, boolean classOrigin,
                                        Set<String> propertyList) {
        start("CLASS").attribute("NAME", c.name());
        if (c.superClass() != null) {
            attribute("SUPERCLASS", c.superClass().name());
        }
        if (qualifiers) {
            if (c.isAssociation()) {
                booleanQualifier("Association", false);
            }
            if (c.isAbstract()) {
                booleanQualifier("Abstract", false);
            }
            if (c.description() != null) {
                start("QUALIFIER").attribute("NAME", "Description").attribute("TYPE", "string")
                        .attribute("TRANSLATABLE", "true");
                element("VALUE", c.description());
                end();
            }
        }
        for (PropertyDef p : c.properties()) {
            boolean inherited = !p.classOrigin().equalsIgnoreCase(c.name());
            if (localOnly && inherited) {
                continue;
            }
            if (propertyList != null && !propertyList.contains(p.name().toLowerCase(Locale.ROOT))) {
                continue;
            }
            if (p.type() == CimType.REFERENCE) {
                start("PROPERTY.REFERENCE").attribute("NAME", p.name()).attribute("REFERENCECLASS", p.referenceClass());
            } else {
                start(p.array() ? "PROPERTY.ARRAY" : "PROPERTY").attribute("NAME", p.name())
                        .attribute("TYPE", p.type().wireName());
            }
            if (classOrigin) {
                attribute("CLASSORIGIN", p.classOrigin());
            }
            if (inherited) {
                attribute("PROPAGATED", "true");
            }
            if (qualifiers && p.key()) {
                booleanQualifier("Key", false);
            }
            end();
        }
        for (MethodDef m : c.methods()) {
            boolean inherited = !m.classOrigin().equalsIgnoreCase(c.name());
            if (localOnly && inherited) {
                continue;
            }
            start("METHOD").attribute("NAME", m.name()).attribute("TYPE", m.returnType().wireName());
            if (classOrigin) {
                attribute("CLASSORIGIN", m.classOrigin());
            }
            if (inherited) {
                attribute("PROPAGATED", "true");
            }
            for (ParameterDef p : m.parameters()) {
                if (p.type() == CimType.REFERENCE) {
                    start(p.array() ? "PARAMETER.REFARRAY" : "PARAMETER.REFERENCE").attribute("NAME", p.name())
                            .attribute("REFERENCECLASS", p.referenceClass());
                } else {
                    start(p.array() ? "PARAMETER.ARRAY" : "PARAMETER").attribute("NAME", p.name())
                            .attribute("TYPE", p.type().wireName());
                }
                if (qualifiers) {
                    if (p.in()) {
                        booleanQualifier("In", true);
                    }
                    if (p.out()) {
                        booleanQualifier("Out", true);
                    }
                }
                end();
            }
            end();
        }
        return end();
    }

    private void booleanQualifier(String name, boolean overridable) {
        start("QUALIFIER").attribute("NAME", name).attribute("TYPE", "boolean");
        if (!overridable) {
            attribute("OVERRIDABLE", "false");
        }
        element("VALUE", "TRUE");
        end();
    }

    // ---- extrinsic replies

    /** {@code RETURNVALUE PARAMTYPE=...}. */
    public CimXmlWriter returnValue(CimType type, Object value) {
        start("RETURNVALUE").attribute("PARAMTYPE", type.wireName());
        if (value != null) {
            element("VALUE", type.format(value));
        }
        return end();
    }

    /** An output {@code PARAMVALUE} with its PARAMTYPE. */
    public CimXmlWriter paramValue(String name, CimType type, boolean array, Object value) {
        start("PARAMVALUE").attribute("NAME", name).attribute("PARAMTYPE", type.wireName());
        if (value != null) {
            if (type == CimType.REFERENCE) {
                if (array) {
                    start("VALUE.REFARRAY");
                    for (Object item : (List<?>) value) {
                        valueReference((ObjectPath) item);
                    }
                    end();
                } else {
                    valueReference((ObjectPath) value);
                }
            } else {
                value(type, array, value);
            }
        }
        return end();
    }

    /** The reply as text, for logs and tests. */
    @Override
    public String toString() {
        try {
            out.flush();
            batched.flush();
        } catch (XMLStreamException | IOException e) {
            throw new IllegalStateException(e);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
