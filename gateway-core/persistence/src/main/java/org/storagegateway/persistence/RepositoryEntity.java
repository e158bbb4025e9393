package org.storagegateway.persistence;

import java.time.Instant;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A row of STORAGE_REPOSITORY. The secret values are in {@link RepositorySecretEntity}, never here. */
@Entity(name = "StorageRepository")
@Table(name = "STORAGE_REPOSITORY")
class RepositoryEntity {
    @Id
    @Column(name = "UUID", length = Limits.UUID)
    String uuid;

    @Version
    @Column(name = "ROW_VERSION", nullable = false)
    int rowVersion;

    @Column(name = "SR_TYPE", nullable = false, length = Limits.SR_TYPE)
    String type;

    @Column(name = "NAME_LABEL", nullable = false, length = Limits.NAME_LABEL)
    String nameLabel;

    /** JSON object of the non-secret values. */
    @Column(name = "DEVICE_CONFIG", nullable = false, length = Limits.JSON)
    String deviceConfig;

    /** JSON array of key names. */
    @Column(name = "SECRET_KEYS", nullable = false, length = Limits.JSON)
    String secretKeys;

    @JdbcTypeCode(SqlTypes.TIMESTAMP)
    @Column(name = "CREATED_AT", nullable = false)
    Instant createdAt;

    RepositoryEntity() {
    }
}
