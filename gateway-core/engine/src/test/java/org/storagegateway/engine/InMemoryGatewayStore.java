package org.storagegateway.engine;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import org.storagegateway.engine.model.DriverRecord;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.engine.port.DriverStateTable;
import org.storagegateway.engine.port.DriverTable;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.engine.port.RepositoryTable;
import org.storagegateway.engine.port.StoreTransaction;
import org.storagegateway.engine.port.TaskTable;
import org.storagegateway.engine.port.VirtualDiskTable;

/**
 * A hand-written fake of the store: transactions are serialised and work on a copy that replaces the state only on
 * commit, so a throwing transaction leaves no trace, as the real store promises.
 */
final class InMemoryGatewayStore implements GatewayStore {
    private State committed = new State();
    private int transactions;

    @Override
    public synchronized <T> T inTransaction(Function<StoreTransaction, T> work) {
        transactions++;
        State copy = committed.copy();
        T result = work.apply(copy);
        committed = copy;
        return result;
    }

    @Override
    public void close() {
    }

    /** Return the number of transactions begun so far, committed or not. */
    synchronized int transactions() {
        return transactions;
    }

    private static final class State implements StoreTransaction {
        final Map<String, StorageRepositoryRecord> repositories = new HashMap<>();
        final Map<String, Map<String, String>> secrets = new HashMap<>();
        final Map<String, VirtualDiskRecord> disks = new HashMap<>();
        final Map<String, TaskRecord> tasks = new HashMap<>();
        final Map<String, DriverRecord> drivers = new HashMap<>();
        final Map<String, String> state = new TreeMap<>();

        State copy() {
            State copy = new State();
            copy.repositories.putAll(repositories);
            copy.secrets.putAll(secrets);
            copy.disks.putAll(disks);
            copy.tasks.putAll(tasks);
            copy.drivers.putAll(drivers);
            copy.state.putAll(state);
            return copy;
        }

        @Override
        public RepositoryTable repositories() {
            return new RepositoryTable() {
                @Override public void save(StorageRepositoryRecord r) { repositories.put(r.uuid(), r); }
                @Override public void saveSecrets(String srUuid, Map<String, String> values) { secrets.put(srUuid, Map.copyOf(values)); }
                @Override public Map<String, String> secrets(String srUuid) { return secrets.getOrDefault(srUuid, Map.of()); }
                @Override public Optional<StorageRepositoryRecord> find(String uuid) { return Optional.ofNullable(repositories.get(uuid)); }
                @Override public List<StorageRepositoryRecord> list() {
                    return repositories.values().stream()
                            .sorted(Comparator.comparing(StorageRepositoryRecord::createdAt)).toList();
                }
                @Override public void delete(String uuid) {
                    repositories.remove(uuid);
                    secrets.remove(uuid);
                }
            };
        }

        @Override
        public VirtualDiskTable virtualDisks() {
            return new VirtualDiskTable() {
                @Override public void save(VirtualDiskRecord d) { disks.put(d.uuid(), d); }
                @Override public void insert(VirtualDiskRecord d) {
                    if (disks.putIfAbsent(d.uuid(), d) != null) {
                        throw new IllegalStateException("duplicate VDI " + d.uuid());
                    }
                }
                @Override public Optional<VirtualDiskRecord> find(String uuid) { return Optional.ofNullable(disks.get(uuid)); }
                @Override public List<VirtualDiskRecord> listBySr(String srUuid) {
                    return disks.values().stream().filter(d -> d.srUuid().equals(srUuid))
                            .sorted(Comparator.comparing(VirtualDiskRecord::createdAt)).toList();
                }
                @Override public void delete(String uuid) { disks.remove(uuid); }
            };
        }

        @Override
        public TaskTable tasks() {
            return new TaskTable() {
                @Override public void save(TaskRecord task) {
                    boolean duplicate = tasks.values().stream().anyMatch(
                            t -> t.idempotencyKey().equals(task.idempotencyKey()) && !t.uuid().equals(task.uuid()));
                    if (duplicate) {
                        throw new IllegalStateException("duplicate idempotency key " + task.idempotencyKey());
                    }
                    tasks.put(task.uuid(), task);
                }
                @Override public void insert(TaskRecord task) {
                    if (tasks.containsKey(task.uuid())) {
                        throw new IllegalStateException("duplicate task " + task.uuid());
                    }
                    save(task);
                }
                @Override public Optional<TaskRecord> find(String uuid) { return Optional.ofNullable(tasks.get(uuid)); }
                @Override public Optional<TaskRecord> findByIdempotencyKey(String key) {
                    return tasks.values().stream().filter(t -> t.idempotencyKey().equals(key)).findFirst();
                }
                @Override public List<TaskRecord> listByState(TaskState... states) {
                    Set<TaskState> wanted = Set.of(states);
                    return tasks.values().stream().filter(t -> wanted.contains(t.state()))
                            .sorted(Comparator.comparing(TaskRecord::createdAt)).toList();
                }
                @Override public void delete(String uuid) { tasks.remove(uuid); }
            };
        }

        @Override
        public DriverTable drivers() {
            return new DriverTable() {
                @Override public void save(DriverRecord d) { drivers.put(d.srType(), d); }
                @Override public Optional<DriverRecord> find(String srType) { return Optional.ofNullable(drivers.get(srType)); }
                @Override public List<DriverRecord> list() {
                    return drivers.values().stream().sorted(Comparator.comparing(DriverRecord::srType)).toList();
                }
            };
        }

        @Override
        public DriverStateTable driverState() {
            return new DriverStateTable() {
                @Override public Optional<String> get(String srType, String key) { return Optional.ofNullable(state.get(srType + "\0" + key)); }
                @Override public void put(String srType, String key, String value) { state.put(srType + "\0" + key, value); }
                @Override public void remove(String srType, String key) { state.remove(srType + "\0" + key); }
                @Override public Map<String, String> entries(String srType, String prefix) {
                    Map<String, String> found = new TreeMap<>();
                    state.forEach((k, v) -> {
                        if (k.startsWith(srType + "\0" + prefix)) {
                            found.put(k.substring(srType.length() + 1), v);
                        }
                    });
                    return found;
                }
            };
        }
    }
}
