package org.storagegateway.smis.simulator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;

/** A raw HTTP client for CIM-XML requests written by hand, and a hardened DOM parser for the replies. */
final class CimHttp {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;
    private final String authorization;

    CimHttp(SmisSimulator sim) {
        this.uri = URI.create(sim.httpUri() + "/cimom");
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((sim.user() + ":" + sim.password()).getBytes(StandardCharsets.UTF_8));
    }

    /** The usual POST of an intrinsic or extrinsic call. */
    HttpResponse<String> post(String cimMethod, String cimObject, String body) throws IOException, InterruptedException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("CIMOperation", "MethodCall");
        headers.put("CIMMethod", cimMethod);
        headers.put("CIMObject", cimObject);
        return send("POST", headers, body, true, Duration.ofSeconds(20));
    }

    HttpResponse<String> send(String method, Map<String, String> headers, String body, boolean authenticate,
                              Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/xml; charset=\"utf-8\"")
                .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authenticate) {
            b.header("Authorization", authorization);
        }
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A request document around one call. */
    static String request(String call) {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">"
                + "<MESSAGE ID=\"1001\" PROTOCOLVERSION=\"1.0\"><SIMPLEREQ>" + call
                + "</SIMPLEREQ></MESSAGE></CIM>";
    }

    static String namespace(String ns) {
        StringBuilder sb = new StringBuilder("<LOCALNAMESPACEPATH>");
        for (String part : ns.split("/")) {
            sb.append("<NAMESPACE NAME=\"").append(part).append("\"/>");
        }
        return sb.append("</LOCALNAMESPACEPATH>").toString();
    }

    /** An intrinsic call with IPARAMVALUEs written by the caller. */
    static String intrinsic(String op, String ns, String params) {
        return request("<IMETHODCALL NAME=\"" + op + "\">" + namespace(ns) + params + "</IMETHODCALL>");
    }

    static String classNameParam(String className) {
        return "<IPARAMVALUE NAME=\"ClassName\"><CLASSNAME NAME=\"" + className + "\"/></IPARAMVALUE>";
    }

    /** Parse a reply with DTDs and external entities off; throws if it is not well-formed. */
    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setExpandEntityReferences(false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
