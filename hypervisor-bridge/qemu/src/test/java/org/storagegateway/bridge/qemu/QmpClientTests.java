package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpClientTests {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private FakeQmpServer server;
    private QmpClient client;

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeQmpServer(dir.resolve("qmp.sock"));
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private QmpClient connect() {
        client = QmpClient.connect(server.socket(), WAIT, WAIT);
        return client;
    }

    private ObjectNode next() throws InterruptedException {
        ObjectNode command = server.nextCommand(WAIT);
        assertThat(command).as("command received by the fake server").isNotNull();
        return command;
    }

    @Test
    void readsTheGreetingAndNegotiatesCapabilitiesFirst() throws Exception {
        server.echoing();
        connect();

        assertThat(client.greeting()).isEqualTo(new QmpGreeting(7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18+b3", List.of("oob")));
        assertThat(client.greeting().atLeast(7, 2)).isTrue();
        assertThat(client.greeting().atLeast(8, 0)).isFalse();
        client.execute("query-status");
        assertThat(server.receivedCommands()).containsExactly("qmp_capabilities", "query-status");
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void refusedCapabilitiesFailTheConnectAndCloseTheSocket() throws Exception {
        server.refusingCapabilities("Capabilities negotiation is already complete, command ignored");

        assertThatThrownBy(this::connect)
                .isInstanceOfSatisfying(QmpErrorException.class, e -> {
                    assertThat(e.command()).isEqualTo("qmp_capabilities");
                    assertThat(e.errorClass()).isEqualTo("GenericError");
                    assertThat(e.description()).startsWith("Capabilities negotiation");
                });
        assertThat(server.awaitClientGone(WAIT)).isTrue();
    }

    @Test
    void aServerThatNeverGreetsTimesOut() throws Exception {
        server.withoutGreeting();
        long start = System.nanoTime();

        assertThatThrownBy(() -> QmpClient.connect(server.socket(), Duration.ofMillis(300)))
                .isInstanceOf(QmpTimeoutException.class)
                .hasMessageContaining("greeting");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(server.awaitClientGone(WAIT)).isTrue();
    }

    @Test
    void aMissingSocketIsAConnectionError() {
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("nobody.sock"), WAIT))
                .isInstanceOf(QmpConnectionException.class)
                .hasMessageContaining("nobody.sock");
    }

    @Test
    void correlatesOutOfOrderRepliesByIdWithEventsInBetween() throws Exception {
        connect();
        List<QmpEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch threeEvents = new CountDownLatch(3);
        client.addEventListener(event -> {
            events.add(event);
            threeEvents.countDown();
        });

        CompletableFuture<JsonNode> a = client.submit("cmd-a", null, WAIT);
        CompletableFuture<JsonNode> b = client.submit("cmd-b", null, WAIT);
        CompletableFuture<JsonNode> c = client.submit("cmd-c", null, WAIT);
        ObjectNode first = next();
        ObjectNode second = next();
        ObjectNode third = next();
        assertThat(List.of(first, second, third)).extracting(n -> n.path("execute").asText())
                .containsExactly("cmd-a", "cmd-b", "cmd-c");
        assertThat(List.of(first.get("id"), second.get("id"), third.get("id"))).doesNotHaveDuplicates();

        server.event("STOP", null);
        server.reply(third, "{\"answer\": \"c\"}");
        server.event("DEVICE_DELETED", "{\"path\": \"/machine/peripheral/vd1/virtio-backend\"}");
        server.reply(first, "{\"answer\": \"a\"}");
        server.reply(second, "[1, 2]");
        server.event("RESUME", null);

        assertThat(c.get(5, TimeUnit.SECONDS).path("answer").asText()).isEqualTo("c");
        assertThat(a.get(5, TimeUnit.SECONDS).path("answer").asText()).isEqualTo("a");
        assertThat(b.get(5, TimeUnit.SECONDS)).hasSize(2);
        assertThat(threeEvents.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(events).extracting(QmpEvent::name).containsExactly("STOP", "DEVICE_DELETED", "RESUME");
        QmpEvent deleted = events.get(1);
        assertThat(deleted.text("path")).isEqualTo("/machine/peripheral/vd1/virtio-backend");
        assertThat(deleted.text("device")).isNull();
        assertThat(deleted.timestamp()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 250_000_000L));
        assertThat(events.get(0).data()).isEmpty();
    }

    @Test
    void anErrorReplyIsATypedExceptionAndTheSessionGoesOn() throws Exception {
        connect();
        CompletableFuture<Void> failing = CompletableFuture.runAsync(() -> {
            assertThatThrownBy(() -> client.execute("device_del", Map.of("id", "nope")))
                    .isInstanceOfSatisfying(QmpErrorException.class, e -> {
                        assertThat(e.command()).isEqualTo("device_del");
                        assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
                        assertThat(e.description()).isEqualTo("Device 'nope' not found");
                        assertThat(e.getMessage()).contains("DeviceNotFound", "Device 'nope' not found");
                    });
        });
        ObjectNode command = next();
        assertThat(command.path("arguments").path("id").asText()).isEqualTo("nope");
        server.error(command, "DeviceNotFound", "Device 'nope' not found");
        failing.get(5, TimeUnit.SECONDS);

        CompletableFuture<JsonNode> after = client.submit("query-status", null, WAIT);
        server.reply(next(), "{\"status\": \"running\"}");
        assertThat(after.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("running");
    }

    @Test
    void aCommandTimesOutAndItsLateReplyIsDropped() throws Exception {
        connect();
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.execute("slow", Duration.ofMillis(200)))
                .isInstanceOfSatisfying(QmpTimeoutException.class, e -> {
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
                    assertThat(e.getMessage()).contains("slow");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(150), Duration.ofSeconds(3));
        ObjectNode slow = next();

        CompletableFuture<JsonNode> fast = client.submit("fast", null, WAIT);
        ObjectNode fastCommand = next();
        server.reply(slow, "{\"who\": \"slow, too late\"}");
        server.reply(fastCommand, "{\"who\": \"fast\"}");
        assertThat(fast.get(5, TimeUnit.SECONDS).path("who").asText()).isEqualTo("fast");
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void anExpectationArmedBeforeTheCommandCatchesTheMatchingEventOnly() throws Exception {
        connect();
        try (PendingEvent deleted = client.expectEvent("DEVICE_DELETED", e -> "vd1".equals(e.text("device")))) {
            CompletableFuture<JsonNode> del = client.submit("device_del", JsonNodeFactory.instance.objectNode().put("id", "vd1"), WAIT);
            ObjectNode command = next();
            // The event may come before the reply; the backend child's event has no "device".
            server.event("DEVICE_DELETED", "{\"path\": \"/machine/peripheral/vd1/virtio-backend\"}");
            server.event("DEVICE_DELETED", "{\"device\": \"vd2\", \"path\": \"/machine/peripheral/vd2\"}");
            server.event("DEVICE_DELETED", "{\"device\": \"vd1\", \"path\": \"/machine/peripheral/vd1\"}");
            server.reply(command, "{}");
            del.get(5, TimeUnit.SECONDS);

            QmpEvent event = deleted.await(WAIT);
            assertThat(event.text("device")).isEqualTo("vd1");
            assertThat(event.text("path")).isEqualTo("/machine/peripheral/vd1");
        }
    }

    @Test
    void awaitEventTimesOutWithoutAMatch() throws Exception {
        connect();
        CompletableFuture<QemuException> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                client.awaitEvent("BLOCK_JOB_READY", e -> true, Duration.ofMillis(300));
                return null;
            } catch (QemuException e) {
                return e;
            }
        });
        Thread.sleep(50);
        server.event("BLOCK_JOB_COMPLETED", "{\"device\": \"job0\"}");
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(QmpTimeoutException.class)
                .hasMessageContaining("BLOCK_JOB_READY");
    }

    @Test
    void aLostConnectionFailsWaitingCommandsAndExpectations() throws Exception {
        connect();
        CompletableFuture<QmpConnectionException> ended = client.closeFuture();
        CompletableFuture<JsonNode> pending = client.submit("query-block-jobs", null, WAIT);
        PendingEvent pendingEvent = client.expectEvent("MIGRATION", e -> true);
        next();

        server.disconnect();

        assertThat(ended.get(5, TimeUnit.SECONDS)).hasMessageContaining("closed by QEMU");
        assertThat(pending).failsWithin(WAIT).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(QmpConnectionException.class);
        assertThatThrownBy(() -> pendingEvent.await(WAIT)).isInstanceOf(QmpConnectionException.class);
        assertThat(client.isOpen()).isFalse();
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.execute("query-status")).isInstanceOf(QmpConnectionException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void closeFailsWaitingCommandsStopsTheReaderAndIsIdempotent() throws Exception {
        connect();
        CompletableFuture<JsonNode> pending = client.submit("query-status", null, WAIT);
        next();

        client.close();
        client.close();

        assertThat(pending).failsWithin(WAIT).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(QmpConnectionException.class);
        assertThat(server.awaitClientGone(WAIT)).isTrue();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.equals("qmp-reader qmp.sock"));
        assertThatThrownBy(() -> client.execute("query-status")).isInstanceOf(QmpConnectionException.class);
        assertThatThrownBy(() -> client.expectEvent("STOP", e -> true).await(WAIT)).isInstanceOf(QmpConnectionException.class);
    }

    @Test
    void manyThreadsShareOneSession() throws Exception {
        server.echoing();
        connect();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        String token = thread + "/" + i;
                        JsonNode reply = client.execute("echo", Map.of("token", token, "nested", Map.of("n", i)));
                        assertThat(reply.path("echo").path("token").asText()).isEqualTo(token);
                        assertThat(reply.path("echo").path("nested").path("n").asInt()).isEqualTo(i);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.receivedCommands()).hasSize(1 + 8 * 200);
    }

    @Test
    void listenersMayIssueCommandsAndAFailingListenerDoesNotStopDelivery() throws Exception {
        server.echoing();
        connect();
        CompletableFuture<String> fromListener = new CompletableFuture<>();
        client.addEventListener(event -> {
            throw new IllegalStateException("listener bug");
        });
        QmpClient.Subscription subscription = client.addEventListener(event -> fromListener.complete(
                client.execute("echo", Map.of("after", event.name())).path("echo").path("after").asText()));

        server.event("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");

        assertThat(fromListener.get(5, TimeUnit.SECONDS)).isEqualTo("SHUTDOWN");
        subscription.close();
    }

    @Test
    void linesThatAreNotJsonOrHaveNoIdAreIgnored() throws Exception {
        connect();
        CompletableFuture<JsonNode> pending = client.submit("query-status", null, WAIT);
        ObjectNode command = next();
        server.send("this is not json");
        server.send("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword\"}}");
        server.send("");
        server.reply(command, "{\"status\": \"paused\"}");
        assertThat(pending.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("paused");
    }
}
