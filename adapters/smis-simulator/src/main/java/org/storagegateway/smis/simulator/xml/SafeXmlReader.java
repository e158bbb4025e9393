package org.storagegateway.smis.simulator.xml;

import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads a request body into an {@link XmlElement} tree with the JDK's StAX parser, hardened: a DOCTYPE is refused
 * outright (so no DTD, internal or external, and no entity is ever processed), external access is disabled, and
 * the depth and number of elements are bounded. The body size is bounded by the caller.
 */
public final class SafeXmlReader {
    /** Bounds on what one request may contain. */
    public record Limits(int maxDepth, int maxElements) {
        public static final Limits DEFAULT = new Limits(64, 200_000);
    }

    private final XMLInputFactory factory;
    private final Limits limits;

    public SafeXmlReader(Limits limits) {
        this.limits = limits;
        // The JDK's own implementation, whatever else is on the class path.
        factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, true);
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        factory.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
            throw new XMLStreamException("external entity refused: " + systemId);
        });
    }

    public SafeXmlReader() {
        this(Limits.DEFAULT);
    }

    /** Parse a document and return its root element. */
    public XmlElement read(byte[] body) throws XmlRefusedException {
        XMLStreamReader reader = null;
        try {
            reader = factory.createXMLStreamReader(new ByteArrayInputStream(body));
            Deque<Partial> stack = new ArrayDeque<>();
            XmlElement root = null;
            int elements = 0;
            while (reader.hasNext()) {
                int event = reader.next();
                switch (event) {
                    case XMLStreamConstants.DTD -> throw new XmlRefusedException(XmlRefusedException.Reason.DTD_REFUSED,
                            "a DOCTYPE is not accepted", null);
                    case XMLStreamConstants.ENTITY_REFERENCE, XMLStreamConstants.ENTITY_DECLARATION ->
                            throw new XmlRefusedException(XmlRefusedException.Reason.DTD_REFUSED,
                                    "entity references are not accepted", null);
                    case XMLStreamConstants.START_ELEMENT -> {
                        if (++elements > limits.maxElements()) {
                            throw new XmlRefusedException(XmlRefusedException.Reason.LIMIT_EXCEEDED,
                                    "more than " + limits.maxElements() + " elements", null);
                        }
                        if (stack.size() >= limits.maxDepth()) {
                            throw new XmlRefusedException(XmlRefusedException.Reason.LIMIT_EXCEEDED,
                                    "elements nested deeper than " + limits.maxDepth(), null);
                        }
                        Map<String, String> attributes = new LinkedHashMap<>();
                        for (int i = 0; i < reader.getAttributeCount(); i++) {
                            attributes.put(reader.getAttributeLocalName(i), reader.getAttributeValue(i));
                        }
                        stack.push(new Partial(reader.getLocalName(), attributes));
                    }
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                        if (!stack.isEmpty()) {
                            stack.peek().text.append(reader.getText());
                        }
                    }
                    case XMLStreamConstants.END_ELEMENT -> {
                        Partial done = stack.pop();
                        XmlElement element = new XmlElement(done.name, done.attributes, done.children,
                                done.text.toString());
                        if (stack.isEmpty()) {
                            root = element;
                        } else {
                            stack.peek().children.add(element);
                        }
                    }
                    default -> {
                        // Comments, processing instructions and the document events carry nothing for CIM-XML.
                    }
                }
            }
            if (root == null) {
                throw new XmlRefusedException(XmlRefusedException.Reason.NOT_WELL_FORMED, "no root element", null);
            }
            return root;
        } catch (XMLStreamException e) {
            throw new XmlRefusedException(XmlRefusedException.Reason.NOT_WELL_FORMED, e.getMessage(), e);
        } finally {
            if (reader != null) {
                try {
                    reader.close();
                } catch (XMLStreamException ignored) {
                    // Nothing to release beyond the in-memory stream.
                }
            }
        }
    }

    private static final class Partial {
        final String name;
        final Map<String, String> attributes;
        final List<XmlElement> children = new ArrayList<>();
        final StringBuilder text = new StringBuilder();

        Partial(String name, Map<String, String> attributes) {
            this.name = name;
            this.attributes = attributes;
        }
    }
}
