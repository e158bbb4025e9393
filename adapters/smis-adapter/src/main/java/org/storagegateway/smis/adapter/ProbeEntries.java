package org.storagegateway.smis.adapter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.storagegateway.smis.adapter.ArrayObjects.Pool;
import org.storagegateway.smis.adapter.ArrayObjects.StorageSystem;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.spi.model.ProbeEntry;

/** The two probe levels as StorageLink had them: an array's storage systems, then a system's pools. */
final class ProbeEntries {
    private ProbeEntries() {
    }

    static List<ProbeEntry> systems(SmisArray array, Function<ArrayIdentity, Set<Quirk>> quirkLookup) {
        List<ProbeEntry> entries = new ArrayList<>();
        for (StorageSystem system : array.systems()) {
            Map<String, String> attributes = new HashMap<>();
            attributes.put("model", system.identity().elementName());
            attributes.put("class", system.path().getObjectName());
            attributes.put("namespace", system.namespace());
            attributes.put("capabilities", array.capabilities(system).stream().map(Enum::name).sorted()
                    .collect(Collectors.joining(",")));
            attributes.put("profiles", array.registration().profiles().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
            Set<Quirk> quirks = quirkLookup.apply(system.identity());
            if (!quirks.isEmpty()) {
                attributes.put("quirks", quirks.stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
            }
            entries.add(new ProbeEntry(ProbeEntry.Kind.STORAGE_SYSTEM, system.name(),
                    system.identity().elementName().isEmpty() ? system.name() : system.identity().elementName(),
                    attributes));
        }
        return entries;
    }

    static List<ProbeEntry> pools(SmisArray array, StorageSystem system,
                                  Function<ArrayIdentity, Set<Quirk>> quirkLookup) {
        List<ProbeEntry> entries = new ArrayList<>();
        for (Pool pool : array.pools(system, quirkLookup.apply(system.identity()))) {
            entries.add(new ProbeEntry(ProbeEntry.Kind.STORAGE_POOL, pool.id(), pool.name(), Map.of(
                    "total-bytes", Long.toString(pool.totalBytes()),
                    "free-bytes", Long.toString(pool.remainingBytes()),
                    "thick", Boolean.toString(pool.supportsType(SmisArray.ELEMENT_TYPE_THICK)),
                    "thin", Boolean.toString(pool.supportsType(SmisArray.ELEMENT_TYPE_THIN)),
                    "system", system.name())));
        }
        return entries;
    }
}
