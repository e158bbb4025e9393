package org.storagegateway.smis.adapter;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMInstance;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.TaskMonitor;

/**
 * Runs array-changing extrinsic methods to their end: a synchronous success (return 0), or a CIM_ConcreteJob
 * (return 4096) polled until it is terminal, with its PercentComplete reported as task progress. A cancel requested
 * while a job runs asks the array to terminate the job (RequestStateChange 4) and still waits for the job's end, so
 * the caller always knows what the array did: a job the array stopped ends the call with
 * {@link StandardErrorCode#CANCELLED}; a job that completed anyway (the array refused, 4097, because it had already
 * ended, or cannot stop jobs) returns normally, and the caller reports what was done, as the array holds it, rather
 * than an error that would leave its records without the array's new object. Return codes and job states the
 * profiles do not define are reported as {@link StandardErrorCode#UNRECOGNIZED_STATE}, never trusted.
 */
final class Jobs {
    /** JobState values (CIM_ConcreteJob). */
    static final long NEW = 2, STARTING = 3, RUNNING = 4, SUSPENDED = 5, SHUTTING_DOWN = 6, COMPLETED = 7,
            TERMINATED = 8, KILLED = 9, EXCEPTION = 10, SERVICE = 11, QUERY_PENDING = 12, QUEUE_PENDING = 32767;
    static final long STATUS_OK = 2, STATUS_ERROR = 6, STATUS_COMPLETED = 17;
    static final long TERMINATE = 4;
    /** RequestStateChange return codes (CIM_ConcreteJob). */
    static final long RSC_DONE = 0, RSC_STARTED = 4096, RSC_INVALID_TRANSITION = 4097;
    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration LONGEST_POLL = Duration.ofSeconds(2);

    private final CimConnection cim;
    private final Set<Quirk> quirks;
    private final Duration jobTimeout;
    private final System.Logger log;

    Jobs(CimConnection cim, Set<Quirk> quirks, Duration jobTimeout, System.Logger log) {
        this.cim = cim;
        this.quirks = quirks;
        this.jobTimeout = jobTimeout;
        this.log = log;
    }

    /** The end of a method: its output parameters, and the job that did the work if there was one. */
    record Outcome(CimConnection.MethodResult result, Optional<CIMObjectPath> job) {
    }

