package org.storagegateway.engine;

import java.lang.System.Logger;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StateStore;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.TaskMonitor;

/** The host services one driver call gets: its SR's secrets, the driver's state store, the task, a logger, a clock. */
final class HostDriverContext implements DriverContext {
    private static final int MAX_KEY = 200;
    private static final int MAX_VALUE = 4000;

    /** A monitor for calls that do not run under a task (scans, stats): never cancelled, progress ignored. */
    static final TaskMonitor NO_TASK = new TaskMonitor() {
        @Override
        public void progress(double fraction) {
        }

        @Override
        public boolean isCancelRequested() {
            return false;
        }
    };

    private final String srType;
    private final Map<String, String> secrets;
    private final GatewayStore store;
    private final Clock clock;
    private final TaskMonitor task;

    HostDriverContext(String srType, Map<String, String> secrets, GatewayStore store, Clock clock, TaskMonitor task) {
        this.srType = Objects.requireNonNull(srType, "srType is null");
        this.secrets = Map.copyOf(secrets);
        this.store = Objects.requireNonNull(store, "store is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.task = Objects.requireNonNull(task, "task is null");
    }

    @Override
    public Logger logger() {
        return System.getLogger("org.storagegateway.driver." + srType);
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Optional<String> secret(String key) {
        return Optional.ofNullable(secrets.get(key));
    }

    @Override
    public StateStore state() {
        return new StateStore() {
            @Override
            public Optional<String> get(String key) {
                return store.inTransaction(tx -> tx.driverState().get(srType, checkKey(key)));
            }

            @Override
            public void put(String key, String value) {
                if (value.length() > MAX_VALUE) {
                    throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                            "State values are limited to " + MAX_VALUE + " characters");
                }
                store.useTransaction(tx -> tx.driverState().put(srType, checkKey(key), value));
            }

            @Override
            public void remove(String key) {
                store.useTransaction(tx -> tx.driverState().remove(srType, checkKey(key)));
            }

            @Override
            public Map<String, String> entries(String prefix) {
                return store.inTransaction(tx -> tx.driverState().entries(srType, prefix));
            }
        };
    }

    @Override
    public TaskMonitor task() {
        return task;
    }

    private static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                    "State keys must have 1 to " + MAX_KEY + " characters");
        }
        return key;
    }
}
