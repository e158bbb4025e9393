package org.storagegateway.engine.port;

import java.util.List;
import java.util.Optional;

import org.storagegateway.engine.model.DriverRecord;

/** The drivers seen, keyed by SR type. */
public interface DriverTable {

    /** Insert or replace the record for the same SR type. */
    void save(DriverRecord driver);

    Optional<DriverRecord> find(String srType);

    /** Return all drivers seen, by SR type. */
    List<DriverRecord> list();
}
