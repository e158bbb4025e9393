package org.storagegateway.spi.model;

import java.util.Map;
import java.util.Objects;

/**
 * One thing a probe found.
 *
 * @param kind what it is
 * @param id its identifier, to put into device-config for the next level or for SR creation
 * @param name a human-readable name
 * @param attributes further facts (capacity, free space, vendor, ...) as text
 */
public record ProbeEntry(Kind kind, String id, String name, Map<String, String> attributes) {
    public ProbeEntry {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(name, "name is null");
        attributes = Map.copyOf(attributes);
    }

    /** The kinds of things a probe reports. */
    public enum Kind {
        /** A storage system of an array. */
        STORAGE_SYSTEM,
        /** A storage pool of a system. */
        STORAGE_POOL,
        /** An exported path, such as an NFS export. */
        EXPORT,
        /** An existing SR found at the location. */
        STORAGE_REPOSITORY
    }
}
