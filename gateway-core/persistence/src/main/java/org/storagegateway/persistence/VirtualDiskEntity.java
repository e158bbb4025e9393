package org.storagegateway.persistence;

import java.time.Instant;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A row of VIRTUAL_DISK. */
@Entity(name = "VirtualDisk")
@Table(name = "VIRTUAL_DISK")
class VirtualDiskEntity {
    @Id
    @Column(name = "UUID", length = Limits.UUID)
    String uuid;

    @Version
    @Column(name = "ROW_VERSION", nullable = false)
    int rowVersion;

    @Column(name = "SR_UUID", nullable = false, length = Limits.UUID)
    String srUuid;

    @Column(name = "NAME_LABEL", nullable = false, length = Limits.NAME_LABEL)
    String nameLabel;

    @Column(name = "VIRTUAL_SIZE", nullable = false)
    long virtualSize;

    @Column(name = "PHYSICAL_UTILISATION", nullable = false)
    long physicalUtilisation;

    @Column(name = "READ_ONLY", nullable = false)
    boolean readOnly;

    @Column(name = "MANAGED", nullable = false)
    boolean managed;

    @Column(name = "HIDDEN", nullable = false)
    boolean hidden;

    @Column(name = "PARENT_UUID", length = Limits.UUID)
    String parentUuid;

    @Column(name = "IS_SNAPSHOT", nullable = false)
    boolean snapshot;

    @Column(name = "SNAPSHOT_OF", length = Limits.UUID)
    String snapshotOf;

    /** JSON object. */
    @Column(name = "SM_CONFIG", nullable = false, length = Limits.JSON)
    String smConfig;

    @JdbcTypeCode(SqlTypes.TIMESTAMP)
    @Column(name = "CREATED_AT", nullable = false)
    Instant createdAt;

    VirtualDiskEntity() {
    }
}
