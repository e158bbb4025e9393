package org.storagegateway.smis.simulator.xml;

/** A request body the simulator does not parse: malformed, too large, or carrying a DTD. */
public final class XmlRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the body was refused. */
    public enum Reason {
        /** Not well-formed XML. */
        NOT_WELL_FORMED,
        /** Well-formed but refused by policy: a DOCTYPE (DTDs and entities are never processed). */
        DTD_REFUSED,
        /** Beyond a size, depth or element-count limit. */
        LIMIT_EXCEEDED
    }

    private final Reason reason;

    public XmlRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
