package org.storagegateway.smis.simulator;

import java.util.List;
import java.util.Optional;

/** The live {@link Behaviour} of a running simulator, with the remaining counts of its limited faults. */
public final class BehaviourControl {
    private Behaviour behaviour;
    private int[] remaining;

    public BehaviourControl(Behaviour initial) {
        set(initial);
    }

    public synchronized Behaviour get() {
        return behaviour;
    }

    /** Replace the behaviour; fault counts start again. */
    public synchronized void set(Behaviour next) {
        behaviour = next;
        List<Fault> faults = next.faults();
        remaining = new int[faults.size()];
        for (int i = 0; i < remaining.length; i++) {
            remaining[i] = faults.get(i).times() <= 0 ? -1 : faults.get(i).times();
        }
    }

    /** The first fault of that kind matching the method that still applies, counting it as used. */
    public synchronized Optional<Fault> take(Fault.Kind kind, String method) {
        List<Fault> faults = behaviour.faults();
        for (int i = 0; i < faults.size(); i++) {
            Fault f = faults.get(i);
            if (f.kind() == kind && f.matches(method) && remaining[i] != 0) {
                if (remaining[i] > 0) {
                    remaining[i]--;
                }
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    public synchronized ReplyMode replyModeFor(String method) {
        return behaviour.replyModeFor(method);
    }

    public synchronized long jobDurationMillis() {
        return behaviour.jobDurationMillis();
    }
}
