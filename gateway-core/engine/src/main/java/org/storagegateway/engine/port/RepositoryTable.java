package org.storagegateway.engine.port;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.storagegateway.engine.model.StorageRepositoryRecord;

/** SR records. Secret device-config values live apart from the records and are never returned with them. */
public interface RepositoryTable {

    /** Insert or replace the record with the same UUID. */
    void save(StorageRepositoryRecord repository);

    /** Store the secret device-config values of an SR, replacing earlier ones. */
    void saveSecrets(String srUuid, Map<String, String> secrets);

    /** Return the secret device-config values of an SR; empty if it has none. */
    Map<String, String> secrets(String srUuid);

    Optional<StorageRepositoryRecord> find(String uuid);

    /** Return all SRs, oldest first. */
    List<StorageRepositoryRecord> list();

    /** Delete an SR record and its secrets; deleting an absent SR does nothing. */
    void delete(String uuid);
}
