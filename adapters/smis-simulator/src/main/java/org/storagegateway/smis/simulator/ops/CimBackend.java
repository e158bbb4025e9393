package org.storagegateway.smis.simulator.ops;

import org.storagegateway.smis.simulator.cim.ObjectPath;

/** What the CIM operations need from the simulated array. */
public interface CimBackend {

    /** A consistent view of every instance, taken now. */
    Repository snapshot();

    /** Run an extrinsic method; the invocation's target exists in a snapshot taken just before. */
    MethodResult invoke(MethodInvocation invocation);

    /** DeleteInstance (only jobs may be deleted); the path exists in the repository the call was checked against. */
    void deleteInstance(ObjectPath path);
}
