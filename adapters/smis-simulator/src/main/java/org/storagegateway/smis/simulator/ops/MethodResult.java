package org.storagegateway.smis.simulator.ops;

import java.util.ArrayList;
import java.util.List;

import org.storagegateway.smis.simulator.cim.CimType;

/** The return value of an extrinsic call (uint32 for every method here) and its non-NULL output parameters. */
public record MethodResult(long returnValue, List<Output> outputs) {

    /** One output parameter, written with its PARAMTYPE. */
    public record Output(String name, CimType type, boolean array, Object value) {
    }

    public MethodResult {
        outputs = List.copyOf(outputs);
    }

    /** The output of that name, or null. */
    public Object output(String name) {
        for (Output o : outputs) {
            if (o.name().equalsIgnoreCase(name)) {
                return o.value();
            }
        }
        return null;
    }

    /** Collects outputs, skipping NULL ones. */
    public static final class Builder {
        private final List<Output> outputs = new ArrayList<>();

        public Builder add(String name, CimType type, Object value) {
            if (value != null) {
                outputs.add(new Output(name, type, false, value));
            }
            return this;
        }

        /** An array output (a List; of ObjectPaths for a reference array), skipped when null. */
        public Builder addArray(String name, CimType type, List<?> value) {
            if (value != null) {
                outputs.add(new Output(name, type, true, List.copyOf(value)));
            }
            return this;
        }

        public MethodResult build(long returnValue) {
            return new MethodResult(returnValue, outputs);
        }
    }
}
