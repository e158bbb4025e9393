package org.storagegateway.bridge.qemu;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An event expectation armed before the action that causes the event, so an event that arrives
 * before the action's reply is not missed:
 *
 * <pre>{@code
 * try (PendingEvent deleted = qmp.expectEvent("DEVICE_DELETED", e -> id.equals(e.text("device")))) {
 *     qmp.execute("device_del", Map.of("id", id));
 *     deleted.await(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * Closing it withdraws the expectation.
 */
public final class PendingEvent implements AutoCloseable {
    private final String description;
    private final CompletableFuture<QmpEvent> future;
    private final Runnable withdraw;

    PendingEvent(String description, CompletableFuture<QmpEvent> future, Runnable withdraw) {
        this.description = description;
        this.future = future;
        this.withdraw = withdraw;
    }

    /**
     * Waits for the matching event.
     *
     * @throws QmpTimeoutException    when no matching event arrived in time
     * @throws QmpConnectionException when the session closed first
     */
    public QmpEvent await(Duration timeout) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpTimeoutException("waiting for " + description, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpConnectionException("interrupted while waiting for " + description, e);
        } catch (ExecutionException | CompletionException e) {
            throw QmpClient.rethrowable(e.getCause());
        } catch (CancellationException e) {
            throw new QmpConnectionException("the wait for " + description + " was withdrawn", e);
        }
    }

    /** The event as a future; it completes exceptionally with a {@link QemuException} when the session closes. */
    public CompletableFuture<QmpEvent> future() {
        return future;
    }

    @Override
    public void close() {
        withdraw.run();
        future.cancel(false);
    }
}
