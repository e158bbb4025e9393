package org.storagegateway.persistence;

import java.io.Serializable;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A row of DRIVER_STATE: one entry of a driver's key-value store. */
@Entity(name = "DriverState")
@Table(name = "DRIVER_STATE")
@IdClass(DriverStateEntity.Key.class)
class DriverStateEntity {
    @Id
    @Column(name = "SR_TYPE", length = Limits.SR_TYPE)
    String srType;

    @Id
    @Column(name = "STATE_KEY", length = Limits.STATE_KEY)
    String stateKey;

    @Version
    @Column(name = "ROW_VERSION", nullable = false)
    int rowVersion;

    @Column(name = "STATE_VALUE", nullable = false, length = Limits.STATE_VALUE)
    String stateValue;

    DriverStateEntity() {
    }

    /** The primary key. */
    static final class Key implements Serializable {
        private static final long serialVersionUID = 1L;

        String srType;
        String stateKey;

        Key() {
        }

        Key(String srType, String stateKey) {
            this.srType = srType;
            this.stateKey = stateKey;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(srType, k.srType) && Objects.equals(stateKey, k.stateKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(srType, stateKey);
        }
    }
}
