package org.storagegateway.persistence;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.storagegateway.engine.model.DriverRecord;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;

/** Test records with every field set, or every optional field empty. */
final class Records {
    /** An instant with nanoseconds, to check nothing is truncated. */
    static final Instant T0 = Instant.parse("2025-06-01T10:15:30.123456789Z");

    private Records() {
    }

    static String uuid() {
        return UUID.randomUUID().toString();
    }

    static DriverRecord driver(String srType) {
        return new DriverRecord(srType, "Example Vendor", "1.2.3", "1.0", Set.of("VDI_CREATE", "VDI_CLONE"),
                T0, T0.plusSeconds(60));
    }

    static StorageRepositoryRecord sr(String uuid, Instant createdAt) {
        return new StorageRepositoryRecord(uuid, "file", "SR " + uuid, Map.of("path", "/srv/sr", "mode", "thin"),
                Set.of("password"), createdAt);
    }

    static VirtualDiskRecord fullVdi(String uuid, String srUuid, Instant createdAt) {
        return new VirtualDiskRecord(uuid, srUuid, "disk " + uuid, 10L * 1024 * 1024 * 1024, 123_456_789L, true,
                false, true, Optional.of(uuid()), true, Optional.of(uuid()),
                Map.of("vhd-parent", "p", "vdi_type", "vhd"), createdAt);
    }

    static VirtualDiskRecord plainVdi(String uuid, String srUuid, Instant createdAt) {
        return new VirtualDiskRecord(uuid, srUuid, "", 0, 0, false, true, false, Optional.empty(), false,
                Optional.empty(), Map.of(), createdAt);
    }

    static TaskRecord fullTask(String uuid, String key, Instant createdAt) {
        return new TaskRecord(uuid, "vdi.clone", key, "sha256:" + "ab".repeat(32), TaskState.FAILURE, 0.75, true,
                Optional.of(uuid()), Optional.of("{\"step\":\"copied\",\"target\":\"x\"}"), Optional.of(uuid()),
                Optional.of(101), Optional.of("STORAGE_FAILURE"), Optional.of("EXTERNAL"),
                Optional.of("The array said no"), Optional.of("rolled back"), createdAt,
                Optional.of(createdAt.plusMillis(1500)));
    }

    static TaskRecord pendingTask(String uuid, String key, Instant createdAt) {
        return new TaskRecord(uuid, "vdi.create", key, "fp", TaskState.PENDING, 0, false, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), createdAt, Optional.empty());
    }

    static TaskRecord withState(TaskRecord t, TaskState state) {
        return new TaskRecord(t.uuid(), t.operation(), t.idempotencyKey(), t.requestFingerprint(), state,
                t.progress(), t.cancelRequested(), t.subjectUuid(), t.journal(), t.resultUuid(), t.errorCode(),
                t.errorName(), t.errorKind(), t.errorMessage(), t.resolution(), t.createdAt(), t.finishedAt());
    }

    static TaskRecord withKey(TaskRecord t, String key) {
        return new TaskRecord(t.uuid(), t.operation(), key, t.requestFingerprint(), t.state(),
                t.progress(), t.cancelRequested(), t.subjectUuid(), t.journal(), t.resultUuid(), t.errorCode(),
                t.errorName(), t.errorKind(), t.errorMessage(), t.resolution(), t.createdAt(), t.finishedAt());
    }
}
