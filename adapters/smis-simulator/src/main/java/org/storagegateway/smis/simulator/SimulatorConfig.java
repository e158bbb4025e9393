package org.storagegateway.smis.simulator;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to start a simulator.
 *
 * @param stateDir        where the array, its LUN files, the generated password and the TLS certificate live
 * @param bindAddress     the address to listen on (loopback by default)
 * @param httpPort        the HTTP port; 0 for any free one, negative for no HTTP
 * @param httpsPort       the HTTPS port; 0 for any free one, negative for no HTTPS
 * @param user            the user clients authenticate as
 * @param passwordFile    a file whose first line is the password; null to generate one into the state directory
 * @param capacityBytes   raw capacity of a new array (the primordial pool); ignored when the state exists
 * @param behaviour       the initial behaviour (replies, jobs, faults)
 * @param maxRequestBytes the largest request body accepted
 * @param iscsiPort       the loopback TCP port of the iSCSI targets (tgtd) that publish masked volumes; 0 for any
 *                        free one, negative for no data path (masking then changes only the CIM model, and the
 *                        target port advertises 3260)
 */
public record SimulatorConfig(Path stateDir, String bindAddress, int httpPort, int httpsPort, String user,
                              Path passwordFile, long capacityBytes, Behaviour behaviour, int maxRequestBytes,
                              int iscsiPort) {

    public static final int DEFAULT_HTTP_PORT = 5988;
    public static final int DEFAULT_HTTPS_PORT = 5989;
    public static final long DEFAULT_CAPACITY_BYTES = 1L << 40;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 4 << 20;
    public static final int DEFAULT_ISCSI_PORT = 3260;

    /** The configuration of a simulator before the iSCSI data path existed: it gets one on port 3260. */
    public SimulatorConfig(Path stateDir, String bindAddress, int httpPort, int httpsPort, String user,
                           Path passwordFile, long capacityBytes, Behaviour behaviour, int maxRequestBytes) {
        this(stateDir, bindAddress, httpPort, httpsPort, user, passwordFile, capacityBytes, behaviour,
                maxRequestBytes, DEFAULT_ISCSI_PORT);
    }

    public SimulatorConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(behaviour, "behaviour");
        if (httpPort < 0 && httpsPort < 0) {
            throw new IllegalArgumentException("at least one of HTTP and HTTPS must be enabled");
        }
        if (iscsiPort > 65535) {
            throw new IllegalArgumentException("iscsiPort must be a TCP port");
        }
        if (maxRequestBytes < 4096) {
            throw new IllegalArgumentException("maxRequestBytes must be at least 4096");
        }
    }

    /** The folder of the simulator's state under a gateway home. */
    public static final String GATEWAY_HOME_FOLDER = "smis-simulator";

    /**
     * The simulator a gateway embeds as its default array: state in {@code <gatewayHome>/smis-simulator} (password
     * generated there on the first start, never a default one), otherwise the {@link #builder} defaults.
     */
    public static Builder inGatewayHome(Path gatewayHome) {
        return new Builder(gatewayHome.resolve(GATEWAY_HOME_FOLDER));
    }

    /**
     * Defaults: loopback, ports 5988/5989, user "admin", generated password, 1 TiB, synchronous replies, iSCSI targets
     * on 3260.
     */
    public static Builder builder(Path stateDir) {
        return new Builder(stateDir);
    }

    /** Builds a {@link SimulatorConfig}. */
    public static final class Builder {
        private final Path stateDir;
        private String bindAddress = "127.0.0.1";
        private int httpPort = DEFAULT_HTTP_PORT;
        private int httpsPort = DEFAULT_HTTPS_PORT;
        private String user = "admin";
        private Path passwordFile;
        private long capacityBytes = DEFAULT_CAPACITY_BYTES;
        private Behaviour behaviour = Behaviour.defaults();
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int iscsiPort = DEFAULT_ISCSI_PORT;

        private Builder(Path stateDir) {
            this.stateDir = stateDir;
        }

        public Builder bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        public Builder httpPort(int port) {
            this.httpPort = port;
            return this;
        }

        public Builder httpsPort(int port) {
            this.httpsPort = port;
            return this;
        }

        /** Any free ports for HTTP, HTTPS and iSCSI (tests, embedding). */
        public Builder ephemeralPorts() {
            this.httpPort = 0;
            this.httpsPort = 0;
            this.iscsiPort = 0;
            return this;
        }

        /** The iSCSI targets' port: 0 for any free one, negative for no data path. */
        public Builder iscsiPort(int port) {
            this.iscsiPort = port;
            return this;
        }

        public Builder user(String name) {
            this.user = name;
            return this;
        }

        public Builder passwordFile(Path file) {
            this.passwordFile = file;
            return this;
        }

        public Builder capacityBytes(long bytes) {
            this.capacityBytes = bytes;
            return this;
        }

        public Builder behaviour(Behaviour b) {
            this.behaviour = b;
            return this;
        }

        public Builder maxRequestBytes(int bytes) {
            this.maxRequestBytes = bytes;
            return this;
        }

        public SimulatorConfig build() {
            return new SimulatorConfig(stateDir, bindAddress, httpPort, httpsPort, user, passwordFile, capacityBytes,
                    behaviour, maxRequestBytes, iscsiPort);
        }
    }
}
