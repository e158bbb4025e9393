package org.storagegateway.smis.simulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the simulator behaves, as opposed to what it holds: synchronous or job-based replies (globally and per
 * method), how long a job runs, and injected faults. Readable from JSON ({@code --behaviour FILE}), e.g.
 * <pre>{"replyMode":"JOB","jobDurationMillis":3000,
 *  "faults":[{"kind":"HTTP_500","method":"EnumerateInstances","times":1}]}</pre>
 *
 * @param replyMode         the default for methods that change the array
 * @param methodReplyModes  per extrinsic method name (case-insensitive), overriding replyMode
 * @param jobDurationMillis how long a job stays Running before it completes
 * @param faults            injected faults, tried in order
 */
public record Behaviour(ReplyMode replyMode, Map<String, ReplyMode> methodReplyModes, long jobDurationMillis,
                        List<Fault> faults) {

    public static final long DEFAULT_JOB_DURATION_MILLIS = 2000;

    public Behaviour {
        replyMode = replyMode == null ? ReplyMode.SYNCHRONOUS : replyMode;
        TreeMap<String, ReplyMode> modes = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (methodReplyModes != null) {
            modes.putAll(methodReplyModes);
        }
        methodReplyModes = Collections.unmodifiableMap(modes);
        if (jobDurationMillis < 0) {
            throw new IllegalArgumentException("jobDurationMillis must not be negative");
        }
        faults = faults == null ? List.of() : List.copyOf(faults);
    }

    /** Synchronous replies, jobs of two seconds, no faults. */
    public static Behaviour defaults() {
        return new Behaviour(ReplyMode.SYNCHRONOUS, Map.of(), DEFAULT_JOB_DURATION_MILLIS, List.of());
    }

    public ReplyMode replyModeFor(String method) {
        return methodReplyModes.getOrDefault(method, replyMode);
    }

    public Behaviour withReplyMode(ReplyMode mode) {
        return new Behaviour(mode, methodReplyModes, jobDurationMillis, faults);
    }

    public Behaviour withReplyMode(String method, ReplyMode mode) {
        Map<String, ReplyMode> modes = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        modes.putAll(methodReplyModes);
        modes.put(method, mode);
        return new Behaviour(replyMode, modes, jobDurationMillis, faults);
    }

    public Behaviour withJobDurationMillis(long millis) {
        return new Behaviour(replyMode, methodReplyModes, millis, faults);
    }

    public Behaviour withFault(Fault fault) {
        List<Fault> all = new ArrayList<>(faults);
        all.add(fault);
        return new Behaviour(replyMode, methodReplyModes, jobDurationMillis, all);
    }

    public Behaviour withoutFaults() {
        return new Behaviour(replyMode, methodReplyModes, jobDurationMillis, List.of());
    }
}
