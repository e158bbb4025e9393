package org.storagegateway.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * The intent of a task, written before the task acts on storage: which objects it will touch and under which UUIDs.
 * After a crash the reconciler reads it to recognise, on the storage itself, how far the task got.
 * Journals never hold secrets.
 */
public record Journal(Map<String, String> entries) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Journal {
        entries = Map.copyOf(entries);
    }

    /** Return a journal of alternating keys and values. */
    public static Journal of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must pair up");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], Objects.requireNonNull(keysAndValues[i + 1], keysAndValues[i]));
        }
        return new Journal(map);
    }

    /** Return the value of a key the operation always writes. */
    public String get(String key) {
        String value = entries.get(key);
        if (value == null) {
            throw new StorageException(StandardErrorCode.INTERNAL_ERROR, "Task journal lacks " + key);
        }
        return value;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(new java.util.TreeMap<>(entries));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Journal fromJson(String json) {
        try {
            return new Journal(JSON.readValue(json, new TypeReference<Map<String, String>>() { }));
        } catch (JsonProcessingException e) {
            throw new StorageException(StandardErrorCode.INTERNAL_ERROR, "Unreadable task journal", e);
        }
    }
}
