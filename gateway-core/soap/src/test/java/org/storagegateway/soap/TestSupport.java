package org.storagegateway.soap;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Raw HTTP helpers for the SOAP tests: a client trusting the gateway's own certificate, envelopes, headers. */
final class TestSupport {

    private TestSupport() {
    }

    /** Return an SSL context that trusts only the gateway certificate of {@code credentials}. */
    static SSLContext trusting(GatewayCredentials credentials) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("gateway", credentials.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    static HttpClient httpClient(GatewayCredentials credentials) throws GeneralSecurityException, IOException {
        return HttpClient.newBuilder()
                .sslContext(trusting(credentials))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String adminAuth(GatewayCredentials credentials) {
        return basic("admin", new String(credentials.adminPassword()));
    }

    /** Return the endpoint URI on the loopback address. */
    static URI endpoint(SoapServer server) {
        return URI.create("https://127.0.0.1:" + server.port() + SoapServerConfig.DEFAULT_PATH);
    }

    static String envelope(String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\""
                + " xmlns:sg=\"urn:storagegateway:1\"><soap:Body>" + body + "</soap:Body></soap:Envelope>";
    }

    static HttpResponse<String> post(HttpClient client, URI uri, String authorization, String xml)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/xml; charset=UTF-8")
                .header("SOAPAction", "\"\"")
                .POST(HttpRequest.BodyPublishers.ofString(xml, StandardCharsets.UTF_8));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> get(HttpClient client, URI uri, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * Send only the head of a POST that announces a {@code Content-Length} of {@code declaredLength} bytes (without
     * sending them), and return the response head: what a server that judges a request by its length answers.
     */
    static String headOnlyPost(GatewayCredentials credentials, SoapServer server, long declaredLength)
            throws GeneralSecurityException, IOException {
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) trusting(credentials).getSocketFactory()
                .createSocket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            String head = "POST " + SoapServerConfig.DEFAULT_PATH + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + server.port() + "\r\n"
                    + "Authorization: " + adminAuth(credentials) + "\r\n"
                    + "Content-Type: text/xml; charset=UTF-8\r\n"
                    + "Content-Length: " + declaredLength + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.ByteArrayOutputStream response = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = socket.getInputStream().read(buffer)) > 0; ) {
                    response.write(buffer, 0, n);
                    if (response.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // return what came
            }
            return response.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Start a server for {@code operations} with the credentials of {@code home}, on a free loopback port. */
    static SoapServer start(GatewayCredentials credentials, FakeGatewayOperations operations, SoapLimits limits)
            throws IOException {
        return SoapServer.start(SoapServerConfig.builder(credentials).bindAddress("127.0.0.1").port(0)
                .limits(limits).build(), operations);
    }

    static GatewayCredentials credentials(Path home) throws IOException {
        return GatewayCredentials.loadOrCreate(home);
    }
}
