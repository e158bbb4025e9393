package org.storagegateway.soap;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import javax.net.ssl.KeyManagerFactory;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLInputFactory;

import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.apache.cxf.configuration.jsse.TLSServerParameters;
import org.apache.cxf.configuration.security.ClientAuthentication;
import org.apache.cxf.endpoint.Server;
import org.apache.cxf.jaxws.JaxWsServerFactoryBean;
import org.apache.cxf.logging.FaultListener;
import org.apache.cxf.message.Message;
import org.apache.cxf.staxutils.StaxUtils;
import org.apache.cxf.transport.http_jetty.JettyHTTPServerEngine;
import org.apache.cxf.transport.http_jetty.JettyHTTPServerEngineFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.GatewayOperations;
import org.storagegateway.engine.vm.VirtualMachineOperations;
import org.storagegateway.soap.contract.StorageGateway;

/**
 * The running SOAP endpoint: CXF (JAX-WS, WSDL first) on CXF's Jetty engine, HTTPS only.
 *
 * <pre>{@code
 * GatewayCredentials credentials = GatewayCredentials.loadOrCreate(home);
 * try (SoapServer server = SoapServer.start(SoapServerConfig.builder(credentials).port(8443).build(), operations)) {
 *     ... server.address() ...
 * }
 * }</pre>
 *
 * <p>What every request goes through, in order:
 * <ol>
 *   <li>TLS 1.2 or 1.3 with the key of the configured PKCS#12 store (no client certificates);</li>
 *   <li>{@link AuthenticationGate}: HTTP Basic for user {@code admin}, else HTTP 401; a declared body over the limit
 *       gets HTTP 413;</li>
 *   <li>CXF: the body stream is cut off at the size limit, Woodstox enforces the XML limits and refuses DTDs, the
 *       request is validated against the contract's schema, and only then does the operation run;</li>
 *   <li>faults get their typed detail and never a stack trace ({@link FaultHandling}).</li>
 * </ol>
 *
 * <p>Port 0: CXF keys its Jetty engines by port in a JVM-wide table, so it cannot serve on port 0 itself. For port 0
 * this class asks the OS for a free port (binding port 0 and releasing it) and starts on that one; should another
 * process take the port in between, it tries a new one, up to {@value #PORT_ATTEMPTS} times. {@link #port()} returns
 * the bound port.
 */
