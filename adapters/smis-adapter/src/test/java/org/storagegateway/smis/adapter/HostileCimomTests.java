package org.storagegateway.smis.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.simulator.Behaviour;
import org.storagegateway.smis.simulator.Fault;
import org.storagegateway.smis.simulator.ReplyMode;
import org.storagegateway.smis.simulator.SimulatorConfig;
import org.storagegateway.smis.simulator.SmisSimulator;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.spi.ErrorKind;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.testing.FakeDriverContext;

/**
 * A hostile or broken CIMOM gets a typed EXTERNAL failure and never hangs the gateway: the simulator's injected
 * faults, and a test server for what the simulator cannot do (XXE, endless replies, wrong types, undefined values).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileCimomTests {
    static final long MIB = 1 << 20;
    SmisSimulator sim;
    SmisDriverFactory factory;
    @TempDir
    Path tls;

    @BeforeAll
    void start(@TempDir Path state) throws Exception {
        sim = SmisSimulator.start(SimulatorConfig.builder(state).httpPort(0).httpsPort(-1)
                .iscsiPort(0).build());
    }

    @AfterAll
    void stop() {
        sim.close();
    }

    @BeforeEach
    void activate() {
        factory = new SmisDriverFactory();
        factory.activate();
        sim.behaviour(Behaviour.defaults());
    }

    @AfterEach
    void deactivate() {
        factory.deactivate();
    }

    Map<String, String> config(String address) {
        Map<String, String> config = new HashMap<>();
        config.put("address", address);
        config.put("user", sim.user());
        config.put("timeout-seconds", "2");
        config.put("system", sim.systemName());
        config.put("pool", Names.THICK_POOL_ID);
        return config;
    }

    Map<String, String> simulatorConfig() {
        return config("http://127.0.0.1:" + sim.httpPort());
    }

    FakeDriverContext host() {
        return new FakeDriverContext(Map.of("password", sim.password()));
    }

    void createVdi(Map<String, String> config) {
        String uuid = UUID.randomUUID().toString();
        factory.open(new RepositoryConfig(UUID.randomUUID().toString(), "sr", config), host())
                .createVdi(new CreateVdiRequest("k", uuid, 4 * MIB));
    }

    static void assertExternal(Throwable e, StandardErrorCode code) {
        assertThat(e).isInstanceOf(StorageException.class);
        assertThat(((StorageException) e).kind()).isEqualTo(ErrorKind.EXTERNAL);
        assertThat(((StorageException) e).errorCode()).isEqualTo(code);
    }

    @Test
    void anHttpErrorIsAStorageFailure() {
        sim.behaviour(Behaviour.defaults().withFault(Fault.http500("EnumerateInstances")));
        assertThatThrownBy(() -> factory.probe(simulatorConfig(), host()))
                .satisfies(e -> assertExternal(e, StandardErrorCode.STORAGE_FAILURE));
    }

    @Test
    void malformedXmlIsAStorageFailure() {
        sim.behaviour(Behaviour.defaults().withFault(Fault.malformedXml("Associators")));
        assertThatThrownBy(() -> factory.probe(simulatorConfig(), host()))
                .satisfies(e -> assertExternal(e, StandardErrorCode.STORAGE_FAILURE));
    }

    @Test
    void aSlowReplyTimesOutAndTheNextCallGetsAFreshConnection() throws InterruptedException {
        sim.behaviour(Behaviour.defaults().withFault(Fault.slowReply("EnumerateInstances", 3500).times(1)));
        Map<String, String> config = simulatorConfig();
        config.put("timeout-seconds", "1");
        config.remove("system");
        long start = System.nanoTime();
        assertThatThrownBy(() -> factory.probe(config, host()))
                .satisfies(e -> assertExternal(e, StandardErrorCode.STORAGE_FAILURE))
                .hasMessageContaining("did not answer");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
        assertThat(factory.probe(config, host())).extracting(p -> p.id()).containsExactly(sim.systemName());
        // Let the simulator finish the held-back reply, so that it can stop gracefully after the class.
        Thread.sleep(Math.max(0, 3600 - (System.nanoTime() - start) / 1_000_000));
    }

    @Test
    void aFailedJobIsAStorageFailureAndThePoolKeepsItsSpace() {
        sim.behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(100)
                .withFault(Fault.failedJob("CreateOrModifyElementFromStoragePool")));
        long free = sim.state().volumes().size();
        assertThatThrownBy(() -> createVdi(simulatorConfig()))
                .satisfies(e -> assertExternal(e, StandardErrorCode.STORAGE_FAILURE))
                .hasMessageContaining("failed to create volume");
        assertThat(sim.state().volumes()).hasSize((int) free);
    }

    @Test
    void anExternalEntityInAReplyIsNeverFetched() throws Exception {
        AtomicInteger fetched = new AtomicInteger();
        HttpServer bait = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bait.createContext("/", exchange -> {
            fetched.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        bait.start();
        String entity = "http://127.0.0.1:" + bait.getAddress().getPort() + "/secret";
        try (CimTestServer server = CimTestServer.http((request, exchange) -> CimTestServer.reply(exchange,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE CIM [<!ENTITY xxe SYSTEM \"" + entity + "\">"
                + "<!ENTITY file SYSTEM \"file:///etc/passwd\">]>\n"
                + "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"1\" PROTOCOLVERSION=\"1.0\"><SIMPLERSP>"
                + "<IMETHODRESPONSE NAME=\"EnumerateInstances\"><IRETURNVALUE><VALUE.NAMEDINSTANCE>"
                + "<INSTANCENAME CLASSNAME=\"X_RegisteredProfile\"><KEYBINDING NAME=\"InstanceID\">"
                + "<KEYVALUE VALUETYPE=\"string\">&xxe;&file;</KEYVALUE></KEYBINDING></INSTANCENAME>"
                + "<INSTANCE CLASSNAME=\"X_RegisteredProfile\"><PROPERTY NAME=\"RegisteredName\" TYPE=\"string\">"
                + "<VALUE>&xxe;&file;</VALUE></PROPERTY></INSTANCE></VALUE.NAMEDINSTANCE></IRETURNVALUE>"
                + "</IMETHODRESPONSE></SIMPLERSP></MESSAGE></CIM>"))) {
            Throwable failure = org.junit.jupiter.api.Assertions.assertThrows(StorageException.class,
                    () -> factory.probe(config(server.address()), host()));
            assertThat(((StorageException) failure).kind()).isEqualTo(ErrorKind.EXTERNAL);
            assertThat(failure.getMessage()).doesNotContain("root:");
        } finally {
            bait.stop(0);
        }
        assertThat(fetched).hasValue(0);
    }

    @Test
    void anEndlessReplyIsCutOffAtTheReplyLimit() throws Exception {
        byte[] instance = ("<VALUE.NAMEDINSTANCE><INSTANCENAME CLASSNAME=\"X_RegisteredProfile\"><KEYBINDING"
                + " NAME=\"InstanceID\"><KEYVALUE VALUETYPE=\"string\">x</KEYVALUE></KEYBINDING></INSTANCENAME>"
                + "<INSTANCE CLASSNAME=\"X_RegisteredProfile\"><PROPERTY NAME=\"RegisteredName\" TYPE=\"string\">"
                + "<VALUE>" + "A".repeat(4000) + "</VALUE></PROPERTY></INSTANCE></VALUE.NAMEDINSTANCE>")
                .getBytes(StandardCharsets.UTF_8);
        try (CimTestServer server = CimTestServer.https((request, exchange) -> {
            exchange.getResponseHeaders().add("Content-Type", "application/xml; charset=\"utf-8\"");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(("<?xml version=\"1.0\" encoding=\"utf-8\"?><CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">"
                        + "<MESSAGE ID=\"1\" PROTOCOLVERSION=\"1.0\"><SIMPLERSP><IMETHODRESPONSE"
                        + " NAME=\"EnumerateInstances\"><IRETURNVALUE>").getBytes(StandardCharsets.UTF_8));
                for (long sent = 0; sent < 4 * ReplyLimitedSocket.MAX_REPLY_BYTES; sent += instance.length) {
                    out.write(instance);
                }
            } catch (IOException e) {
                // the adapter hung up, as it should
            }
        }, tls)) {
            Map<String, String> config = config("https://127.0.0.1:" + server.port());
            config.put("certificate", tls.resolve("simulator-cert.pem").toString());
            config.put("timeout-seconds", "60");
            assertThatThrownBy(() -> factory.probe(config, host()))
                    .satisfies(e -> assertExternal(e, StandardErrorCode.STORAGE_FAILURE))
                    .hasMessageContaining("exceeds " + ReplyLimitedSocket.MAX_REPLY_BYTES + " bytes");
        }
    }

    @Test
    void aReturnValueOfTheWrongTypeIsAnUnrecognizedState() throws Exception {
        try (CimTestServer server = CimTestServer.http(CimTestServer.forwardingTo(sim.httpUri(), (request, reply) ->
                request.cimMethod().equals("CreateOrModifyElementFromStoragePool")
                        ? reply.replaceFirst("<RETURNVALUE PARAMTYPE=\"uint32\">", "<RETURNVALUE PARAMTYPE=\"string\">")
                        : reply))) {
            assertThatThrownBy(() -> createVdi(config(server.address())))
                    .satisfies(e -> assertExternal(e, StandardErrorCode.UNRECOGNIZED_STATE))
                    .hasMessageContaining("where a uint32 return code belongs");
        }
    }

    @Test
    void anUndefinedReturnCodeIsAnUnrecognizedState() throws Exception {
        try (CimTestServer server = CimTestServer.http(CimTestServer.forwardingTo(sim.httpUri(), (request, reply) ->
                request.cimMethod().equals("CreateOrModifyElementFromStoragePool")
                        ? reply.replaceFirst("(<RETURNVALUE PARAMTYPE=\"uint32\">\\s*<VALUE>)\\d+", "$177")
                        : reply))) {
            assertThatThrownBy(() -> createVdi(config(server.address())))
                    .satisfies(e -> assertExternal(e, StandardErrorCode.UNRECOGNIZED_STATE))
                    .hasMessageContaining("returned 77");
        }
    }

    @Test
    void anUndefinedJobStateIsAnUnrecognizedState() throws Exception {
        sim.behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(100));
        try (CimTestServer server = CimTestServer.http(CimTestServer.forwardingTo(sim.httpUri(), (request, reply) ->
                request.cimMethod().equals("GetInstance")
                        ? reply.replaceFirst("(NAME=\"JobState\"[^>]*>\\s*<VALUE>)\\d+", "$199")
                        : reply))) {
            assertThatThrownBy(() -> createVdi(config(server.address())))
                    .satisfies(e -> assertExternal(e, StandardErrorCode.UNRECOGNIZED_STATE))
                    .hasMessageContaining("JobState 99");
        }
    }
}
