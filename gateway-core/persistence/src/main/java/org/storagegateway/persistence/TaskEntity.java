package org.storagegateway.persistence;

import java.time.Instant;

import org.storagegateway.engine.model.TaskState;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A row of TASK. */
@Entity(name = "Task")
@Table(name = "TASK")
class TaskEntity {
    @Id
    @Column(name = "UUID", length = Limits.UUID)
    String uuid;

    @Version
    @Column(name = "ROW_VERSION", nullable = false)
    int rowVersion;

    @Column(name = "OPERATION", nullable = false, length = Limits.OPERATION)
    String operation;

    /** Unique: constraint {@value PersistenceErrors#IDEMPOTENCY_KEY_CONSTRAINT}. */
    @Column(name = "IDEMPOTENCY_KEY", nullable = false, length = Limits.IDEMPOTENCY_KEY)
    String idempotencyKey;

    @Column(name = "REQUEST_FINGERPRINT", nullable = false, length = Limits.FINGERPRINT)
    String requestFingerprint;

    @Enumerated(EnumType.STRING)
    @Column(name = "TASK_STATE", nullable = false, length = 20)
    TaskState state;

    @Column(name = "PROGRESS", nullable = false)
    double progress;

    @Column(name = "CANCEL_REQUESTED", nullable = false)
    boolean cancelRequested;

    @Column(name = "SUBJECT_UUID", length = Limits.UUID)
    String subjectUuid;

    @Column(name = "JOURNAL", length = Limits.JOURNAL)
    String journal;

    @Column(name = "RESULT_UUID", length = Limits.UUID)
    String resultUuid;

    @Column(name = "ERROR_CODE")
    Integer errorCode;

    @Column(name = "ERROR_NAME", length = Limits.ERROR_NAME)
    String errorName;

    @Column(name = "ERROR_KIND", length = Limits.ERROR_KIND)
    String errorKind;

    @Column(name = "ERROR_MESSAGE", length = Limits.ERROR_MESSAGE)
    String errorMessage;

    @Column(name = "RESOLUTION", length = Limits.RESOLUTION)
    String resolution;

    @JdbcTypeCode(SqlTypes.TIMESTAMP)
    @Column(name = "CREATED_AT", nullable = false)
    Instant createdAt;

    @JdbcTypeCode(SqlTypes.TIMESTAMP)
    @Column(name = "FINISHED_AT")
    Instant finishedAt;

    TaskEntity() {
    }
}
