package org.storagegateway.spi;

/** The category of a failure: who has to act on it. The SOAP layer maps each kind to one fault type. */
public enum ErrorKind {
    /** The request is wrong: bad argument, unknown object, conflict with current state. The caller must change it. */
    USER,
    /** Something outside the gateway failed: an array, a CIMOM, an NFS server, a hypervisor. */
    EXTERNAL,
    /** Not enough space, chain depth, quota or other capacity to do what was asked. */
    INSUFFICIENT_RESOURCES,
    /** The driver or SR does not offer the operation. */
    UNSUPPORTED,
    /** A bug or an unexpected state inside the gateway or a driver. */
    INTERNAL
}
