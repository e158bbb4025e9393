package org.storagegateway.spi.testing;

import java.text.MessageFormat;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.ResourceBundle;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StateStore;
import org.storagegateway.spi.TaskMonitor;

/**
 * The host a driver sees when it runs outside the gateway, in driver tests and benchmarks: the SR's secrets given up
 * front, the system clock, driver state in memory, every log line and progress report recorded, and a cancel request
 * the caller makes. JDK only, like the SPI; safe to call from the driver's own threads. Recording costs a queue
 * append, so a benchmark that drives a driver through it measures the driver.
 *
 * <p>Published in gateway-spi's test jar ({@code <type>test-jar</type>}).
 */
public final class FakeDriverContext implements DriverContext {
    private final Map<String, String> secrets;
    private final Map<String, String> state = new TreeMap<>();
    private final Queue<String> logLines = new ConcurrentLinkedQueue<>();
    private final Queue<Double> progressReports = new ConcurrentLinkedQueue<>();
    private volatile boolean cancelRequested;
    private volatile Runnable onCancelCheck = () -> { };

    /** A host without secrets. */
    public FakeDriverContext() {
        this(Map.of());
    }

    /** A host holding the SR's secrets, such as {@code Map.of("password", ...)}. */
    public FakeDriverContext(Map<String, String> secrets) {
        this.secrets = Map.copyOf(secrets);
    }

    /** Every line the driver logged so far, oldest first, as "LEVEL message". */
    public List<String> logLines() {
        return List.copyOf(logLines);
    }

    /** Every progress fraction the driver reported so far, in order. */
    public List<Double> progressReports() {
        return List.copyOf(progressReports);
    }

    /** From now on {@link TaskMonitor#isCancelRequested()} answers true. */
    public void requestCancel() {
        cancelRequested = true;
    }

    /** From now on {@link TaskMonitor#isCancelRequested()} answers false again. */
    public void withdrawCancel() {
        cancelRequested = false;
    }

    /**
     * Stop the driver the next time it asks whether its task is cancelled (a point inside its locks), until the
     * returned hold is released: a test can then act while the driver is known to be inside an operation.
     */
    public Hold holdAtCancelCheck() {
        Hold hold = new Hold();
        onCancelCheck = hold::stopHere;
        return hold;
    }

    /** A driver thread stopped at its cancel check; see {@link #holdAtCancelCheck()}. */
    public static final class Hold {
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Hold() {
        }

        /** Whether the driver reached its cancel check within {@code timeout}. */
        public boolean awaitReached(Duration timeout) throws InterruptedException {
            return reached.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** Let the driver go on; later cancel checks pass without stopping. */
        public void release() {
            released.countDown();
        }

        private void stopHere() {
            reached.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public System.Logger logger() {
        return new System.Logger() {
            @Override
            public String getName() {
                return "fake-driver-context";
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
                progressReports.add(fraction);
            }

            @Override
            public boolean isCancelRequested() {
                onCancelCheck.run();
                return cancelRequested;
            }
        };
    }
}
