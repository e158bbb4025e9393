package org.storagegateway.smis.adapter;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import org.storagegateway.smis.simulator.server.TlsMaterial;

/**
 * A CIMOM stand-in for the cases the simulator cannot play, on the JDK's HTTP server: it asks for Basic credentials
 * as SBLIM expects (401 with a challenge on the first, anonymous request), then hands every CIM-XML request to a
 * {@link Responder}, which may replay a recording, forward to the simulator and alter its reply, or misbehave.
 * Published in the test jar for the quirk bundles' tests.
 */
public final class CimTestServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final String scheme;

    /** One CIM-XML request as received: the CIMMethod header and the body. */
    public record Request(String cimMethod, String body) {
    }

    /** Answers one authenticated CIM-XML request by writing the whole HTTP reply. */
    @FunctionalInterface
    public interface Responder {
        void answer(Request request, HttpExchange exchange) throws IOException;
    }

    private CimTestServer(HttpServer server, String scheme, Responder responder) {
        this.server = server;
        this.scheme = scheme;
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
                    exchange.getRequestBody().readAllBytes();
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Request request = new Request(exchange.getRequestHeaders().getFirst("CIMMethod"), body);
                requests.add(request);
                responder.answer(request, exchange);
            } catch (IOException | RuntimeException e) {
                // the client went away, or a test responder failed on purpose; the exchange is closed
            }
        });
        server.start();
    }

    public static CimTestServer http(Responder responder) throws IOException {
        return new CimTestServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http", responder);
    }

    /** Serve HTTPS with a self-signed certificate made in {@code tlsDir} ({@link #certificateFile}). */
    public static CimTestServer https(Responder responder, Path tlsDir) throws IOException {
        TlsMaterial tls = TlsMaterial.loadOrCreate(tlsDir);
        try {
            char[] password = "test-only".toCharArray();
            KeyStore keys = tls.keyStore(password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(context));
            return new CimTestServer(server, "https", responder);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** The address to put into device-config. */
    public String address() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Every authenticated request received so far. */
    public List<Request> requests() {
        return requests;
    }

    /** Reply 200 with a CIM-XML body. */
    public static void reply(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml; charset=\"utf-8\"");
        exchange.getResponseHeaders().add("CIMOperation", "MethodResponse");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A responder that forwards to a real CIMOM and lets {@code alter} change each reply body. */
    public static Responder forwardingTo(URI cimom, ReplyAlteration alter) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return (request, exchange) -> {
            HttpRequest.Builder forward = HttpRequest.newBuilder(cimom.resolve("/cimom"))
                    .POST(HttpRequest.BodyPublishers.ofString(request.body()));
            for (String header : List.of("Authorization", "CIMOperation", "CIMMethod", "CIMObject", "Content-Type")) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    forward.header(header, value);
                }
            }
            try {
                HttpResponse<String> response = client.send(forward.build(), HttpResponse.BodyHandlers.ofString());
                reply(exchange, alter.alter(request, response.body()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        };
    }

    /** Changes a forwarded reply; return it unchanged for requests it does not target. */
    @FunctionalInterface
    public interface ReplyAlteration {
        String alter(Request request, String reply);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
