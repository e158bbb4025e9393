package org.storagegateway.smis.adapter;

import java.text.MessageFormat;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StateStore;
import org.storagegateway.spi.TaskMonitor;

/**
 * A hand-written host for the adapter: holds the SR's secrets, records log lines and progress, keeps state in memory,
 * and can request a cancel. Published in the test jar for the quirk bundles' tests.
 */
public final class FakeHost implements DriverContext {
    private final Map<String, String> secrets;
    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final List<Double> progress = new CopyOnWriteArrayList<>();
    private final Map<String, String> state = new TreeMap<>();
    private volatile boolean cancelRequested;

    public FakeHost(Map<String, String> secrets) {
        this.secrets = Map.copyOf(secrets);
    }

    /** A host holding the array password. */
    public static FakeHost withPassword(String password) {
        return new FakeHost(Map.of("password", password));
    }

    /** A free loopback TCP port, for a simulator's iSCSI portal (its tgtd). */
    public static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every line the adapter logged, as "LEVEL message". */
    public List<String> logLines() {
        return logLines;
    }

    /** Every progress report, in order. */
    public List<Double> progress() {
        return progress;
    }

    public void requestCancel() {
        cancelRequested = true;
    }

    @Override
    public System.Logger logger() {
        return new System.Logger() {
            @Override
            public String getName() {
                return "smis-test";
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
        return Clock.systemUTC();
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
                progress.add(fraction);
            }

            @Override
            public boolean isCancelRequested() {
                return cancelRequested;
            }
        };
    }
}
