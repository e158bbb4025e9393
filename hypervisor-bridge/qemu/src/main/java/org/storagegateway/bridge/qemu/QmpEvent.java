package org.storagegateway.bridge.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * An asynchronous QMP event, for example {@code DEVICE_DELETED} or {@code SHUTDOWN}.
 *
 * @param name      the event name
 * @param data      the event's {@code data} object (empty when the event has none); do not modify it
 * @param timestamp QEMU's timestamp of the event
 */
public record QmpEvent(String name, ObjectNode data, Instant timestamp) {

    public QmpEvent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** The text of a top-level data field, or null when the field is absent or not a scalar. */
    public String text(String field) {
        JsonNode value = data.get(field);
        return value == null || !value.isValueNode() || value.isNull() ? null : value.asText();
    }
}
