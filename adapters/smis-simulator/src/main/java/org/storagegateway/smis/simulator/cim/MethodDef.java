package org.storagegateway.smis.simulator.cim;

import java.util.List;

/** An extrinsic method: its return type and parameters, and the class that declared it. */
public record MethodDef(String name, CimType returnType, List<ParameterDef> parameters, String classOrigin) {

    public MethodDef {
        parameters = List.copyOf(parameters);
    }

    /** The parameter of that name (case-insensitive), or null. */
    public ParameterDef parameter(String parameterName) {
        for (ParameterDef p : parameters) {
            if (p.name().equalsIgnoreCase(parameterName)) {
                return p;
            }
        }
        return null;
    }

    MethodDef withOrigin(String origin) {
        return new MethodDef(name, returnType, parameters, origin);
    }
}
