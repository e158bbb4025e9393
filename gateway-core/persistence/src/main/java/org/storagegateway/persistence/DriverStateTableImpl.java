package org.storagegateway.persistence;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import org.storagegateway.engine.port.DriverStateTable;

final class DriverStateTableImpl implements DriverStateTable {
    private static final char LIKE_ESCAPE = '!';

    private final HibernateTransaction tx;

    DriverStateTableImpl(HibernateTransaction tx) {
        this.tx = tx;
    }

    @Override
    public Optional<String> get(String srType, String key) {
        Objects.requireNonNull(srType, "srType is null");
        Objects.requireNonNull(key, "key is null");
        return tx.read(() -> Optional.ofNullable(
                tx.find(DriverStateEntity.class, new DriverStateEntity.Key(srType, key)))
                .map(e -> e.stateValue));
    }

    @Override
    public void put(String srType, String key, String value) {
        Objects.requireNonNull(srType, "srType is null");
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(value, "value is null");
        Limits.check(srType, Limits.SR_TYPE, "The SR type");
        Limits.check(key, Limits.STATE_KEY, "The driver state key");
        Limits.check(value, Limits.STATE_VALUE, "The driver state value");
        tx.write(() -> {
            DriverStateEntity e = tx.find(DriverStateEntity.class, new DriverStateEntity.Key(srType, key));
            if (e == null) {
                e = new DriverStateEntity();
                e.srType = srType;
                e.stateKey = key;
                e.stateValue = value;
                tx.persist(e, new DriverStateEntity.Key(srType, key));
            } else {
                e.stateValue = value;
            }
        });
    }

    @Override
    public void remove(String srType, String key) {
        Objects.requireNonNull(srType, "srType is null");
        Objects.requireNonNull(key, "key is null");
        tx.write(() -> {
            DriverStateEntity e = tx.find(DriverStateEntity.class, new DriverStateEntity.Key(srType, key));
            if (e != null) {
                tx.session().remove(e);
            }
        });
    }

    @Override
    public Map<String, String> entries(String srType, String prefix) {
        Objects.requireNonNull(srType, "srType is null");
        Objects.requireNonNull(prefix, "prefix is null");
        return tx.read(() -> {
            var query = prefix.isEmpty()
                    ? tx.session().createSelectionQuery(
                            "from DriverState s where s.srType = :type", DriverStateEntity.class)
                    : tx.session().createSelectionQuery(
                            "from DriverState s where s.srType = :type and s.stateKey like :pattern escape '"
                                    + LIKE_ESCAPE + "'", DriverStateEntity.class)
                            .setParameter("pattern", likePrefix(prefix));
            TreeMap<String, String> entries = new TreeMap<>();
            for (DriverStateEntity e : query.setParameter("type", srType).getResultList()) {
                entries.put(e.stateKey, e.stateValue);
            }
            return Collections.unmodifiableSortedMap(entries);
        });
    }

    /** Return a LIKE pattern matching the strings that start with {@code prefix}. */
    static String likePrefix(String prefix) {
        StringBuilder pattern = new StringBuilder(prefix.length() + 8);
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c == '%' || c == '_' || c == LIKE_ESCAPE) {
                pattern.append(LIKE_ESCAPE);
            }
            pattern.append(c);
        }
        return pattern.append('%').toString();
    }
}
