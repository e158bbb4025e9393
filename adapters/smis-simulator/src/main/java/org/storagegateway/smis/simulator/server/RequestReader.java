package org.storagegateway.smis.simulator.server;

import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.xml.CimXmlDecoder;
import org.storagegateway.smis.simulator.xml.XmlElement;

/** Checks the DSP0201 envelope of a request ({@code CIM/MESSAGE/SIMPLEREQ/(I)METHODCALL}) and extracts its call. */
final class RequestReader {
    private RequestReader() {
    }

    static CimRequest read(XmlElement root) throws ProtocolException {
        if (!root.name().equals("CIM")) {
            throw notValid("the root element must be CIM, not " + root.name());
        }
        checkMajor(root.attribute("CIMVERSION"), "2", "unsupported-cim-version", "CIMVERSION");
        checkMajor(root.attribute("DTDVERSION"), "2", "unsupported-dtd-version", "DTDVERSION");
        XmlElement message = root.child("MESSAGE");
        if (message == null || root.children().size() != 1) {
            throw notValid("CIM must hold exactly one MESSAGE");
        }
        String id = message.attribute("ID");
        if (id == null) {
            throw notValid("MESSAGE has no ID");
        }
        checkMajor(message.attribute("PROTOCOLVERSION"), "1", "unsupported-protocol-version", "PROTOCOLVERSION");
        XmlElement body = message.firstChild();
        if (body == null || message.children().size() != 1) {
            throw notValid("MESSAGE must hold exactly one request");
        }
        if (body.name().equals("MULTIREQ")) {
            throw new ProtocolException(501, "multiple-requests-unsupported", "MULTIREQ is not supported");
        }
        if (!body.name().equals("SIMPLEREQ")) {
            throw notValid("MESSAGE holds " + body.name() + ", not SIMPLEREQ");
        }
        XmlElement call = null;
        for (XmlElement child : body.children()) {
            if (child.name().equals("CORRELATOR")) {
                continue;
            }
            if (call != null) {
                throw notValid("SIMPLEREQ holds more than one call");
            }
            call = child;
        }
        if (call == null) {
            throw notValid("SIMPLEREQ holds no call");
        }
        String name = call.attribute("NAME");
        if (name == null || name.isBlank()) {
            throw notValid(call.name() + " has no NAME");
        }
        try {
            if (call.name().equals("IMETHODCALL")) {
                return new CimRequest(id, true, name.trim(), CimXmlDecoder.namespace(call.child("LOCALNAMESPACEPATH")),
                        call);
            }
            if (call.name().equals("METHODCALL")) {
                XmlElement target = call.child("LOCALINSTANCEPATH");
                if (target == null) {
                    target = call.child("LOCALCLASSPATH");
                }
                if (target == null) {
                    throw notValid("METHODCALL has neither LOCALINSTANCEPATH nor LOCALCLASSPATH");
                }
                return new CimRequest(id, false, name.trim(),
                        CimXmlDecoder.namespace(target.child("LOCALNAMESPACEPATH")), call);
            }
        } catch (CimException e) {
            throw notValid(e.getMessage());
        }
        throw notValid("SIMPLEREQ holds " + call.name() + ", neither IMETHODCALL nor METHODCALL");
    }

    private static void checkMajor(String version, String major, String cimError, String what)
            throws ProtocolException {
        if (version == null || version.isBlank()) {
            throw notValid(what + " is missing");
        }
        String v = version.trim();
        int dot = v.indexOf('.');
        if (!(dot < 0 ? v : v.substring(0, dot)).equals(major)) {
            throw new ProtocolException(501, cimError, what + " " + v + " is not supported (major " + major + " is)");
        }
    }

    private static ProtocolException notValid(String message) {
        return new ProtocolException(400, "request-not-valid", message);
    }
}
