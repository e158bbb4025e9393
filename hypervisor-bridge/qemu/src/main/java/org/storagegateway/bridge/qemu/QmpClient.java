package org.storagegateway.bridge.qemu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP session over a unix-domain socket: JSON objects, one per line, in both directions.
 *
 * <p>{@link #connect} reads QEMU's greeting and negotiates capabilities ({@code qmp_capabilities}).
 * Each command carries a numeric {@code id}; one reader thread matches replies to commands by that
 * id, so commands may be issued from any number of threads and replies may arrive in any order,
 * with events in between. Events go to armed expectations ({@link #expectEvent}) at once and to
 * listeners on a separate event thread, so a listener may itself issue commands.
 *
 * <p>Failures are {@link QemuException}s: {@link QmpErrorException} for an error reply (QMP class and
 * description), {@link QmpTimeoutException} when a command or event does not come in time (the
 * session stays usable; a late reply is dropped), {@link QmpConnectionException} when the session is
 * closed or lost, which fails every command still waiting.
 */
public final class QmpClient implements AutoCloseable {
    /** Reply timeout of {@link #execute(String)} and {@link #execute(String, Map)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** query-qmp-schema is the largest reply (a few hundred KiB); anything near this limit is garbage. */
    private static final int MAX_MESSAGE_BYTES = 64 << 20;

    /** Removes a listener registration. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private record Call(String command, CompletableFuture<JsonNode> future, AtomicReference<ScheduledFuture<?>> timeout) {}

    private record Waiter(String name, Predicate<QmpEvent> predicate, CompletableFuture<QmpEvent> future) {}

    private final SocketChannel channel;
    private final String label;
    private final Duration defaultTimeout;
    private final Object writeLock = new Object();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Call> calls = new ConcurrentHashMap<>();
    private final List<QmpEventListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final CompletableFuture<JsonNode> greetingMessage = new CompletableFuture<>();
    private final CompletableFuture<QmpConnectionException> closed = new CompletableFuture<>();
    private final AtomicReference<QmpConnectionException> closedReason = new AtomicReference<>();
    private final ExecutorService eventThread;
    private final ScheduledThreadPoolExecutor timer;
    private final Thread reader;
    private volatile QmpGreeting greeting;

    private QmpClient(SocketChannel channel, String label, Duration defaultTimeout) {
        this.channel = channel;
        this.label = label;
        this.defaultTimeout = defaultTimeout;
        this.eventThread = Executors.newSingleThreadExecutor(r -> daemon(r, "qmp-events " + label));
        this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "qmp-timer " + label));
        this.timer.setRemoveOnCancelPolicy(true);
        this.reader = daemon(this::readLoop, "qmp-reader " + label);
    }

    /** Connects with the default command timeout; see {@link #connect(Path, Duration, Duration)}. */
    public static QmpClient connect(Path socket, Duration handshakeTimeout) {
        return connect(socket, handshakeTimeout, DEFAULT_TIMEOUT);
    }

    /**
     * Connects to a QMP unix socket, waits for the greeting and negotiates capabilities.
     *
     * @param handshakeTimeout how long the greeting and the {@code qmp_capabilities} reply may take
     *                         (QEMU serves one client per QMP socket: a second client gets no greeting)
     * @param defaultTimeout   the reply timeout of the {@code execute} forms without a timeout argument
     * @throws QmpConnectionException when the socket cannot be reached or closes during the handshake
     * @throws QmpTimeoutException    when the handshake does not finish in time
     */
    public static QmpClient connect(Path socket, Duration handshakeTimeout, Duration defaultTimeout) {
        Objects.requireNonNull(socket, "socket");
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new QmpConnectionException("cannot open a unix socket: " + e.getMessage(), e);
        }
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new QmpConnectionException("cannot connect to QMP socket " + socket + ": " + e.getMessage(), e);
        }
        QmpClient client = new QmpClient(channel, socket.getFileName().toString(), defaultTimeout);
        try {
            client.reader.start();
            client.handshake(handshakeTimeout);
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void handshake(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode message;
        try {
            message = greetingMessage.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpTimeoutException("waiting for the QMP greeting on " + label, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpConnectionException("interrupted while waiting for the QMP greeting", e);
        } catch (ExecutionException e) {
            throw rethrowable(e.getCause());
        }
        JsonNode qmp = message.path("QMP");
        JsonNode version = qmp.path("version");
        List<String> capabilities = new ArrayList<>();
        qmp.path("capabilities").forEach(c -> capabilities.add(c.asText()));
        greeting = new QmpGreeting(version.path("qemu").path("major").asInt(), version.path("qemu").path("minor").asInt(),
                version.path("qemu").path("micro").asInt(), version.path("package").asText(""), capabilities);
        long left = Math.max(1, deadline - System.nanoTime());
        execute("qmp_capabilities", (JsonNode) null, Duration.ofNanos(left));
        LOG.debug("QMP session {} open: QEMU {} {}", label, greeting.version(), greeting.packageName());
    }

    /** QEMU's greeting (version, package, capabilities). */
    public QmpGreeting greeting() {
        return greeting;
    }

    /** Runs a command without arguments, waiting up to the default timeout. Returns its {@code return} value. */
    public JsonNode execute(String command) {
        return execute(command, (JsonNode) null, defaultTimeout);
    }

    /** Runs a command without arguments and waits up to {@code timeout} for its reply. */
    public JsonNode execute(String command, Duration timeout) {
        return execute(command, (JsonNode) null, timeout);
    }

    /** Runs a command, waiting up to the default timeout. Map values may be maps, lists, strings, numbers, booleans. */
    public JsonNode execute(String command, Map<String, ?> arguments) {
        return execute(command, arguments, defaultTimeout);
    }

    /** Runs a command and waits up to {@code timeout} for its reply. */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
        JsonNode tree = arguments == null ? null : MAPPER.valueToTree(arguments);
        return execute(command, tree, timeout);
    }

    /**
     * Runs a command and waits up to {@code timeout} for its reply.
     *
     * @return the reply's {@code return} value ({@code {}} for most commands)
     * @throws QmpErrorException      when QEMU replies with an error
     * @throws QmpTimeoutException    when no reply arrives in time
     * @throws QmpConnectionException when the session is or becomes closed
     */
    public JsonNode execute(String command, JsonNode arguments, Duration timeout) {
        return await(submit(command, arguments, timeout));
    }

    /**
     * Sends a command and returns at once. The future completes on the reader thread, so dependent
     * stages that block on QMP must use the {@code *Async} variants.
     */
    public CompletableFuture<JsonNode> submit(String command, JsonNode arguments, Duration timeout) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(timeout, "timeout");
        if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
            throw new IllegalArgumentException("QMP arguments must be a JSON object: " + arguments);
        }
        long id = ids.incrementAndGet();
        ObjectNode message = MAPPER.createObjectNode();
        message.put("execute", command);
        if (arguments != null && !arguments.isNull()) {
            message.set("arguments", arguments);
        }
        message.put("id", id);
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise QMP command " + command, e);
        }
        Call call = new Call(command, new CompletableFuture<>(), new AtomicReference<>());
        calls.put(id, call);
        QmpConnectionException reason = closedReason.get();
        if (reason != null) {
            calls.remove(id);
            return CompletableFuture.failedFuture(closedFailure(reason));
        }
        try {
            call.timeout().set(timer.schedule(() -> {
                if (calls.remove(id, call)) {
                    call.future().completeExceptionally(new QmpTimeoutException(command, timeout));
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (RejectedExecutionException e) {
            calls.remove(id);
            return CompletableFuture.failedFuture(closedFailure(closedReason.get()));
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} -> {}", label, abbreviate(new String(bytes, StandardCharsets.UTF_8)));
        }
        try {
            write(bytes);
        } catch (IOException e) {
            if (calls.remove(id, call)) {
                cancelTimeout(call);
                QmpConnectionException current = closedReason.get();
                call.future().completeExceptionally(current != null ? closedFailure(current)
                        : new QmpConnectionException("cannot send " + command + " on " + label + ": " + e.getMessage(), e));
            }
        }
        return call.future();
    }

    /** Adds a listener for every event of this session. */
    public Subscription addEventListener(QmpEventListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Arms an expectation for the next event called {@code name} that satisfies {@code predicate}.
     * Arm it <em>before</em> sending the command that causes the event.
     */
    public PendingEvent expectEvent(String name, Predicate<QmpEvent> predicate) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(predicate, "predicate");
        Waiter waiter = new Waiter(name, predicate, new CompletableFuture<>());
        waiters.add(waiter);
        QmpConnectionException reason = closedReason.get();
        if (reason != null && waiters.remove(waiter)) {
            waiter.future().completeExceptionally(closedFailure(reason));
        }
        return new PendingEvent(name + " event", waiter.future(), () -> waiters.remove(waiter));
    }

    /** Waits for the next event called {@code name} that satisfies {@code predicate} (from now on). */
    public QmpEvent awaitEvent(String name, Predicate<QmpEvent> predicate, Duration timeout) {
        try (PendingEvent pending = expectEvent(name, predicate)) {
            return pending.await(timeout);
        }
    }

    /** True until the session is closed or lost. */
    public boolean isOpen() {
        return closedReason.get() == null;
    }

    /** Completes, with the reason, when the session ends (closed by {@link #close()} or lost). */
    public CompletableFuture<QmpConnectionException> closeFuture() {
        return closed.copy();
    }

    /** Closes the socket; commands and event waits still pending fail with {@link QmpConnectionException}. Idempotent. */
    @Override
    public void close() {
        shutdown(new QmpConnectionException("QMP session " + label + " closed"));
        if (Thread.currentThread() != reader && reader.isAlive()) {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        eventThread.shutdown();
    }

    // --- reader side ----------------------------------------------------------------------------

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    shutdown(new QmpConnectionException("QMP connection " + label + " closed by QEMU"));
                    return;
                }
                byte[] array = buffer.array();
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (array[i] == '\n') {
                        line.write(array, start, i - start);
                        handleLine(line.toByteArray());
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(array, start, n - start);
                if (line.size() > MAX_MESSAGE_BYTES) {
                    shutdown(new QmpConnectionException("QMP message on " + label + " exceeds " + MAX_MESSAGE_BYTES + " bytes"));
                    return;
                }
            }
        } catch (IOException e) {
            shutdown(new QmpConnectionException("QMP connection " + label + " lost: " + e.getMessage(), e));
        } catch (RuntimeException | Error e) {
            shutdown(new QmpConnectionException("QMP reader " + label + " failed: " + e, e));
            throw e;
        }
    }

    private void handleLine(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} <- {}", label, abbreviate(text));
        }
        JsonNode message;
        try {
            message = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            LOG.warn("QMP {}: ignoring a line that is not JSON: {}", label, abbreviate(text));
            return;
        }
        if (!message.isObject()) {
            LOG.warn("QMP {}: ignoring a message that is not an object: {}", label, abbreviate(text));
        } else if (message.has("QMP")) {
            greetingMessage.complete(message);
        } else if (message.has("event")) {
            handleEvent(message);
        } else if (message.has("return") || message.has("error")) {
            handleReply(message);
        } else {
            LOG.warn("QMP {}: ignoring an unknown message: {}", label, abbreviate(text));
        }
    }

    private void handleReply(JsonNode message) {
        JsonNode idNode = message.get("id");
        if (idNode == null || !idNode.canConvertToLong()) {
            // QEMU answers input it cannot parse with an error that has no id.
            LOG.warn("QMP {}: reply without a usable id: {}", label, abbreviate(message.toString()));
            return;
        }
        Call call = calls.remove(idNode.asLong());
        if (call == null) {
            LOG.debug("QMP {}: late or unknown reply {}", label, abbreviate(message.toString()));
            return;
        }
        cancelTimeout(call);
        JsonNode error = message.get("error");
        if (error != null) {
            call.future().completeExceptionally(new QmpErrorException(call.command(),
                    error.path("class").asText("GenericError"), error.path("desc").asText("")));
        } else {
            call.future().complete(message.get("return"));
        }
    }

    private void handleEvent(JsonNode message) {
        JsonNode data = message.get("data");
        ObjectNode dataObject = data instanceof ObjectNode object ? object : MAPPER.createObjectNode();
        JsonNode stamp = message.path("timestamp");
        Instant timestamp = stamp.has("seconds")
                ? Instant.ofEpochSecond(stamp.path("seconds").asLong(), stamp.path("microseconds").asLong() * 1000L)
                : Instant.now();
        QmpEvent event = new QmpEvent(message.path("event").asText(), dataObject, timestamp);
        for (Waiter waiter : waiters) {
            if (!waiter.name().equals(event.name())) {
                continue;
            }
            boolean matches;
            try {
                matches = waiter.predicate().test(event);
            } catch (RuntimeException e) {
                if (waiters.remove(waiter)) {
                    waiter.future().completeExceptionally(new QemuException("event predicate failed on " + event, e));
                }
                continue;
            }
            if (matches && waiters.remove(waiter)) {
                waiter.future().complete(event);
            }
        }
        if (!listeners.isEmpty()) {
            try {
                eventThread.execute(() -> deliver(event));
            } catch (RejectedExecutionException e) {
                LOG.debug("QMP {}: session closed, event {} not delivered", label, event.name());
            }
        }
    }

    private void deliver(QmpEvent event) {
        for (QmpEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("QMP {}: event listener {} failed on {}", label, listener, event.name(), e);
            }
        }
    }

    // --- shared ---------------------------------------------------------------------------------

    private void write(byte[] json) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        synchronized (writeLock) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    private void shutdown(QmpConnectionException reason) {
        if (!closedReason.compareAndSet(null, reason)) {
            return;
        }
        closeQuietly(channel);
        greetingMessage.completeExceptionally(closedFailure(reason));
        for (Long id : List.copyOf(calls.keySet())) {
            Call call = calls.remove(id);
            if (call != null) {
                cancelTimeout(call);
                call.future().completeExceptionally(closedFailure(reason));
            }
        }
        for (Waiter waiter : waiters) {
            if (waiters.remove(waiter)) {
                waiter.future().completeExceptionally(closedFailure(reason));
            }
        }
        timer.shutdownNow();
        eventThread.shutdown();
        closed.complete(reason);
        LOG.debug("QMP session {} ended: {}", label, reason.getMessage());
    }

    /** Each waiting caller gets its own exception, because {@link #rethrowable} resets its stack trace. */
    private static QmpConnectionException closedFailure(QmpConnectionException reason) {
        return new QmpConnectionException(reason.getMessage(), reason.getCause());
    }

    private static void cancelTimeout(Call call) {
        ScheduledFuture<?> timeout = call.timeout().get();
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    private static JsonNode await(CompletableFuture<JsonNode> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpConnectionException("interrupted while waiting for a QMP reply", e);
        } catch (ExecutionException | CompletionException e) {
            throw rethrowable(e.getCause());
        } catch (CancellationException e) {
            throw new QmpConnectionException("QMP command cancelled", e);
        }
    }

    /**
     * Turns a failure delivered through a future into an exception to throw in the waiting thread.
     * The stack trace is reset to the waiting thread's, which is the useful one for the caller.
     */
    static QemuException rethrowable(Throwable cause) {
        if (cause instanceof QemuException qemu) {
            qemu.fillInStackTrace();
            return qemu;
        }
        return new QemuException("unexpected QMP failure: " + cause, cause);
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing a QMP socket failed", e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 2000 ? text : text.substring(0, 2000) + "...(" + text.length() + " chars)";
    }

    @Override
    public String toString() {
        return "QmpClient[" + label + (isOpen() ? "" : ", closed") + "]";
    }
}
