package org.storagegateway.persistence;

import java.time.Instant;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A row of DRIVER. */
@Entity(name = "Driver")
@Table(name = "DRIVER")
class DriverEntity {
    @Id
    @Column(name = "SR_TYPE", length = Limits.SR_TYPE)
    String srType;

    @Version
    @Column(name = "ROW_VERSION", nullable = false)
    int rowVersion;

    @Column(name = "VENDOR", nullable = false, length = Limits.VENDOR)
    String vendor;

    @Column(name = "DRIVER_VERSION", nullable = false, length = Limits.VERSION)
    String version;

    @Column(name = "REQUIRED_SPI_VERSION", nullable = false, length = Limits.VERSION)
    String requiredSpiVersion;

    /** JSON array. */
    @Column(name = "CAPABILITIES", nullable = false, length = Limits.JSON)
    String capabilities;

    @JdbcTypeCode(SqlTypes.TIMESTAMP)
    @Column(name = "FIRST_SEEN", nullable = false)
    Instant firstSeen;

    @JdbcTypeCode(SqlTypes.TIMESTAMP)
    @Column(name = "LAST_SEEN", nullable = false)
    Instant lastSeen;

    DriverEntity() {
    }
}
