package org.storagegateway.smis.simulator;

import java.util.Objects;

/**
 * A fault the simulator injects into matching requests.
 *
 * @param kind        what goes wrong
 * @param method      the CIM method it affects (intrinsic operation or extrinsic method name, case-insensitive);
 *                    null or "*" for every request
 * @param times       how many matching requests it affects; 0 or less for all of them
 * @param delayMillis for {@link Kind#SLOW_REPLY}: how long the reply is held back
 */
public record Fault(Kind kind, String method, int times, long delayMillis) {

    /** The faults the simulator can inject. */
    public enum Kind {
        /** Answer HTTP 500 without running the operation. */
        HTTP_500,
        /** Answer HTTP 200 with a truncated, not well-formed CIM-XML document, without running the operation. */
        MALFORMED_XML,
        /** Run the operation, then hold the reply back for delayMillis (a client timeout test). */
        SLOW_REPLY,
        /** For array-changing extrinsic methods: reply 4096 with a job that ends in JobState 10 (Exception). */
        FAILED_JOB
    }

    public Fault {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.SLOW_REPLY && delayMillis <= 0) {
            throw new IllegalArgumentException("a SLOW_REPLY fault needs a positive delayMillis");
        }
    }

    public static Fault http500(String method) {
        return new Fault(Kind.HTTP_500, method, 0, 0);
    }

    public static Fault malformedXml(String method) {
        return new Fault(Kind.MALFORMED_XML, method, 0, 0);
    }

    public static Fault slowReply(String method, long delayMillis) {
        return new Fault(Kind.SLOW_REPLY, method, 0, delayMillis);
    }

    public static Fault failedJob(String method) {
        return new Fault(Kind.FAILED_JOB, method, 0, 0);
    }

    /** The same fault limited to the next n matching requests. */
    public Fault times(int n) {
        return new Fault(kind, method, n, delayMillis);
    }

    public boolean matches(String methodName) {
        return method == null || method.equals("*") || method.equalsIgnoreCase(methodName);
    }
}
