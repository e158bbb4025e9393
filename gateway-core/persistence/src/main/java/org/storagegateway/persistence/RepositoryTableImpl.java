package org.storagegateway.persistence;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.port.RepositoryTable;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

final class RepositoryTableImpl implements RepositoryTable {
    private final HibernateTransaction tx;

    RepositoryTableImpl(HibernateTransaction tx) {
        this.tx = tx;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the device-config holds a value for one of the secret keys: secret values
     *         go through {@link #saveSecrets} only, so they are never stored in clear
     */
    @Override
    public void save(StorageRepositoryRecord repository) {
        Objects.requireNonNull(repository, "repository is null");
        for (String key : repository.secretKeys()) {
            if (repository.deviceConfig().containsKey(key)) {
                throw new IllegalArgumentException("The device-config of SR " + repository.uuid()
                        + " holds a value for the secret key '" + key + "'; secret values go to saveSecrets only");
            }
        }
        Limits.check(repository.uuid(), Limits.UUID, "The SR UUID");
        Limits.check(repository.type(), Limits.SR_TYPE, "The SR type");
        Limits.check(repository.nameLabel(), Limits.NAME_LABEL, "The SR name-label");
        String deviceConfig = Limits.check(Json.writeMap(repository.deviceConfig()), Limits.JSON,
                "The device-config");
        String secretKeys = Limits.check(Json.writeSet(repository.secretKeys()), Limits.JSON,
                "The set of secret device-config keys");
        tx.write(() -> {
            RepositoryEntity e = tx.find(RepositoryEntity.class, repository.uuid());
            boolean isNew = e == null;
            if (isNew) {
                e = new RepositoryEntity();
                e.uuid = repository.uuid();
            }
            e.type = repository.type();
            e.nameLabel = repository.nameLabel();
            e.deviceConfig = deviceConfig;
            e.secretKeys = secretKeys;
            e.createdAt = repository.createdAt();
            if (isNew) {
                tx.persist(e, e.uuid);
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * @throws StorageException with {@code SR_NOT_FOUND} if no SR record has the UUID (save the record first)
     */
    @Override
    public void saveSecrets(String srUuid, Map<String, String> secrets) {
        Objects.requireNonNull(srUuid, "srUuid is null");
        Map<String, String> wanted = Map.copyOf(secrets); // rejects null keys and values
        Map<String, byte[]> sealed = new HashMap<>();
        for (Map.Entry<String, String> secret : wanted.entrySet()) {
            String key = Limits.check(secret.getKey(), Limits.SECRET_KEY, "The secret device-config key");
            if (SecretCipher.storedLength(secret.getValue().getBytes(StandardCharsets.UTF_8).length)
                    > Limits.SECRET_VALUE_STORED) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "The secret device-config value of '" + key + "' is too long");
            }
            sealed.put(key, tx.cipher().encrypt(secret.getValue(),
                    RepositorySecretEntity.associatedData(srUuid, key)));
        }
        tx.write(() -> {
            if (tx.find(RepositoryEntity.class, srUuid) == null) {
                throw new StorageException(StandardErrorCode.SR_NOT_FOUND, "There is no SR " + srUuid);
            }
            for (RepositorySecretEntity existing : loadSecrets(srUuid)) {
                byte[] ciphertext = sealed.remove(existing.configKey);
                if (ciphertext == null) {
                    tx.session().remove(existing);
                } else {
                    existing.ciphertext = ciphertext;
                }
            }
            for (Map.Entry<String, byte[]> added : sealed.entrySet()) {
                RepositorySecretEntity e = new RepositorySecretEntity();
                e.srUuid = srUuid;
                e.configKey = added.getKey();
                e.ciphertext = added.getValue();
                tx.session().persist(e);
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * @throws StorageException with {@code INTERNAL_ERROR} if a value cannot be decrypted: the database was written
     *         with another secret key, or the value was altered
     */
    @Override
    public Map<String, String> secrets(String srUuid) {
        Objects.requireNonNull(srUuid, "srUuid is null");
        List<RepositorySecretEntity> stored = tx.read(() -> loadSecrets(srUuid));
        Map<String, String> secrets = new HashMap<>();
        for (RepositorySecretEntity e : stored) {
            try {
                secrets.put(e.configKey, tx.cipher().decrypt(e.ciphertext,
                        RepositorySecretEntity.associatedData(e.srUuid, e.configKey)));
            } catch (GeneralSecurityException ex) {
                // The message names the key, never the value; the cause carries no secret either.
                throw new StorageException(StandardErrorCode.INTERNAL_ERROR, "Cannot decrypt the secret"
                        + " device-config value '" + e.configKey + "' of SR " + srUuid + ": the database was written"
                        + " with another secret key, or the value was altered", ex);
            }
        }
        return Map.copyOf(secrets);
    }

    @Override
    public Optional<StorageRepositoryRecord> find(String uuid) {
        Objects.requireNonNull(uuid, "uuid is null");
        return tx.read(() -> Optional.ofNullable(tx.find(RepositoryEntity.class, uuid))
                .map(RepositoryTableImpl::toRecord));
    }

    @Override
    public List<StorageRepositoryRecord> list() {
        return tx.read(() -> tx.session()
                .createSelectionQuery("from StorageRepository r order by r.createdAt, r.uuid", RepositoryEntity.class)
                .getResultList().stream().map(RepositoryTableImpl::toRecord).toList());
    }

    @Override
    public void delete(String uuid) {
        Objects.requireNonNull(uuid, "uuid is null");
        tx.write(() -> {
            RepositoryEntity e = tx.find(RepositoryEntity.class, uuid);
            if (e != null) {
                loadSecrets(uuid).forEach(tx.session()::remove);
                tx.session().remove(e);
            }
        });
    }

    private List<RepositorySecretEntity> loadSecrets(String srUuid) {
        return tx.session()
                .createSelectionQuery("from RepositorySecret s where s.srUuid = :sr", RepositorySecretEntity.class)
                .setParameter("sr", srUuid)
                .getResultList();
    }

    private static StorageRepositoryRecord toRecord(RepositoryEntity e) {
        return new StorageRepositoryRecord(e.uuid, e.type, e.nameLabel,
                Json.readMap(e.deviceConfig, "device-config of SR " + e.uuid),
                Json.readSet(e.secretKeys, "secret keys of SR " + e.uuid), e.createdAt);
    }
}
