package org.storagegateway.bench;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StateStore;
import org.storagegateway.spi.TaskMonitor;

/**
 * The smallest host a driver needs, as the file SR tests use: a logger that prints warnings to stderr, the system
 * clock, no secrets, state in memory, a task that is never cancelled. Nothing here costs measurable time, so a
 * driver-alone figure is the driver's own cost.
 */
final class BenchDriverContext implements DriverContext {
    private final Map<String, String> state = new ConcurrentSkipListMap<>();

    private static final System.Logger LOGGER = new System.Logger() {
        @Override
        public String getName() {
            return "bench-driver";
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.WARNING.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(level)) {
                System.err.println(level + " " + msg + (thrown == null ? "" : " " + thrown));
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                System.err.println(level + " " + (params == null || params.length == 0
                        ? format : java.text.MessageFormat.format(format, params)));
            }
        }
    };

    private static final TaskMonitor TASK = new TaskMonitor() {
        @Override
        public void progress(double fraction) {
        }

        @Override
        public boolean isCancelRequested() {
            return false;
        }
    };

    @Override
    public System.Logger logger() {
        return LOGGER;
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public Optional<String> secret(String key) {
        return Optional.empty();
    }

    @Override
    public StateStore state() {
        return new StateStore() {
            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(state.get(key));
            }

            @Override
            public void put(String key, String value) {
                state.put(key, value);
            }

            @Override
            public void remove(String key) {
                state.remove(key);
            }

            @Override
            public Map<String, String> entries(String prefix) {
                Map<String, String> out = new TreeMap<>();
                state.forEach((k, v) -> {
                    if (k.startsWith(prefix)) {
                        out.put(k, v);
                    }
                });
                return out;
            }
        };
    }

    @Override
    public TaskMonitor task() {
        return TASK;
    }
}