public final class SoapServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SoapServer.class);

    /** The contract's target namespace. */
    public static final String NAMESPACE = "urn:storagegateway:1";
    static final String SERVICE_LOCAL_NAME = "StorageGatewayService";
    static final String PORT_LOCAL_NAME = "StorageGatewayPort";
    /** Where the contract is on the class path (copied from docs/contract at build time). */
    static final String WSDL_LOCATION = "classpath:META-INF/wsdl/storage-gateway.wsdl";

    private static final int PORT_ATTEMPTS = 10;
    private static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final List<String> REFUSED_PROTOCOLS = List.of("SSLv2Hello", "SSLv3", "TLSv1", "TLSv1.1");

    private final Bus bus;
    private final Server server;
    private final JettyHTTPServerEngine engine;
    private final int port;
    private final URI address;
    private boolean closed;

    private SoapServer(Bus bus, Server server, JettyHTTPServerEngine engine, int port, URI address) {
        this.bus = bus;
        this.server = server;
        this.engine = engine;
        this.port = port;
        this.address = address;
    }

    /**
     * Start serving {@code operations} as configured, and return once the server accepts connections.
     *
     * @throws IOException if the key store cannot be read or the port cannot be bound
     */
    public static SoapServer start(SoapServerConfig config, GatewayOperations operations) throws IOException {
        return start(config, operations, Optional.empty());
    }

    /**
     * Start serving {@code operations} and, when given, the VM operations of the hypervisor bridge; without them the
     * VM, VBD and migrate operations answer UnsupportedFault.
     */
    public static SoapServer start(SoapServerConfig config, GatewayOperations operations,
            Optional<VirtualMachineOperations> virtualMachines) throws IOException {
        Objects.requireNonNull(config, "config is null");
        Objects.requireNonNull(virtualMachines, "virtualMachines is null");
        Objects.requireNonNull(operations, "operations is null");
        TLSServerParameters tls = tlsParameters(config);
        // A bus of its own: its properties and Jetty engine belong to this server alone. Creating it makes it the
        // calling thread's default bus as a side effect, which is undone here.
        Bus previousThreadBus = BusFactory.getThreadDefaultBus(false);
        Bus bus = BusFactory.newInstance().createBus();
        BusFactory.setThreadDefaultBus(previousThreadBus);
        try {
            IOException lastBindFailure = null;
            for (int attempt = 1; attempt <= (config.port() == 0 ? PORT_ATTEMPTS : 1); attempt++) {
                int port = config.port() == 0 ? freePort(config.bindAddress()) : config.port();
                try {
                    SoapServer started = startOn(bus, config, tls, operations, virtualMachines, port);
                    LOG.info("SOAP endpoint listening on {} (WSDL at {}?wsdl)", started.address, started.address);
                    return started;
                } catch (RuntimeException e) {
                    if (!isBindFailure(e)) {
                        throw e;
                    }
                    lastBindFailure = new IOException("Cannot listen on " + config.bindAddress() + ":" + port
                            + ": " + rootMessage(e), e);
                    if (config.port() != 0) {
                        throw lastBindFailure;
                    }
                    LOG.debug("Port {} was taken before the server could bind it; trying another", port);
                }
            }
            throw lastBindFailure;
        } catch (IOException | RuntimeException | Error e) {
            bus.shutdown(true);
            throw e;
        }
    }

    private static SoapServer startOn(Bus bus, SoapServerConfig config, TLSServerParameters tls,
            GatewayOperations operations, Optional<VirtualMachineOperations> virtualMachines, int port)
            throws IOException {
        JettyHTTPServerEngineFactory factory = bus.getExtension(JettyHTTPServerEngineFactory.class);
        if (factory == null) {
            factory = new JettyHTTPServerEngineFactory(bus);
        }
        JettyHTTPServerEngine existing = factory.retrieveJettyHTTPServerEngine(port);
        if (existing != null && existing.getServer() != null) {
            throw new IOException("Port " + port + " is already served by another endpoint in this JVM");
        }
        try {
            return startEngineAndEndpoint(bus, factory, config, tls, operations, virtualMachines, port);
        } catch (IOException | RuntimeException e) {
            // Only this server uses the engine of this port (checked above): release it for the next attempt.
            JettyHTTPServerEngineFactory.destroyForPort(port);
            throw e;
        }
    }

    private static SoapServer startEngineAndEndpoint(Bus bus, JettyHTTPServerEngineFactory factory,
            SoapServerConfig config, TLSServerParameters tls, GatewayOperations operations,
            Optional<VirtualMachineOperations> virtualMachines, int port)
            throws IOException {
        JettyHTTPServerEngine engine;
        try {
            factory.setTLSServerParametersForPort(config.bindAddress(), port, tls);
            engine = factory.createJettyHTTPServerEngine(config.bindAddress(), port, "https");
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot configure TLS: " + e.getMessage(), e);
        }
        engine.setSendServerVersion(false);
        engine.setMaxIdleTime((int) Math.min(Integer.MAX_VALUE, config.idleTimeoutMillis()));
        engine.setSessionSupport(false);
        // Handlers given here come before CXF's context in the server's handler sequence.
        engine.setHandlers(List.<Handler>of(
                new AuthenticationGate(config.adminCredentialDigest(), config.limits().maxRequestBytes())));

        String host = config.bindAddress().contains(":") ? "[" + config.bindAddress() + "]" : config.bindAddress();
        URI address = URI.create("https://" + host + ":" + port + config.path());

        JaxWsServerFactoryBean factoryBean = new JaxWsServerFactoryBean();
        factoryBean.setBus(bus);
        factoryBean.setServiceClass(StorageGateway.class);
        factoryBean.setServiceBean(new StorageGatewayEndpoint(operations, virtualMachines));
        factoryBean.setWsdlLocation(WSDL_LOCATION);
        factoryBean.setServiceName(new QName(NAMESPACE, SERVICE_LOCAL_NAME));
        factoryBean.setEndpointName(new QName(NAMESPACE, PORT_LOCAL_NAME));
        factoryBean.setAddress(address.toString());
        factoryBean.setProperties(endpointProperties(config.limits()));
        factoryBean.getInInterceptors().add(new RequestGuards.BodySizeLimit(config.limits().maxRequestBytes()));
        factoryBean.getInInterceptors().add(new RequestGuards.DtdRefusal());
        factoryBean.getInInterceptors().add(new RequestGuards.InvocationMarker());
        factoryBean.getOutFaultInterceptors().add(new FaultHandling.Shaper());
        Server server = factoryBean.create();
        try {
            int bound = localPort(engine);
            if (bound != port) {
                throw new IllegalStateException("Jetty bound port " + bound + " instead of " + port);
            }
            return new SoapServer(bus, server, engine, port, address);
        } catch (RuntimeException e) {
            server.destroy();
            throw e;
        }
    }

    /** Return the endpoint properties: validation, fault hygiene and the XML limits. */
    private static Map<String, Object> endpointProperties(SoapLimits limits) {
        Map<String, Object> p = new HashMap<>();
        // Woodstox applies some limits (the attribute count) only when set on the factory, not on a reader that
        // exists already, which is where CXF's per-message properties below go. So the endpoint parses with a
        // factory of its own, made by CXF's secure recipe (no DTDs, no external entities) and given every limit.
        p.put(XMLInputFactory.class.getName(), inputFactory(limits));
        p.put(Message.THREAD_SAFE_STAX_FACTORIES, Boolean.TRUE);
        p.put(Message.SCHEMA_VALIDATION_ENABLED, "IN");
        p.put(Message.FAULT_STACKTRACE_ENABLED, Boolean.FALSE);
        p.put(Message.EXCEPTION_MESSAGE_CAUSE_ENABLED, Boolean.FALSE);
        p.put(FaultListener.class.getName(), new FaultHandling.Listener());
        p.put(StaxUtils.MAX_CHILD_ELEMENTS, limits.maxChildElements());
        p.put(StaxUtils.MAX_ELEMENT_DEPTH, limits.maxElementDepth());
        p.put(StaxUtils.MAX_ATTRIBUTE_COUNT, limits.maxAttributeCount());
        p.put(StaxUtils.MAX_ATTRIBUTE_SIZE, limits.maxAttributeSize());
        p.put(StaxUtils.MAX_TEXT_LENGTH, limits.maxTextLength());
        p.put(StaxUtils.MAX_ELEMENT_COUNT, limits.maxElementCount());
        p.put(StaxUtils.MAX_XML_CHARACTERS, limits.maxXmlCharacters());
        return p;
    }

    private static XMLInputFactory inputFactory(SoapLimits limits) {
        XMLInputFactory factory = StaxUtils.createXMLInputFactory(true);
        Map<String, Object> woodstox = Map.of(
                "com.ctc.wstx.maxAttributesPerElement", limits.maxAttributeCount(),
                "com.ctc.wstx.maxAttributeSize", limits.maxAttributeSize(),
                "com.ctc.wstx.maxChildrenPerElement", limits.maxChildElements(),
                "com.ctc.wstx.maxElementCount", limits.maxElementCount(),
                "com.ctc.wstx.maxElementDepth", limits.maxElementDepth(),
                "com.ctc.wstx.maxCharacters", limits.maxXmlCharacters(),
                "com.ctc.wstx.maxTextLength", limits.maxTextLength());
        woodstox.forEach((name, value) -> {
            if (!factory.isPropertySupported(name)) {
                throw new IllegalStateException("The XML parser " + factory.getClass().getName()
                        + " cannot enforce " + name + "; Woodstox is required");
            }
            factory.setProperty(name, value);
        });
        if (Boolean.TRUE.equals(factory.getProperty(XMLInputFactory.SUPPORT_DTD))
                || Boolean.TRUE.equals(factory.getProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES))) {
            throw new IllegalStateException("The XML parser factory allows DTDs or external entities");
        }
        return factory;
    }

    private static TLSServerParameters tlsParameters(SoapServerConfig config) throws IOException {
        char[] password = config.keyStorePassword();
        try (InputStream in = Files.newInputStream(config.keyStoreFile())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            TLSServerParameters tls = new TLSServerParameters();
            tls.setKeyManagers(kmf.getKeyManagers());
            tls.setSecureSocketProtocol("TLS");
            tls.setIncludeProtocols(TLS_PROTOCOLS);
            tls.setExcludeProtocols(REFUSED_PROTOCOLS);
            ClientAuthentication clientAuth = new ClientAuthentication();
            clientAuth.setWant(false);
            clientAuth.setRequired(false);
            tls.setClientAuthentication(clientAuth);
            // The certificate is self-signed for a few names; clients reaching the gateway under another name
            // (and trusting the certificate anyway) must not get HTTP 400 for it.
            tls.setSniHostCheck(false);
            return tls;
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("Cannot read the TLS key store " + config.keyStoreFile() + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** Return a port that is free on {@code bindAddress} now. */
    private static int freePort(String bindAddress) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
            return socket.getLocalPort();
        }
    }

    private static int localPort(JettyHTTPServerEngine engine) {
        if (engine.getConnector() instanceof ServerConnector connector) {
            return connector.getLocalPort();
        }
        throw new IllegalStateException("unexpected Jetty connector " + engine.getConnector());
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** Return the port the server listens on (the chosen one, for port 0). */
    public int port() {
        return port;
    }

    /** Return the endpoint address, such as {@code https://0.0.0.0:8443/storage-gateway}. */
    public URI address() {
        return address;
    }

    /** Return whether the server is serving (started and not closed). */
    public synchronized boolean isRunning() {
        return !closed && engine.getServer() != null && engine.getServer().isRunning();
    }

    /** Stop serving and release the port. Calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.destroy();
        } catch (RuntimeException e) {
            LOG.warn("Stopping the SOAP endpoint failed", e);
        }
        JettyHTTPServerEngineFactory.destroyForPort(port);
        bus.shutdown(true);
        LOG.info("SOAP endpoint on port {} stopped", port);
    }

    @Override
    public String toString() {
        return "SoapServer[" + address + (closed ? ", closed" : "") + "]";
    }
}
