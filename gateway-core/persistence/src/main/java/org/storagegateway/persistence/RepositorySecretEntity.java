package org.storagegateway.persistence;

import java.io.Serializable;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A row of SR_SECRET: one secret device-config value, encrypted by {@link SecretCipher}. */
@Entity(name = "RepositorySecret")
@Table(name = "SR_SECRET")
@IdClass(RepositorySecretEntity.Key.class)
class RepositorySecretEntity {
    @Id
    @Column(name = "SR_UUID", length = Limits.UUID)
    String srUuid;

    @Id
    @Column(name = "CONFIG_KEY", length = Limits.SECRET_KEY)
    String configKey;

    @Version
    @Column(name = "ROW_VERSION", nullable = false)
    int rowVersion;

    @Column(name = "CIPHERTEXT", nullable = false, length = Limits.SECRET_VALUE_STORED)
    byte[] ciphertext;

    RepositorySecretEntity() {
    }

    /** The associated data that binds a ciphertext to its row. */
    static String associatedData(String srUuid, String configKey) {
        return "SR_SECRET\u0000" + srUuid + "\u0000" + configKey;
    }

    /** The primary key. */
    static final class Key implements Serializable {
        private static final long serialVersionUID = 1L;

        String srUuid;
        String configKey;

        Key() {
        }

        Key(String srUuid, String configKey) {
            this.srUuid = srUuid;
            this.configKey = configKey;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(srUuid, k.srUuid) && Objects.equals(configKey, k.configKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(srUuid, configKey);
        }
    }
}