    /** Invoke the method and wait until the array has done it; {@code what} names it in messages. */
    Outcome run(CIMObjectPath target, String method, TaskMonitor monitor, String what, CIMArgument<?>... in) {
        CimConnection.MethodResult result = cim.invoke(target, method, in);
        long rc = CimValues.returnCode(method, result.returnValue());
        Object job = result.out().get("job");
        if (rc == SmisArray.RC_JOB_STARTED || (rc == SmisArray.RC_OK && job != null)) {
            if (!(job instanceof CIMObjectPath jobPath)) {
                throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                        method + " started a job but returned no Job reference");
            }
            await(jobPath, monitor, what);
            return new Outcome(result, Optional.of(jobPath));
        }
        if (rc != SmisArray.RC_OK) {
            throw failure(method, rc, what);
        }
        monitor.progress(1);
        return new Outcome(result, Optional.empty());
    }

    /** Wait for a job to end; return normally if it completed, else throw what it reported. */
    void await(CIMObjectPath job, TaskMonitor monitor, String what) {
        long deadline = System.nanoTime() + jobTimeout.toNanos();
        Duration pause = FIRST_POLL;
        boolean terminateAsked = false;
        while (true) {
            Optional<CIMInstance> read = cim.getInstance(job, "JobState", "PercentComplete", "OperationalStatus",
                    "ErrorCode", "ErrorDescription");
            if (read.isEmpty()) {
                if (quirks.contains(Quirk.JOBS_VANISH_WHEN_DONE)) {
                    monitor.progress(1);
                    return;
                }
                throw new StorageException(StandardErrorCode.STORAGE_FAILURE,
                        "The array's job for " + what + " disappeared before it was seen to end");
            }
            CIMInstance state = read.get();
            long jobState = CimValues.number(state, "JobState");
            CimValues.optionalNumber(state, "PercentComplete")
                    .ifPresent(percent -> monitor.progress(Math.min(100, Math.max(0, percent)) / 100.0));
            if (jobState == COMPLETED) {
                long[] status = CimValues.numbers(state, "OperationalStatus");
                long error = CimValues.optionalNumber(state, "ErrorCode").orElse(0L);
                if (CimValues.contains(status, STATUS_ERROR) || error != 0) {
                    throw jobFailed(state, what);
                }
                monitor.progress(1);
                return;
            }
            if (jobState == TERMINATED || jobState == KILLED) {
                if (terminateAsked) {
                    throw new StorageException(StandardErrorCode.CANCELLED, "The task was cancelled; the array"
                            + " stopped " + what);
                }
                throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "The array stopped " + what);
            }
            if (jobState == EXCEPTION) {
                throw jobFailed(state, what);
            }
            if (!(jobState == NEW || jobState == STARTING || jobState == RUNNING || jobState == SUSPENDED
                    || jobState == SHUTTING_DOWN || jobState == SERVICE || jobState == QUERY_PENDING
                    || jobState == QUEUE_PENDING)) {
                throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                        "The array's job for " + what + " is in JobState " + jobState + ", which SMI-S does not define");
            }
            if (!terminateAsked && monitor.isCancelRequested()) {
                terminateAsked = true;
                requestTermination(job, what);
            }
            if (System.nanoTime() > deadline) {
                throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "The array's job for " + what
                        + " did not end within " + jobTimeout.toSeconds() + " s");
            }
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : pause.multipliedBy(2);
        }
    }

    private void requestTermination(CIMObjectPath job, String what) {
        try {
            CimConnection.MethodResult result = cim.invoke(job, "RequestStateChange",
                    new CIMArgument<>("RequestedState", CIMDataType.UINT16_T, new UnsignedInteger16((int) TERMINATE)));
            long rc = CimValues.returnCode("RequestStateChange", result.returnValue());
            if (rc == RSC_DONE || rc == RSC_STARTED) {
                log.log(System.Logger.Level.INFO, "The array is terminating its job for {0}", what);
            } else if (rc == RSC_INVALID_TRANSITION) {
                log.log(System.Logger.Level.INFO, "The array refused to terminate its job for {0}: the job has"
                        + " already ended, and its outcome stands", what);
            } else {
                log.log(System.Logger.Level.INFO, "The array cannot terminate its job for {0}: RequestStateChange"
                        + " returned {1}", what, rc);
            }
        } catch (StorageException e) {
            // Not every array can stop a job: the task then ends when the job does.
            log.log(System.Logger.Level.INFO, "The array cannot terminate its job for {0}: {1}", what,
                    e.getMessage());
        }
    }

    private static StorageException jobFailed(CIMInstance state, String what) {
        String description = CimValues.optionalText(state, "ErrorDescription").orElse("no description");
        long code = CimValues.optionalNumber(state, "ErrorCode").orElse(0L);
        return new StorageException(StandardErrorCode.STORAGE_FAILURE, "The array failed to " + what + ": "
                + description + (code != 0 ? " (error " + code + ")" : ""));
    }

    /** Map a Block Services, Replication or Masking return code to a failure (reference §3.2, §3.5). */
    static StorageException failure(String method, long rc, String what) {
        ErrorCode code;
        String reason;
        if (rc == 1) {
            code = StandardErrorCode.UNSUPPORTED_OPERATION;
            reason = "not supported";
        } else if (rc == 2) {
            code = StandardErrorCode.STORAGE_FAILURE;
            reason = "unknown error";
        } else if (rc == 3) {
            code = StandardErrorCode.STORAGE_FAILURE;
            reason = "timeout";
        } else if (rc == 4) {
            code = StandardErrorCode.STORAGE_FAILURE;
            reason = "failed";
        } else if (rc == 5) {
            code = StandardErrorCode.STORAGE_FAILURE;
            reason = "invalid parameter";
        } else if (rc == 6) {
            code = StandardErrorCode.VDI_IN_USE;
            reason = "in use";
        } else if (rc == 4097 && method.equals(SmisArray.CREATE_OR_MODIFY)) {
            code = StandardErrorCode.INSUFFICIENT_SPACE;
            reason = "size not supported: the pool cannot hold it";
        } else if (rc >= 4097 && rc <= 4103 || rc >= 32768 && rc <= 65535) {
            code = StandardErrorCode.STORAGE_FAILURE;
            reason = rc >= 32768 ? "vendor-specific error" : "method-specific error";
        } else {
            code = StandardErrorCode.UNRECOGNIZED_STATE;
            reason = "a return code SMI-S does not define";
        }
        return new StorageException(code, "The array could not " + what + ": " + method + " returned " + rc + " ("
                + reason + ")");
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(StandardErrorCode.CANCELLED, "Interrupted while waiting for an array job");
        }
    }
}
