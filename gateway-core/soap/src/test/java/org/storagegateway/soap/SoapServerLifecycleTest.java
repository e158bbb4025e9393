package org.storagegateway.soap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.engine.model.StorageRepositoryRecord;

/** Starting and stopping servers: ports, bind addresses, key store errors, and the body size limit on its own. */
class SoapServerLifecycleTest {

    @TempDir
    static Path home;

    static GatewayCredentials credentials;
    static HttpClient http;

    @BeforeAll
    static void credentials() throws Exception {
        credentials = GatewayCredentials.loadOrCreate(home);
        http = TestSupport.httpClient(credentials);
    }

    static int wsdlStatus(int port) throws Exception {
        return TestSupport.get(http, URI.create("https://127.0.0.1:" + port + "/storage-gateway?wsdl"),
                TestSupport.adminAuth(credentials)).statusCode();
    }

    @Test
    void twoServersOnPortZeroGetTheirOwnPortsAndCloseReleasesThem() throws Exception {
        int firstPort;
        try (SoapServer first = TestSupport.start(credentials, new FakeGatewayOperations(), SoapLimits.defaults());
                SoapServer second = TestSupport.start(credentials, new FakeGatewayOperations(),
                        SoapLimits.defaults())) {
            firstPort = first.port();
            assertThat(first.port()).isPositive().isNotEqualTo(second.port());
            assertThat(first.isRunning()).isTrue();
            assertThat(first.address()).hasToString("https://127.0.0.1:" + first.port() + "/storage-gateway");
            assertThat(wsdlStatus(first.port())).isEqualTo(200);
            assertThat(wsdlStatus(second.port())).isEqualTo(200);

            second.close();
            assertThat(second.isRunning()).isFalse();
            assertThat(wsdlStatus(first.port())).as("closing one server leaves the other serving").isEqualTo(200);
            second.close(); // again: nothing happens
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), firstPort));
            assertThat(socket.isBound()).isTrue();
        }
    }

    @Test
    void aFixedPortIsUsedAndCanBeReusedAfterClose() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        SoapServerConfig config = SoapServerConfig.builder(credentials).bindAddress("127.0.0.1").port(port).build();
        try (SoapServer server = SoapServer.start(config, new FakeGatewayOperations())) {
            assertThat(server.port()).isEqualTo(port);
            assertThat(wsdlStatus(port)).isEqualTo(200);
        }
        try (SoapServer again = SoapServer.start(config, new FakeGatewayOperations())) {
            assertThat(wsdlStatus(port)).isEqualTo(200);
        }
    }

    @Test
    void aPortInUseIsAnIOException() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SoapServerConfig config = SoapServerConfig.builder(credentials).bindAddress("127.0.0.1")
                    .port(taken.getLocalPort()).build();
            assertThatThrownBy(() -> SoapServer.start(config, new FakeGatewayOperations()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(Integer.toString(taken.getLocalPort()));
        }
        // The failed start left nothing behind that blocks the next one.
        try (SoapServer server = TestSupport.start(credentials, new FakeGatewayOperations(), SoapLimits.defaults())) {
            assertThat(wsdlStatus(server.port())).isEqualTo(200);
        }
    }

    @Test
    void theDefaultBindAddressServesTheLoopbackToo() throws Exception {
        SoapServerConfig config = SoapServerConfig.builder(credentials).port(0).build();
        assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
        try (SoapServer server = SoapServer.start(config, new FakeGatewayOperations())) {
            assertThat(wsdlStatus(server.port())).isEqualTo(200);
        }
    }

    @Test
    void aWrongKeyStorePasswordIsAnIOException() {
        SoapServerConfig config = SoapServerConfig.builder()
                .keyStore(credentials.keyStoreFile(), "wrong".toCharArray())
                .adminPassword("x".toCharArray())
                .bindAddress("127.0.0.1").port(0).build();
        assertThatThrownBy(() -> SoapServer.start(config, new FakeGatewayOperations()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("key store");
    }

    @Test
    void theConfigNeedsAKeyStoreAndAPasswordAndShowsNoSecret() {
        assertThatThrownBy(() -> SoapServerConfig.builder().build()).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SoapServerConfig.builder().adminPassword(new char[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SoapServerConfig.builder().port(70000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SoapServerConfig.builder().path("no-slash"))
                .isInstanceOf(IllegalArgumentException.class);
        SoapServerConfig config = SoapServerConfig.builder(credentials).build();
        assertThat(config.port()).isEqualTo(8443);
        assertThat(config.toString()).doesNotContain(new String(credentials.adminPassword()))
                .doesNotContain(new String(credentials.keyStorePassword()));
    }

    @Test
    void theDocumentCharacterLimitIsEnforced() throws Exception {
        SoapLimits limits = new SoapLimits(10_000_000, 64 * 1024, 32, 1024, 10_000, 32, 4096, 10_000_000);
        FakeGatewayOperations operations = new FakeGatewayOperations();
        try (SoapServer server = TestSupport.start(credentials, operations, limits)) {
            String xml = TestSupport.envelope("<sg:listDrivers/>").replace("<soap:Body>",
                    "<soap:Header><sg:h>" + "c".repeat(100_000) + "</sg:h></soap:Header><soap:Body>");
            HttpResponse<String> response = TestSupport.post(http, TestSupport.endpoint(server),
                    TestSupport.adminAuth(credentials), xml);
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).contains("<faultcode>soap:Client</faultcode>").contains("INVALID_ARGUMENT")
                    .containsIgnoringCase("limit");
        }
    }

    @Test
    void theBodyLimitCutsOffARequestOfUnknownLength() throws Exception {
        SoapLimits limits = new SoapLimits(16 * 1024, 10_000_000, 32, 1024, 10_000, 32, 4096, 10_000_000);
        FakeGatewayOperations operations = new FakeGatewayOperations();
        StorageRepositoryRecord sr = operations.addSr("limits");
        try (SoapServer server = TestSupport.start(credentials, operations, limits)) {
            URI endpoint = TestSupport.endpoint(server);
            String small = TestSupport.envelope("<sg:createVirtualDisk><sg:srUuid>" + sr.uuid() + "</sg:srUuid>"
                    + "<sg:nameLabel>small</sg:nameLabel><sg:virtualSizeBytes>1</sg:virtualSizeBytes>"
                    + "</sg:createVirtualDisk>");
            String big = small.replace("<soap:Body>", "<soap:Body><!--" + "p".repeat(100_000) + "-->");

            // With a Content-Length: refused before the body is read.
            assertThat(TestSupport.headOnlyPost(credentials, server, big.length())).startsWith("HTTP/1.1 413 ");

            // Chunked: cut off once the limit is passed.
            byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
            HttpRequest chunked = HttpRequest.newBuilder(endpoint)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "text/xml; charset=UTF-8")
                    .header("Authorization", TestSupport.adminAuth(credentials))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                    .build();
            HttpResponse<String> cut = http.send(chunked, HttpResponse.BodyHandlers.ofString());
            assertThat(cut.statusCode()).isEqualTo(500);
            assertThat(cut.body()).contains("<faultcode>soap:Client</faultcode>")
                    .contains("The request body is larger than 16384 bytes")
                    .contains("INVALID_ARGUMENT");

            // A request within the limit still works.
            assertThat(TestSupport.post(http, endpoint, TestSupport.adminAuth(credentials), small).statusCode())
                    .isEqualTo(200);
            assertThat(operations.listVirtualDisks(sr.uuid())).extracting(v -> v.nameLabel())
                    .containsExactly("small");
        }
    }
}
