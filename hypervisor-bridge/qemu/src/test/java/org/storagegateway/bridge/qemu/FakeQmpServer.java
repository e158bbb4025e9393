package org.storagegateway.bridge.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-written QMP server on a unix socket, for client tests. It greets like QEMU 7.2, answers
 * {@code qmp_capabilities} itself, and hands every other command to the test, which replies,
 * sends events, or stays silent as the scenario needs. In echo mode it answers each command at once
 * with {@code {"return": {"echo": <arguments>}}}.
 */
final class FakeQmpServer implements AutoCloseable {
    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
            + "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final BlockingQueue<ObjectNode> commands = new LinkedBlockingQueue<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch clientGone = new CountDownLatch(1);
    private final Object writeLock = new Object();
    private volatile SocketChannel client;
    private volatile boolean greet = true;
    private volatile String capabilitiesError;
    private volatile boolean echo;

    FakeQmpServer(Path socket) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::serve, "fake-qmp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    Path socket() {
        return socket;
    }

    /** Sends no greeting: the client must time out. */
    FakeQmpServer withoutGreeting() {
        greet = false;
        return this;
    }

    /** Answers qmp_capabilities with this error description. */
    FakeQmpServer refusingCapabilities(String description) {
        capabilitiesError = description;
        return this;
    }

    /** Answers every command at once with its arguments. */
    FakeQmpServer echoing() {
        echo = true;
        return this;
    }

    /** The next command the client sent (not counting qmp_capabilities), or null after the timeout. */
    ObjectNode nextCommand(Duration timeout) throws InterruptedException {
        return commands.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The names of all commands received, in order, including qmp_capabilities. */
    List<String> receivedCommands() {
        return List.copyOf(received);
    }

    void reply(JsonNode command, String returnJson) throws IOException {
        send("{\"return\": " + returnJson + ", \"id\": " + command.get("id") + "}");
    }

    void error(JsonNode command, String errorClass, String description) throws IOException {
        ObjectNode error = MAPPER.createObjectNode();
        error.putObject("error").put("class", errorClass).put("desc", description);
        error.set("id", command.get("id"));
        send(error.toString());
    }

    void event(String name, String dataJson) throws IOException {
        send("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250000}, \"event\": \"" + name + "\""
                + (dataJson == null ? "" : ", \"data\": " + dataJson) + "}");
    }

    /** Writes one raw line, CRLF-terminated like QEMU. */
    void send(String line) throws IOException {
        SocketChannel channel = client;
        if (channel == null) {
            throw new IOException("no client");
        }
        ByteBuffer buffer = ByteBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        synchronized (writeLock) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /** Drops the client connection, as QEMU does when it exits. */
    void disconnect() throws IOException {
        SocketChannel channel = client;
        if (channel != null) {
            channel.close();
        }
    }

    /** Waits until the client closed its end. */
    boolean awaitClientGone(Duration timeout) throws InterruptedException {
        return clientGone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void serve() {
        try (SocketChannel channel = server.accept()) {
            client = channel;
            if (greet) {
                send(GREETING);
            }
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (channel.read(buffer.clear()) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        handle((ObjectNode) MAPPER.readTree(line.toByteArray()));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            }
        } catch (IOException e) {
            // the client or the test closed the connection
        } finally {
            clientGone.countDown();
        }
    }

    private void handle(ObjectNode command) throws IOException {
        String name = command.path("execute").asText();
        received.add(name);
        if (name.equals("qmp_capabilities")) {
            if (capabilitiesError != null) {
                error(command, "GenericError", capabilitiesError);
            } else {
                reply(command, "{}");
            }
        } else if (echo) {
            ObjectNode answer = MAPPER.createObjectNode();
            answer.putObject("return").set("echo", command.path("arguments"));
            answer.set("id", command.get("id"));
            send(answer.toString());
        } else {
            commands.add(command);
        }
    }

    @Override
    public void close() throws IOException {
        disconnect();
        server.close();
        Files.deleteIfExists(socket);
    }
}
