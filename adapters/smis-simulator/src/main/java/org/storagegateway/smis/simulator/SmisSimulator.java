package org.storagegateway.smis.simulator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.array.ArrayModel;
import org.storagegateway.smis.simulator.array.ArrayState;
import org.storagegateway.smis.simulator.array.IscsiPortal;
import org.storagegateway.smis.simulator.array.TgtdExports;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.smis.simulator.ops.CimOperations;
import org.storagegateway.smis.simulator.server.CimHttpHandler;
import org.storagegateway.smis.simulator.server.CimServer;
import org.storagegateway.smis.simulator.server.Credentials;
import org.storagegateway.smis.simulator.server.TlsMaterial;

/**
 * A running SMI-S array simulator: a CIM-XML server over HTTP and HTTPS in front of a simulated block array whose
 * state lives in a directory. Start one with {@link #start}, stop it with {@link #close}; a later start on the same
 * state directory finds the same array, volumes, jobs, password and certificate.
 *
 * <pre>{@code
 * try (SmisSimulator sim = SmisSimulator.start(SimulatorConfig.builder(dir).ephemeralPorts().build())) {
 *     URI uri = sim.httpUri();   // http://127.0.0.1:<port>, user sim.user(), password sim.password()
 * }
 * }</pre>
 */
public final class SmisSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmisSimulator.class);

    /** The interop namespace (also served as {@code root/interop}). */
    public static final String INTEROP_NAMESPACE = Names.INTEROP;
    /** The namespace of the array's own objects. */
    public static final String ARRAY_NAMESPACE = Names.ARRAY_NAMESPACE;

    private final SimulatorConfig config;
    private final BehaviourControl behaviour;
    private final ArrayModel array;
    private final Credentials credentials;
    private final TlsMaterial tls;
    private final CimServer server;
    private final RequestStatistics statistics;

    private SmisSimulator(SimulatorConfig config, BehaviourControl behaviour, ArrayModel array,
                          Credentials credentials, TlsMaterial tls, CimServer server, RequestStatistics statistics) {
        this.statistics = statistics;
        this.config = config;
        this.behaviour = behaviour;
        this.array = array;
        this.credentials = credentials;
        this.tls = tls;
        this.server = server;
    }

    /** Open (or create) the array in the state directory and start serving it. */
    public static SmisSimulator start(SimulatorConfig config) throws IOException {
        Path stateDir = config.stateDir().toAbsolutePath();
        Files.createDirectories(stateDir);
        BehaviourControl behaviour = new BehaviourControl(config.behaviour());
        Credentials credentials = Credentials.resolve(config.user(), config.passwordFile(), stateDir);
        TlsMaterial tls = config.httpsPort() >= 0 ? TlsMaterial.loadOrCreate(stateDir.resolve("tls")) : null;
        ArrayModel array = ArrayModel.open(stateDir, config.capacityBytes(), behaviour, System::currentTimeMillis);
        array.portal(IscsiPortal.loopback(config.iscsiPort() > 0 ? config.iscsiPort()
                : config.iscsiPort() == 0 ? freeLoopbackPort() : SimulatorConfig.DEFAULT_ISCSI_PORT));
        if (config.iscsiPort() >= 0) {
            // Publishes the views kept in the state again (after a restart); tgtd starts with the first view.
            array.exports(new TgtdExports(stateDir, array.portal()));
        }
        RequestStatistics statistics = new RequestStatistics();
        CimServer server = null;
        try {
            CimHttpHandler handler = new CimHttpHandler(new CimOperations(array), credentials, behaviour,
                    config.maxRequestBytes(), statistics);
            server = new CimServer(config.bindAddress(), config.httpPort(), config.httpsPort(), tls, handler);
            server.start();
        } catch (IOException | RuntimeException e) {
            array.close();
            throw e;
        }
        SmisSimulator sim = new SmisSimulator(config, behaviour, array, credentials, tls, server, statistics);
        LOG.info("SMI-S simulator for {} listening on{}{} (user {}, password in {})", array.state().systemName(),
                sim.httpPort() >= 0 ? " http://" + config.bindAddress() + ":" + sim.httpPort() : "",
                sim.httpsPort() >= 0 ? " https://" + config.bindAddress() + ":" + sim.httpsPort() : "",
                credentials.user(), credentials.passwordFile());
        return sim;
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The TCP port the array's iSCSI target port advertises (on 127.0.0.1). */
    public int iscsiPort() {
        return array.portal().port();
    }

    /** The base iSCSI name of the array's targets; a masking view's target is {@code <base>:spc-<n>}. */
    public String targetIqn() {
        return array.state().targetIqn();
    }

    /** The bound HTTP port, or -1 when HTTP is off. */
    public int httpPort() {
        return server.httpPort();
    }

    /** The bound HTTPS port, or -1 when HTTPS is off. */
    public int httpsPort() {
        return server.httpsPort();
    }

    public URI httpUri() {
        return URI.create("http://" + hostForUri() + ":" + httpPort());
    }

    public URI httpsUri() {
        return URI.create("https://" + hostForUri() + ":" + httpsPort());
    }

    private String hostForUri() {
        String host = config.bindAddress();
        if (host.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        return host.contains(":") ? "[" + host + "]" : host;
    }

    public String user() {
        return credentials.user();
    }

    /** The password clients use (a secret: do not log it). */
    public String password() {
        return credentials.password();
    }

    /** Where the password is kept. */
    public Path passwordFile() {
        return credentials.passwordFile();
    }

    /** The self-signed HTTPS certificate (PEM), or null when HTTPS is off. */
    public Path certificateFile() {
        return tls == null ? null : tls.certificateFile();
    }

    public Path stateDir() {
        return config.stateDir().toAbsolutePath();
    }

    /** The Name of the array's CIM_ComputerSystem. */
    public String systemName() {
        return array.state().systemName();
    }

    /** The array's current state: pools, volumes and jobs (an immutable snapshot). */
    public ArrayState state() {
        return array.state();
    }

    /** The sparse file behind a volume. */
    public Path lunFile(String deviceId) {
        return stateDir().resolve("luns").resolve(deviceId + ".lun");
    }

    /** Counts of the requests received since the start. */
    public RequestStatistics statistics() {
        return statistics;
    }

    public Behaviour behaviour() {
        return behaviour.get();
    }

    /** Change the behaviour of the running simulator; counted faults start counting again. */
    public void behaviour(Behaviour next) {
        behaviour.set(next);
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            array.close();
            LOG.info("SMI-S simulator for {} stopped", array.state().systemName());
        }
    }
}
