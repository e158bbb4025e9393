package org.storagegateway.smis.simulator.server;

/**
 * A request refused at the HTTP level: a status code and, where DSP0200 defines one, the value of the CIMError
 * header (null for none, as for the 501 that tells an M-POST client to fall back to POST).
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String cimError;

    public ProtocolException(int status, String cimError, String message) {
        super(message);
        this.status = status;
        this.cimError = cimError;
    }

    public int status() {
        return status;
    }

    public String cimError() {
        return cimError;
    }
}
