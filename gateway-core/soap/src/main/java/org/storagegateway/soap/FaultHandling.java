package org.storagegateway.soap;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.namespace.QName;

import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.logging.FaultListener;
import org.apache.cxf.message.Exchange;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.soap.contract.ErrorInfo;
import org.storagegateway.soap.contract.ExternalFault;
import org.storagegateway.soap.contract.InsufficientResourcesFault;
import org.storagegateway.soap.contract.InternalFault;
import org.storagegateway.soap.contract.UnsupportedFault;
import org.storagegateway.soap.contract.UserFault;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Gives every fault the endpoint sends the contract's shape, whatever raised it:
 *
 * <ul>
 *   <li>a typed fault of an operation keeps its detail; a {@code UserFault} gets the SOAP 1.1 code {@code Client},
 *       the other kinds {@code Server};</li>
 *   <li>a fault raised before the operation ran (the request was not well-formed, broke a limit, failed schema
 *       validation, named no operation) becomes a {@code Client} fault with a {@code UserFault INVALID_ARGUMENT}
 *       detail whose message says what was wrong (long quoted values are left out, as they may be secrets);</li>
 *   <li>any other fault is a gateway bug: a {@code Server} fault with an {@code InternalFault INTERNAL_ERROR} detail
 *       and a generic message naming an incident id, under which the exception is logged.</li>
 * </ul>
 *
 * <p>Faults never carry stack traces or causes: the endpoint sets {@code faultStackTraceEnabled} and
 * {@code exceptionMessageCauseEnabled} to false, and this class replaces the message and detail of every fault it does
 * not know.
 */
final class FaultHandling {
    private static final Logger LOG = LoggerFactory.getLogger(FaultHandling.class);
    private static final String INCIDENT = FaultHandling.class.getName() + ".incident";
    private static final Pattern QUOTED_VALUE = Pattern.compile("(?i)(value\\s+)'([^']*)'");
    private static final int MAX_ECHOED_VALUE = 64;

    private FaultHandling() {
    }

    private enum Origin { OPERATION, REQUEST, GATEWAY }

    private static Origin origin(Exception exception, Exchange exchange) {
        Throwable cause = exception instanceof Fault ? exception.getCause() : exception;
        if (cause instanceof UserFault || cause instanceof ExternalFault || cause instanceof InsufficientResourcesFault
                || cause instanceof UnsupportedFault || cause instanceof InternalFault) {
            return Origin.OPERATION;
        }
        boolean invoked = exchange != null && Boolean.TRUE.equals(exchange.get(RequestGuards.INVOKED));
        return invoked ? Origin.GATEWAY : Origin.REQUEST;
    }

    /** Takes over CXF's fault logging: expected faults at debug, gateway bugs once at error with an incident id. */
    static final class Listener implements FaultListener {
        @Override
        public boolean faultOccurred(Exception exception, String description, Message message) {
            String where = description == null ? "" : description.strip();
            switch (origin(exception, message.getExchange())) {
                case OPERATION -> LOG.debug("SOAP call {} answered with a fault: {}", where, exception.getMessage());
                case REQUEST -> LOG.debug("Refused a SOAP request {}: {}", where, requestProblem(exception));
                case GATEWAY -> LOG.error("SOAP call {} failed unexpectedly (incident {})", where,
                        incident(message.getExchange()), exception);
            }
            return false;
        }
    }

    /** Out-fault interceptor that sets the code, message and detail as described on {@link FaultHandling}. */
    static final class Shaper extends AbstractPhaseInterceptor<Message> {
        Shaper() {
            super(Phase.PRE_MARSHAL);
        }

        @Override
        public void handleMessage(Message message) {
            if (!(message.getContent(Exception.class) instanceof Fault fault)) {
                return;
            }
            Exchange exchange = message.getExchange();
            switch (origin(fault, exchange)) {
                case OPERATION -> fault.setFaultCode(
                        fault.getCause() instanceof UserFault ? Fault.FAULT_CODE_CLIENT : Fault.FAULT_CODE_SERVER);
                case REQUEST -> {
                    String text = requestProblem(fault);
                    UserFault typed = Faults.invalidArgument(text);
                    if (!isSoapProtocolCode(fault.getFaultCode())) {
                        fault.setFaultCode(Fault.FAULT_CODE_CLIENT);
                    }
                    fault.setMessage(typed.getMessage());
                    setDetail(fault, "UserFault", typed.getFaultInfo());
                }
                case GATEWAY -> {
                    ErrorInfo info = Faults.internalErrorInfo(incident(exchange));
                    fault.setFaultCode(Fault.FAULT_CODE_SERVER);
                    fault.setMessage(info.getMessage());
                    setDetail(fault, "InternalFault", info);
                }
            }
        }
    }

    /** Return whether {@code code} is SOAP's own VersionMismatch or MustUnderstand, which stay as they are. */
    private static boolean isSoapProtocolCode(QName code) {
        return code != null
                && ("http://schemas.xmlsoap.org/soap/envelope/".equals(code.getNamespaceURI())
                        || "http://www.w3.org/2003/05/soap-envelope".equals(code.getNamespaceURI()))
                && ("VersionMismatch".equals(code.getLocalPart()) || "MustUnderstand".equals(code.getLocalPart()));
    }

    /** Return the incident id of the exchange, making one the first time. */
    private static String incident(Exchange exchange) {
        if (exchange == null) {
            return Faults.newIncidentId();
        }
        Object id = exchange.get(INCIDENT);
        if (id instanceof String s) {
            return s;
        }
        String created = Faults.newIncidentId();
        exchange.put(INCIDENT, created);
        return created;
    }

    /** Return what was wrong with a request, for the caller: CXF's message without long quoted values. */
    static String requestProblem(Exception fault) {
        for (Throwable t = fault; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof RequestGuards.RequestTooLargeException) {
                return t.getMessage();
            }
        }
        String message = fault.getMessage();
        if (message == null || message.isBlank()) {
            return "The request is not a valid call of this service";
        }
        Matcher m = QUOTED_VALUE.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = m.group(2);
            String replacement = value.length() <= MAX_ECHOED_VALUE
                    ? m.group(0) : m.group(1) + "(" + value.length() + " characters)";
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return Faults.clean(out.toString());
    }

    /** Replace the fault's detail with one {@code <tns:elementName>} holding {@code info}. */
    private static void setDetail(Fault fault, String elementName, ErrorInfo info) {
        Element detail = fault.getOrCreateDetail();
        while (detail.getFirstChild() != null) {
            detail.removeChild(detail.getFirstChild());
        }
        Document doc = detail.getOwnerDocument();
        Element root = doc.createElementNS(SoapServer.NAMESPACE, "sg:" + elementName);
        root.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:sg", SoapServer.NAMESPACE);
        root.appendChild(child(doc, "code", Integer.toString(info.getCode())));
        root.appendChild(child(doc, "name", info.getName()));
        root.appendChild(child(doc, "kind", info.getKind().value()));
        root.appendChild(child(doc, "message", info.getMessage()));
        detail.appendChild(root);
    }

    private static Node child(Document doc, String name, String text) {
        Element e = doc.createElementNS(SoapServer.NAMESPACE, "sg:" + name);
        e.setTextContent(text);
        return e;
    }
}
