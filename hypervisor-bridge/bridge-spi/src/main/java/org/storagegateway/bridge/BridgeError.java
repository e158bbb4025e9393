package org.storagegateway.bridge;

import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.ErrorKind;

/**
 * The bridge's error codes, named after their XenAPI counterparts where one exists. Numbers 700–799 (proposed for
 * docs/errors.md); a published number never changes meaning.
 */
public enum BridgeError implements ErrorCode {
    /** A request value is malformed: bad uuid, missing VDI in a map, unknown SR. */
    INVALID_ARGUMENT(700, ErrorKind.USER),
    /** No VM, VBD or host with that uuid here. */
    HANDLE_INVALID(701, ErrorKind.USER),
    /** The VM's power state does not allow the operation (XenAPI VM_BAD_POWER_STATE). */
    VM_BAD_POWER_STATE(702, ErrorKind.USER),
    /** The VBD is already plugged, or not plugged (XenAPI DEVICE_ALREADY_ATTACHED / DEVICE_ALREADY_DETACHED). */
    DEVICE_STATE_CONFLICT(703, ErrorKind.USER),
    /** The guest did not release the device in time (XenAPI DEVICE_DETACH_REJECTED); unplug again, or unplug-force a SCSI VBD. */
    DEVICE_DETACH_REJECTED(704, ErrorKind.EXTERNAL),
    /** No free slot for another VBD. */
    NO_FREE_SLOT(705, ErrorKind.INSUFFICIENT_RESOURCES),
    /** The backend cannot do this (virtio-blk unplug-force, a datapath it has no driver for, migration between backends). */
    UNSUPPORTED(706, ErrorKind.UNSUPPORTED),
    /** The hypervisor refused or failed an operation (QMP error, process start failure). */
    HYPERVISOR_FAILURE(707, ErrorKind.EXTERNAL),
    /** The VM's process died (XenAPI: the domain crashed). */
    VM_CRASHED(708, ErrorKind.EXTERNAL),
    /** Live migration failed; the VM still runs on the source. */
    MIGRATION_FAILED(709, ErrorKind.EXTERNAL),
    /** A storage mirror failed; the VM still runs on its source disks and the targets are removed. */
    MIRROR_FAILED(710, ErrorKind.EXTERNAL),
    /** The caller cancelled; everything done so far was undone (XenAPI TASK_CANCELLED). */
    TASK_CANCELLED(711, ErrorKind.USER),
    /** The storage port failed (snapshot, clone, attach); the original storage exception is the cause. */
    STORAGE_FAILURE(712, ErrorKind.EXTERNAL),
    /** A timeout passed before the hypervisor reported the end of an operation. */
    TIMEOUT(713, ErrorKind.EXTERNAL),
    /** A bug or an unexpected state in the bridge. */
    INTERNAL(799, ErrorKind.INTERNAL);

    private final int code;
    private final ErrorKind kind;

    BridgeError(int code, ErrorKind kind) {
        this.code = code;
        this.kind = kind;
    }

    @Override
    public int code() {
        return code;
    }

    @Override
    public ErrorKind kind() {
        return kind;
    }
}
