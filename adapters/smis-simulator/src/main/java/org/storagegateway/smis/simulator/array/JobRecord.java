package org.storagegateway.smis.simulator.array;

/**
 * A CIM_ConcreteJob as persisted: the work it will do (or did) and how it ended.
 *
 * @param id              the InstanceID
 * @param methodName      the extrinsic method that started it
 * @param operation       the work
 * @param poolId          CREATE: the pool
 * @param deviceId        MODIFY, RETURN: the volume
 * @param elementName     CREATE, MODIFY: the (new) ElementName, or null
 * @param thin            CREATE: thinly provisioned
 * @param sizeBytes       CREATE, MODIFY: the size (already rounded to blocks), or null
 * @param injectedFailure the job is to fail (fault injection)
 * @param submittedMillis when the method was called
 * @param durationMillis  how long it runs
 * @param phase           where it is
 * @param finishedMillis  when it completed or failed
 * @param errorCode       the ErrorCode once finished (0 on success)
 * @param errorDescription why it failed
 * @param resultDeviceId  the volume created or modified (for CIM_AffectedJobElement)
 * @param syncType        REPLICA: the SyncType (deviceId is then the source, poolId the target's pool)
 * @param targetDeviceId  REPLICA: an existing volume to copy into, or null to create one
 */
public record JobRecord(String id, String methodName, Operation operation, String poolId, String deviceId,
                        String elementName, boolean thin, Long sizeBytes, boolean injectedFailure,
                        long submittedMillis, long durationMillis, Phase phase, Long finishedMillis,
                        Integer errorCode, String errorDescription, String resultDeviceId,
                        Integer syncType, String targetDeviceId) {

    /** The work of a job. */
    public enum Operation { CREATE, MODIFY, RETURN, REPLICA }

    /** Running, then completed, failed, or stopped on request (RequestStateChange Terminate or Kill) undone. */
    public enum Phase { RUNNING, COMPLETED, EXCEPTION, TERMINATED, KILLED }

    public JobRecord finished(Phase end, long atMillis, int code, String description, String affectedDeviceId) {
        return new JobRecord(id, methodName, operation, poolId, deviceId, elementName, thin, sizeBytes,
                injectedFailure, submittedMillis, durationMillis, end, atMillis, code, description, affectedDeviceId,
                syncType, targetDeviceId);
    }
}
