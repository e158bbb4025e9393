package org.storagegateway.smis.simulator.cim;

/** A CIM operation failed with a DSP0200 status code; answered as an ERROR element in an HTTP 200 reply. */
public final class CimException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    public CimException(int code, String description) {
        super(description);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static CimException invalidParameter(String description) {
        return new CimException(CimStatus.INVALID_PARAMETER, description);
    }

    public static CimException notFound(String description) {
        return new CimException(CimStatus.NOT_FOUND, description);
    }

    public static CimException notSupported(String description) {
        return new CimException(CimStatus.NOT_SUPPORTED, description);
    }
}
