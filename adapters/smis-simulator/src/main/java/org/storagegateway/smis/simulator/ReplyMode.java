package org.storagegateway.smis.simulator;

/** How an extrinsic method that changes the array answers. */
public enum ReplyMode {
    /** Do the work, then return 0 with the output parameters filled in. */
    SYNCHRONOUS,
    /** Check the parameters, return 4096 with a CIM_ConcreteJob reference, and do the work when the job runs. */
    JOB
}
