package org.storagegateway.persistence;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON form of the string maps and sets kept in one column. Output is sorted, so saving an unchanged record
 * writes the same text and Hibernate's dirty check sees no change.
 */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<Map<String, String>> MAP = new TypeReference<>() { };
    private static final TypeReference<List<String>> LIST = new TypeReference<>() { };

    private Json() {
    }

    static String writeMap(Map<String, String> map) {
        return write(new TreeMap<>(map));
    }

    static String writeSet(Set<String> set) {
        return write(new TreeSet<>(set));
    }

    static Map<String, String> readMap(String json, String what) {
        try {
            return Map.copyOf(MAPPER.readValue(json, MAP));
        } catch (JsonProcessingException | NullPointerException e) {
            throw new IllegalStateException("The stored " + what + " is not a JSON object of strings", e);
        }
    }

    static Set<String> readSet(String json, String what) {
        try {
            return Set.copyOf(MAPPER.readValue(json, LIST));
        } catch (JsonProcessingException | NullPointerException | IllegalArgumentException e) {
            throw new IllegalStateException("The stored " + what + " is not a JSON array of distinct strings", e);
        }
    }

    private static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write JSON", e);
        }
    }
}
