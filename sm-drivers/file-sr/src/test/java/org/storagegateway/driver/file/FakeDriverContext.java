package org.storagegateway.driver.file;

import java.text.MessageFormat;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StateStore;
import org.storagegateway.spi.TaskMonitor;

/** A hand-written host for the driver: records log lines, keeps state in memory, and can request a cancel. */
public final class FakeDriverContext implements DriverContext {

    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final Map<String, String> state = new TreeMap<>();
    private volatile boolean cancelRequested;
    private volatile double progress;
    private volatile Runnable onCancelCheck = () -> { };

    /** Every line the driver logged, as "LEVEL message". */
    List<String> logLines() {
        return logLines;
    }

    /** Make {@link TaskMonitor#isCancelRequested()} answer {@code cancel} from now on. */
    void requestCancel(boolean cancel) {
        cancelRequested = cancel;
    }

    /** Run {@code hook} each time the driver asks whether its task is cancelled (a point inside its locks). */
    void onCancelCheck(Runnable hook) {
        onCancelCheck = hook;
    }

    double progress() {
        return progress;
    }

    @Override
    public System.Logger logger() {
        return new System.Logger() {
            @Override
            public String getName() {
                return "file-sr-test";
            }

            @Override
            public boolean isLoggable(Level level) {
                return true;
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
                logLines.add(level + " " + msg + (thrown == null ? "" : " " + thrown));
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String format, Object... params) {
                logLines.add(level + " " + (params == null || params.length == 0
                        ? format : MessageFormat.format(format, params)));
            }
        };
    }

    @Override
    public Clock clock() {
        return Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC);
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
                synchronized (state) {
                    return Optional.ofNullable(state.get(key));
                }
            }

            @Override
            public void put(String key, String value) {
                synchronized (state) {
                    state.put(key, value);
                }
            }

            @Override
            public void remove(String key) {
                synchronized (state) {
                    state.remove(key);
                }
            }

            @Override
            public Map<String, String> entries(String prefix) {
                synchronized (state) {
                    Map<String, String> out = new TreeMap<>();
                    state.forEach((k, v) -> {
                        if (k.startsWith(prefix)) {
                            out.put(k, v);
                        }
                    });
                    return out;
                }
            }
        };
    }

    @Override
    public TaskMonitor task() {
        return new TaskMonitor() {
            @Override
            public void progress(double fraction) {
                progress = Math.max(progress, Math.min(1, Math.max(0, fraction)));
            }

            @Override
            public boolean isCancelRequested() {
                onCancelCheck.run();
                return cancelRequested;
            }
        };
    }
}
