package org.storagegateway.smis.simulator.server;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Embedded Jetty (core handlers, no servlets) with an HTTP and/or an HTTPS connector. */
public final class CimServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector http;
    private final ServerConnector https;

    /**
     * @param httpPort  the HTTP port, 0 for any free one, negative for none
     * @param httpsPort the HTTPS port, 0 for any free one, negative for none
     */
    public CimServer(String bindAddress, int httpPort, int httpsPort, TlsMaterial tls, Handler handler)
            throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(48, 4);
        threads.setName("smis-simulator-http");
        threads.setDaemon(true);
        server = new Server(threads);
        server.setStopTimeout(2000);

        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        http = httpPort < 0 ? null : connector(new HttpConnectionFactory(config), bindAddress, httpPort);
        if (httpsPort >= 0) {
            char[] password = randomPassword();
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(tls.keyStore(password));
            ssl.setKeyStorePassword(new String(password));
            HttpConfiguration secure = new HttpConfiguration(config);
            // Clients reach the simulator by IP address or any name; the certificate is self-signed anyway.
            secure.addCustomizer(new SecureRequestCustomizer(false));
            https = connector(new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()), bindAddress, httpsPort,
                    new HttpConnectionFactory(secure));
        } else {
            https = null;
        }
        server.setHandler(handler);
    }

    private ServerConnector connector(ConnectionFactory first, String bindAddress, int port,
                                      ConnectionFactory... more) {
        ConnectionFactory[] factories = new ConnectionFactory[more.length + 1];
        factories[0] = first;
        System.arraycopy(more, 0, factories, 1, more.length);
        ServerConnector c = new ServerConnector(server, 1, 1, factories);
        c.setHost(bindAddress);
        c.setPort(port);
        c.setIdleTimeout(120_000);
        server.addConnector(c);
        return c;
    }

    private static char[] randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b).toCharArray();
    }

    public void start() throws IOException {
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // Reported through the start failure.
            }
            throw new IOException("cannot start the CIM-XML server: " + e.getMessage(), e);
        }
    }

    /** The bound HTTP port, or -1. */
    public int httpPort() {
        return http == null ? -1 : http.getLocalPort();
    }

    /** The bound HTTPS port, or -1. */
    public int httpsPort() {
        return https == null ? -1 : https.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the CIM-XML server", e);
        }
    }
}
