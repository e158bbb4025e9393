package org.storagegateway.spi;

/**
 * A stable, published error code. Drivers define their own codes as an enum implementing this interface, with numbers
 * in the range assigned to them (see docs/errors.md). A published number never changes meaning.
 */
public interface ErrorCode {

    /** Return the stable number of this code. */
    int code();

    /** Return the stable symbolic name of this code, such as {@code VDI_NOT_FOUND}. */
    String name();

    /** Return the category of failures with this code. */
    ErrorKind kind();

    /** Return a code with the given values; the host uses it to detach codes from the bundle that defined them. */
    static ErrorCode of(int code, String name, ErrorKind kind) {
        return new SimpleErrorCode(code, name, kind);
    }

    /** A plain error code value. */
    record SimpleErrorCode(int code, String name, ErrorKind kind) implements ErrorCode {
        public SimpleErrorCode {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name is blank");
            }
            if (kind == null) {
                throw new IllegalArgumentException("kind is null");
            }
        }
    }
}
