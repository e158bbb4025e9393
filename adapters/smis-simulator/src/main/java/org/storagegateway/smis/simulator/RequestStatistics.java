package org.storagegateway.smis.simulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of the requests a simulator has received since it started: by HTTP method (POST, M-POST, others), by CIM
 * operation or method name (operations that reached the CIM layer), and refused authentications. Clients' round
 * trips are measured with these.
 */
public final class RequestStatistics {
    private final Map<String, LongAdder> byHttpMethod = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byCimMethod = new ConcurrentHashMap<>();
    private final LongAdder unauthorized = new LongAdder();

    /** Count an HTTP request as it arrives. */
    public void httpRequest(String method) {
        byHttpMethod.computeIfAbsent(method, k -> new LongAdder()).increment();
    }

    /** Count a CIM operation that passed authentication and the envelope checks. */
    public void cimRequest(String methodName) {
        byCimMethod.computeIfAbsent(methodName, k -> new LongAdder()).increment();
    }

    public void unauthorized() {
        unauthorized.increment();
    }

    /** Requests by HTTP method. */
    public Map<String, Long> byHttpMethod() {
        return snapshot(byHttpMethod);
    }

    /** CIM operations by name (case as the client sent it). */
    public Map<String, Long> byCimMethod() {
        return snapshot(byCimMethod);
    }

    /** Requests answered 401. */
    public long unauthorizedCount() {
        return unauthorized.sum();
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
        Map<String, Long> copy = new TreeMap<>();
        counters.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }
}
