package org.storagegateway.engine.port;

import java.util.Map;
import java.util.Optional;

/** The drivers' key-value stores, one namespace per SR type. */
public interface DriverStateTable {

    Optional<String> get(String srType, String key);

    /** Insert or replace. */
    void put(String srType, String key, String value);

    /** Remove; removing an absent key does nothing. */
    void remove(String srType, String key);

    /** Return the entries of one SR type whose key starts with {@code prefix}, sorted by key. */
    Map<String, String> entries(String srType, String prefix);
}
