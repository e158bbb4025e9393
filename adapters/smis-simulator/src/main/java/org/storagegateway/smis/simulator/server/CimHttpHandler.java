package org.storagegateway.smis.simulator.server;

import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.BehaviourControl;
import org.storagegateway.smis.simulator.Fault;
import org.storagegateway.smis.simulator.RequestStatistics;
import org.storagegateway.smis.simulator.ops.CimOperations;
import org.storagegateway.smis.simulator.xml.SafeXmlReader;
import org.storagegateway.smis.simulator.xml.XmlElement;
import org.storagegateway.smis.simulator.xml.XmlRefusedException;

/**
 * CIM-XML over HTTP (DSP0200): POST and M-POST on any path, Basic authentication with the challenge SBLIM waits
 * for, the CIM headers (with the RFC 2774 {@code NN-} prefix under M-POST), protocol errors as HTTP status plus a
 * CIMError header, and the injected HTTP-level faults. Operations themselves are {@link CimOperations}'.
 */
public final class CimHttpHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(CimHttpHandler.class);

    /** The mandatory-extension declaration of the CIM mapping (DSP0200), as it appears in a Man header. */
    static final String CIM_MAPPING = "http://www.dmtf.org/cim/mapping/http/v1.0";
    private static final Pattern NS = Pattern.compile(";\\s*ns\\s*=\\s*\"?(\\d{2,})\"?");
    static final String CONTENT_TYPE = "application/xml; charset=\"utf-8\"";
    static final String REALM = "smis-simulator";

    private final CimOperations operations;
    private final Credentials credentials;
    private final BehaviourControl behaviour;
    private final SafeXmlReader xml = new SafeXmlReader();
    private final int maxRequestBytes;
    private final RequestStatistics statistics;

    public CimHttpHandler(CimOperations operations, Credentials credentials, BehaviourControl behaviour,
                          int maxRequestBytes, RequestStatistics statistics) {
        this.operations = operations;
        this.statistics = statistics;
        this.credentials = credentials;
        this.behaviour = behaviour;
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        statistics.httpRequest(method);
        String prefix;
        if (method.equals("POST")) {
            prefix = "";
        } else if (method.equals("M-POST")) {
            prefix = extensionPrefix(request.getHeaders().get("Man"));
            if (prefix == null) {
                // Not the CIM mapping's extension: 501 without CIMError, so that clients fall back to POST.
                plain(response, callback, 501, null, null, "M-POST without the CIM mapping extension");
                return true;
            }
        } else {
            plain(response, callback, 501, null, null, "Only POST and M-POST carry CIM operations");
            return true;
        }

        long declared = request.getLength();
        if (declared > maxRequestBytes) {
            plain(response, callback, 413, prefix, null, "The request is larger than " + maxRequestBytes + " bytes");
            return true;
        }
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(maxRequestBytes + 1);
        }
        if (body.length > maxRequestBytes) {
            plain(response, callback, 413, prefix, null, "The request is larger than " + maxRequestBytes + " bytes");
            return true;
        }
        if (!credentials.accepts(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            statistics.unauthorized();
            response.setStatus(401);
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"" + REALM + "\"");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
            response.write(true, ByteBuffer.allocate(0), callback);
            return true;
        }
        try {
            respond(request, response, callback, prefix, body);
        } catch (ProtocolException e) {
            LOG.info("Refused a request from {}: {} {} ({})", Request.getRemoteAddr(request), e.status(),
                    e.cimError(), e.getMessage());
            plain(response, callback, e.status(), prefix, e.cimError(), e.getMessage());
        }
        return true;
    }

    private void respond(Request request, Response response, Callback callback, String prefix, byte[] body)
            throws ProtocolException, InterruptedException {
        String operation = request.getHeaders().get(prefix + "CIMOperation");
        if (operation == null || !operation.trim().equalsIgnoreCase("MethodCall")) {
            throw new ProtocolException(400, "unsupported-operation",
                    "CIMOperation must be MethodCall, not " + operation);
        }
        String protocolVersion = request.getHeaders().get(prefix + "CIMProtocolVersion");
        if (protocolVersion != null && !protocolVersion.trim().startsWith("1.") && !protocolVersion.trim().equals("1")) {
            throw new ProtocolException(501, "unsupported-protocol-version",
                    "CIMProtocolVersion " + protocolVersion + " is not supported");
        }
        XmlElement root;
        try {
            root = xml.read(body);
        } catch (XmlRefusedException e) {
            String token = e.reason() == XmlRefusedException.Reason.NOT_WELL_FORMED
                    ? "request-not-well-formed" : "request-not-valid";
            throw new ProtocolException(400, token, e.getMessage());
        }
        CimRequest cim = RequestReader.read(root);
        String headerMethod = decode(request.getHeaders().get(prefix + "CIMMethod"));
        if (headerMethod != null && !headerMethod.trim().equalsIgnoreCase(cim.methodName())) {
            throw new ProtocolException(400, "header-mismatch",
                    "CIMMethod " + headerMethod + " does not match the body's " + cim.methodName());
        }

        statistics.cimRequest(cim.methodName());
        if (behaviour.take(Fault.Kind.HTTP_500, cim.methodName()).isPresent()) {
            LOG.info("Injected fault: HTTP 500 for {}", cim.methodName());
            plain(response, callback, 500, prefix, null, "Injected fault: internal server error");
            return;
        }
        if (behaviour.take(Fault.Kind.MALFORMED_XML, cim.methodName()).isPresent()) {
            LOG.info("Injected fault: malformed XML for {}", cim.methodName());
            cimReply(response, callback, prefix, malformedReply(cim));
            return;
        }
        long started = System.nanoTime();
        byte[] reply = operations.execute(cim.messageId(), cim.intrinsic(), cim.methodName(), cim.namespace(),
                cim.call(), host(request));
        LOG.debug("{} {} in {} µs", cim.methodName(), cim.namespace(), (System.nanoTime() - started) / 1000);
        Optional<Fault> slow = behaviour.take(Fault.Kind.SLOW_REPLY, cim.methodName());
        if (slow.isPresent()) {
            LOG.info("Injected fault: holding the reply to {} for {} ms", cim.methodName(), slow.get().delayMillis());
            Thread.sleep(slow.get().delayMillis());
        }
        cimReply(response, callback, prefix, reply);
    }

    /** A reply that breaks off in the middle of a tag: what a crashing CIMOM or a cut connection leaves. */
    private static byte[] malformedReply(CimRequest cim) {
        String element = cim.intrinsic() ? "IMETHODRESPONSE" : "METHODRESPONSE";
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">"
                + "<MESSAGE ID=\"" + cim.messageId().replaceAll("[^A-Za-z0-9._-]", "") + "\" PROTOCOLVERSION=\"1.0\">"
                + "<SIMPLERSP><" + element + " NAME=\"" + cim.methodName().replaceAll("[^A-Za-z0-9_]", "")
                + "\"><IRETURNVALUE><VALUE.NAMEDINSTANCE><INSTANCENAME CLASSNAME=\"SIM_")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void cimReply(Response response, Callback callback, String prefix, byte[] reply) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        response.getHeaders().put(prefix + "CIMOperation", "MethodResponse");
        if (!prefix.isEmpty()) {
            // RFC 2774: the reply to an M- request confirms the mandatory extension with an empty Ext header.
            response.getHeaders().put("Ext", "");
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, (long) reply.length);
        response.write(true, ByteBuffer.wrap(reply), callback);
    }

    private static void plain(Response response, Callback callback, int status, String prefix, String cimError,
                              String message) {
        byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        if (cimError != null) {
            response.getHeaders().put((prefix == null ? "" : prefix) + "CIMError", cimError);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, (long) text.length);
        response.write(true, ByteBuffer.wrap(text), callback);
    }

    /** "NN-" from a Man header declaring the CIM mapping, or null when it does not. */
    static String extensionPrefix(String man) {
        if (man == null || !man.toLowerCase(Locale.ROOT).contains(CIM_MAPPING)) {
            return null;
        }
        Matcher m = NS.matcher(man);
        return m.find() ? m.group(1) + "-" : null;
    }

    /** CIM header values are UTF-8, %-escaped (wbemcli escapes '/' and ':' too). */
    private static String decode(String value) {
        if (value == null) {
            return null;
        }
        try {
            return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }

    /** The HOST written into the reply's instance paths: what the client called us. */
    private static String host(Request request) {
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host == null || host.isBlank()) {
            return Request.getServerName(request);
        }
        return host.trim();
    }
}
