package org.storagegateway.vhd;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The single (unchecked) error type of the VHD library. Every failure, including corrupt input
 * and I/O errors, is reported as a {@code VhdException} carrying a machine-readable
 * {@link Reason}, so callers (SR drivers) can map failures to their own error codes without
 * parsing messages.
 */
public final class VhdException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why an operation failed. */
    public enum Reason {
        /** A structure (footer, dynamic header, batmap header) does not start with its cookie. */
        BAD_COOKIE,
        /** A structure's checksum does not match its contents. */
        BAD_CHECKSUM,
        /** A BAT entry points into the metadata area or past the end of the file. */
        BAT_ENTRY_OUT_OF_RANGE,
        /** The resolved parent's footer UUID differs from the child's recorded parent UUID. */
        PARENT_UUID_MISMATCH,
        /** Following parents leads back to an image already in the chain. */
        CHAIN_LOOP,
        /** The chain has more images than {@link VhdChain#MAX_CHAIN_DEPTH}. */
        CHAIN_TOO_DEEP,
        /** The file is shorter than its metadata says, or a read hit end of file. */
        TRUNCATED,
        /** A valid but unsupported variant (format version, raw parent, block size, ...). */
        UNSUPPORTED,
        /** The parent of a differencing image cannot be found. */
        PARENT_MISSING,
        /** The caller passed an argument the library refuses (size, offset, name, ...). */
        INVALID_ARGUMENT,
        /** Metadata is internally inconsistent in a way not covered by a more specific reason. */
        CORRUPT,
        /** A write was attempted on an image opened {@link OpenMode#READ_ONLY}. */
        READ_ONLY,
        /** The file to create already exists. */
        ALREADY_EXISTS,
        /** The file to open does not exist. */
        NOT_FOUND,
        /** The operating system reported an I/O error. */
        IO_ERROR
    }

    private final Reason reason;
    private final transient Path path;

    public VhdException(Reason reason, Path path, String message) {
        this(reason, path, message, null);
    }

    public VhdException(Reason reason, Path path, String message, Throwable cause) {
        super(format(reason, path, message), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.path = path;
    }

    /** The machine-readable failure category. */
    public Reason reason() {
        return reason;
    }

    /** The file the failure relates to, or {@code null} if none. */
    public Path path() {
        return path;
    }

    private static String format(Reason reason, Path path, String message) {
        return path == null ? reason + ": " + message : reason + ": " + path + ": " + message;
    }
}
