package org.storagegateway.soap;

import java.security.SecureRandom;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.soap.contract.ErrorInfo;
import org.storagegateway.soap.contract.ErrorKind;
import org.storagegateway.soap.contract.ExternalFault;
import org.storagegateway.soap.contract.InsufficientResourcesFault;
import org.storagegateway.soap.contract.InternalFault;
import org.storagegateway.soap.contract.UnsupportedFault;
import org.storagegateway.soap.contract.UserFault;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * Turns what an operation threw into the typed fault of its error kind.
 *
 * <ul>
 *   <li>{@link StorageException}: the fault of its kind, with its code, name and message.</li>
 *   <li>{@link IllegalArgumentException}, and a {@link NullPointerException} thrown by
 *       {@code Objects.requireNonNull}: what record validation throws for bad request data, so a {@code UserFault}
 *       {@code INVALID_ARGUMENT} with its message.</li>
 *   <li>Anything else is a bug: an {@code InternalFault} {@code INTERNAL_ERROR} whose message says only that, with an
 *       incident id; the exception itself is logged here under that id and never sent.</li>
 * </ul>
 *
 * <p>No fault is ever given a cause, so nothing of the original exception can reach the wire.
 */
final class Faults {
    private static final Logger LOG = LoggerFactory.getLogger(Faults.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_MESSAGE_LENGTH = 2000;

    private Faults() {
    }

    /** Throw the typed fault for {@code failure}; never returns (the return type lets callers write {@code throw}). */
    static RuntimeException raise(String operation, RuntimeException failure)
            throws UserFault, ExternalFault, InsufficientResourcesFault, UnsupportedFault, InternalFault {
        Exception fault = toFault(operation, failure);
        if (fault instanceof UserFault f) {
            throw f;
        } else if (fault instanceof ExternalFault f) {
            throw f;
        } else if (fault instanceof InsufficientResourcesFault f) {
            throw f;
        } else if (fault instanceof UnsupportedFault f) {
            throw f;
        } else if (fault instanceof InternalFault f) {
            throw f;
        }
        throw new IllegalStateException("not a typed fault: " + fault.getClass().getName());
    }

    /** Return the typed fault for {@code failure}, logging it as its kind deserves. */
    static Exception toFault(String operation, RuntimeException failure) {
        if (failure instanceof StorageException e) {
            ErrorKind kind = ContractMapper.errorKind(e.kind());
            String message = clean(e.getMessage());
            if (kind == ErrorKind.INTERNAL) {
                LOG.warn("{} failed with internal error {} {}", operation, e.errorCode().code(),
                        e.errorCode().name(), e);
            } else {
                LOG.debug("{} failed: {} {} {}: {}", operation, kind, e.errorCode().code(), e.errorCode().name(),
                        message);
            }
            return fault(ContractMapper.errorInfo(e.errorCode().code(), e.errorCode().name(), kind, message));
        }
        if (failure instanceof IllegalArgumentException || isRequireNonNull(failure)) {
            String message = failure.getMessage() == null ? "invalid argument" : clean(failure.getMessage());
            LOG.debug("{} refused an invalid argument: {}", operation, message);
            return invalidArgument(message);
        }
        return internal(operation, failure);
    }

    /** Return a UserFault INVALID_ARGUMENT. */
    static UserFault invalidArgument(String message) {
        return (UserFault) fault(ContractMapper.errorInfo(StandardErrorCode.INVALID_ARGUMENT.code(),
                StandardErrorCode.INVALID_ARGUMENT.name(), ErrorKind.USER, message));
    }

    /** Log {@code failure} under a new incident id and return the generic InternalFault that names the id. */
    static InternalFault internal(String operation, Throwable failure) {
        String incident = newIncidentId();
        LOG.error("{} failed unexpectedly (incident {})", operation, incident, failure);
        return (InternalFault) fault(internalErrorInfo(incident));
    }

    static ErrorInfo internalErrorInfo(String incident) {
        return ContractMapper.errorInfo(StandardErrorCode.INTERNAL_ERROR.code(),
                StandardErrorCode.INTERNAL_ERROR.name(), ErrorKind.INTERNAL,
                "Internal error in the gateway (incident " + incident + "); the gateway log has the details");
    }

    static String newIncidentId() {
        return HexFormat.of().toHexDigits(RANDOM.nextInt());
    }

    /** Return the fault exception carrying {@code info}; its message is the fault string. */
    static Exception fault(ErrorInfo info) {
        String message = info.getMessage();
        return switch (info.getKind()) {
            case USER -> new UserFault(message, info);
            case EXTERNAL -> new ExternalFault(message, info);
            case INSUFFICIENT_RESOURCES -> new InsufficientResourcesFault(message, info);
            case UNSUPPORTED -> new UnsupportedFault(message, info);
            case INTERNAL -> new InternalFault(message, info);
        };
    }

    /** Return a message fit for a fault string: no control characters, bounded length, never empty. */
    static String clean(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        StringBuilder out = new StringBuilder(Math.min(message.length(), MAX_MESSAGE_LENGTH + 1));
        for (int i = 0; i < message.length() && out.length() < MAX_MESSAGE_LENGTH; i++) {
            char c = message.charAt(i);
            out.append(Character.isISOControl(c) || Character.isSurrogate(c) && !validSurrogateAt(message, i)
                    ? ' ' : c);
        }
        if (out.length() > 0 && Character.isHighSurrogate(out.charAt(out.length() - 1))) {
            out.setLength(out.length() - 1);
        }
        if (message.length() > MAX_MESSAGE_LENGTH) {
            out.append('…');
        }
        return out.toString().strip();
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Return whether {@code e} is a NullPointerException thrown by {@code Objects.requireNonNull}. */
    private static boolean isRequireNonNull(RuntimeException e) {
        if (!(e instanceof NullPointerException) || e.getMessage() == null) {
            return false;
        }
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length > 0 && "java.util.Objects".equals(trace[0].getClassName());
    }
}
