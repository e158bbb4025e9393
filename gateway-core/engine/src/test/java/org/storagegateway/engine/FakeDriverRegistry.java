package org.storagegateway.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import org.storagegateway.engine.port.DriverRegistry;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.DriverDescriptor;

/** A registry of drivers loaded by the test itself. */
final class FakeDriverRegistry implements DriverRegistry {
    private final Map<String, StorageDriverFactory> loaded = new TreeMap<>();
    private final List<DriverListener> listeners = new ArrayList<>();

    synchronized void load(StorageDriverFactory factory) {
        loaded.put(factory.descriptor().srType(), factory);
        listeners.forEach(l -> l.driverAdded(factory.descriptor()));
    }

    synchronized void unload(String srType) {
        loaded.remove(srType);
        listeners.forEach(l -> l.driverRemoved(srType));
    }

    @Override
    public synchronized List<DriverDescriptor> loadedDrivers() {
        return loaded.values().stream().map(StorageDriverFactory::descriptor).toList();
    }

    @Override
    public synchronized Optional<DriverDescriptor> descriptor(String srType) {
        return Optional.ofNullable(loaded.get(srType)).map(StorageDriverFactory::descriptor);
    }

    @Override
    public <T> T call(String srType, Function<StorageDriverFactory, T> work) {
        StorageDriverFactory factory;
        synchronized (this) {
            factory = loaded.get(srType);
        }
        if (factory == null) {
            throw new StorageException(StandardErrorCode.DRIVER_UNAVAILABLE, "not loaded: " + srType);
        }
        return work.apply(factory);
    }

    @Override
    public synchronized void removeListener(DriverListener listener) {
        listeners.remove(listener);
    }

    @Override
    public synchronized void addListener(DriverListener listener) {
        listeners.add(listener);
        loaded.values().forEach(f -> listener.driverAdded(f.descriptor()));
    }
}
