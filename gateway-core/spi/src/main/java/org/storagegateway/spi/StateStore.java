package org.storagegateway.spi;

import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A small persistent key-value store owned by one driver type, kept by the host across restarts.
 * Meant for identifiers and mappings (an idempotency key to an array job, say), not for bulk data:
 * keys are at most 200 characters and values at most 4000.
 */
@ProviderType
public interface StateStore {

    /** Return the value stored under {@code key}, if any. */
    Optional<String> get(String key);

    /** Store {@code value} under {@code key}, replacing any previous value. Durable when this method returns. */
    void put(String key, String value);

    /** Remove {@code key}; removing an absent key returns normally. */
    void remove(String key);

    /** Return all entries whose key starts with {@code prefix}, sorted by key. */
    Map<String, String> entries(String prefix);
}
