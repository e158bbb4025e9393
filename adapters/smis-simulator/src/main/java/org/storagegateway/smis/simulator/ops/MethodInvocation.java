package org.storagegateway.smis.simulator.ops;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;

import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.MethodDef;
import org.storagegateway.smis.simulator.cim.ObjectPath;

/**
 * An extrinsic call, decoded and type-checked against the method's signature: the target instance (resolved in the
 * repository the call was checked against) and the input arguments by lower-case name. An argument given as NULL
 * is present with a null value; {@link #has} tells it apart from an absent one.
 */
public record MethodInvocation(CimInstance target, MethodDef method, Map<String, Object> arguments) {

    public MethodInvocation {
        arguments = Collections.unmodifiableMap(arguments);
    }

    public ObjectPath targetPath() {
        return target.path();
    }

    public boolean has(String parameter) {
        return arguments.containsKey(parameter.toLowerCase(Locale.ROOT));
    }

    public Object argument(String parameter) {
        return arguments.get(parameter.toLowerCase(Locale.ROOT));
    }
}
