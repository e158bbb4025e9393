package org.storagegateway.soap;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.util.StreamReaderDelegate;

import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.interceptor.StaxInInterceptor;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;

/**
 * The CXF in-interceptors that guard request parsing. The XML limits themselves are set on the endpoint's parser
 * factory and as CXF endpoint properties (see {@link SoapServer}).
 */
final class RequestGuards {

    /** Exchange key set once the request was read and the operation is about to run. */
    static final String INVOKED = RequestGuards.class.getName() + ".invoked";

    private RequestGuards() {
    }

    /** Thrown by the body stream when a request sends more than the limit (a chunked one, without a length). */
    static final class RequestTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        RequestTooLargeException(long limit) {
            super("The request body is larger than " + limit + " bytes");
        }
    }

    /** Cuts the request body stream off after {@code maxBytes} bytes. */
    static final class BodySizeLimit extends AbstractPhaseInterceptor<Message> {
        private final long maxBytes;

        BodySizeLimit(long maxBytes) {
            super(Phase.RECEIVE);
            this.maxBytes = maxBytes;
        }

        @Override
        public void handleMessage(Message message) {
            InputStream in = message.getContent(InputStream.class);
            if (in != null) {
                message.setContent(InputStream.class, new BoundedInputStream(in, maxBytes));
            }
        }
    }

    /**
     * Refuses DTDs and entity references. CXF's StAX factory already neither loads external entities nor expands
     * entity references, but Woodstox then reports an undeclared {@code &name;} as an entity reference event that
     * the data binding skips, so the value would silently lose it. This interceptor makes the refusal explicit: the
     * reader is advanced over the prolog to the root element, a DTD there ends the request with a client fault, and
     * the rest of the document is read through a reader that fails on any entity reference.
     */
    static final class DtdRefusal extends AbstractPhaseInterceptor<Message> {
        DtdRefusal() {
            super(Phase.POST_STREAM);
            addAfter(StaxInInterceptor.class.getName());
        }

        @Override
        public void handleMessage(Message message) {
            XMLStreamReader reader = message.getContent(XMLStreamReader.class);
            if (reader == null) {
                return;
            }
            try {
                int event = reader.getEventType();
                while (event != XMLStreamConstants.START_ELEMENT && event != XMLStreamConstants.END_DOCUMENT) {
                    if (event == XMLStreamConstants.DTD || event == XMLStreamConstants.ENTITY_REFERENCE
                            || event == XMLStreamConstants.ENTITY_DECLARATION) {
                        throw clientFault("Document type declarations (DTDs) are not allowed");
                    }
                    if (!reader.hasNext()) {
                        break;
                    }
                    event = reader.next();
                }
            } catch (XMLStreamException e) {
                throw clientFault("The request is not well-formed XML: " + e.getMessage());
            }
            message.setContent(XMLStreamReader.class, new NoEntityReferences(reader));
        }
    }

    /** A reader that fails on DTD and entity reference events, however the caller advances it. */
    static final class NoEntityReferences extends StreamReaderDelegate {
        NoEntityReferences(XMLStreamReader reader) {
            super(reader);
        }

        @Override
        public int next() throws XMLStreamException {
            int event = super.next();
            if (event == XMLStreamConstants.ENTITY_REFERENCE || event == XMLStreamConstants.DTD
                    || event == XMLStreamConstants.ENTITY_DECLARATION) {
                throw new XMLStreamException("Entity references and DTDs are not allowed", getLocation());
            }
            return event;
        }

        @Override
        public int nextTag() throws XMLStreamException {
            int event = next();
            while (event == XMLStreamConstants.SPACE || event == XMLStreamConstants.COMMENT
                    || event == XMLStreamConstants.PROCESSING_INSTRUCTION
                    || (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA) && isWhiteSpace()) {
                event = next();
            }
            if (event != XMLStreamConstants.START_ELEMENT && event != XMLStreamConstants.END_ELEMENT) {
                throw new XMLStreamException("Expected a start or end tag", getLocation());
            }
            return event;
        }

        @Override
        public String getElementText() throws XMLStreamException {
            if (getEventType() != XMLStreamConstants.START_ELEMENT) {
                throw new XMLStreamException("Not at a start tag", getLocation());
            }
            StringBuilder text = new StringBuilder();
            int event = next();
            while (event != XMLStreamConstants.END_ELEMENT) {
                switch (event) {
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                            text.append(getText());
                    case XMLStreamConstants.COMMENT, XMLStreamConstants.PROCESSING_INSTRUCTION -> {
                        // skipped, as the StAX contract says
                    }
                    default -> throw new XMLStreamException("Element text expected", getLocation());
                }
                event = next();
            }
            return text.toString();
        }
    }

    /**
     * Marks the exchange once the request was read, validated and bound to an operation, just before the operation
     * runs. A request that names no operation is not marked: it fails as the caller's fault.
     */
    static final class InvocationMarker extends AbstractPhaseInterceptor<Message> {
        InvocationMarker() {
            super(Phase.PRE_INVOKE);
        }

        @Override
        public void handleMessage(Message message) {
            if (message.getExchange() != null && message.getExchange().getBindingOperationInfo() != null) {
                message.getExchange().put(INVOKED, Boolean.TRUE);
            }
        }
    }

    static Fault clientFault(String text) {
        Fault fault = new Fault(new IllegalArgumentException(text));
        fault.setMessage(text);
        fault.setFaultCode(Fault.FAULT_CODE_CLIENT);
        return fault;
    }

    /** An input stream that fails once more than {@code limit} bytes were read from it. */
    static final class BoundedInputStream extends FilterInputStream {
        private final long limit;
        private long count;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            if (skipped > 0) {
                count(skipped);
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        private void count(long n) throws RequestTooLargeException {
            count += n;
            if (count > limit) {
                throw new RequestTooLargeException(limit);
            }
        }
    }
}
