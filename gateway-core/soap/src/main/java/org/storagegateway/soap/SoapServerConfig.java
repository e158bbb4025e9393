package org.storagegateway.soap;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * How to run the SOAP endpoint: where to listen, the TLS key, the admin password and the request limits.
 *
 * <p>Build it with {@link #builder(GatewayCredentials)} from the credentials of the gateway home, or with
 * {@link #builder()} and explicit values. The admin password is kept only as a digest; {@link #toString()} shows no
 * secret.
 */
public final class SoapServerConfig {

    /** The port the gateway listens on unless told otherwise. */
    public static final int DEFAULT_PORT = 8443;
    /** The address the gateway binds unless told otherwise: every interface. */
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    /** The path of the SOAP endpoint; the WSDL is at this path with {@code ?wsdl}. */
    public static final String DEFAULT_PATH = "/storage-gateway";

    private final String bindAddress;
    private final int port;
    private final String path;
    private final Path keyStoreFile;
    private final char[] keyStorePassword;
    private final byte[] adminCredentialDigest;
    private final SoapLimits limits;
    private final long idleTimeoutMillis;

    private SoapServerConfig(Builder b) {
        this.bindAddress = Objects.requireNonNull(b.bindAddress, "bindAddress is null");
        this.port = b.port;
        this.path = b.path;
        this.keyStoreFile = Objects.requireNonNull(b.keyStoreFile, "keyStore is not set");
        this.keyStorePassword = Objects.requireNonNull(b.keyStorePassword, "keyStore is not set").clone();
        this.adminCredentialDigest = Objects.requireNonNull(b.adminCredentialDigest, "adminPassword is not set");
        this.limits = Objects.requireNonNull(b.limits, "limits is null");
        this.idleTimeoutMillis = b.idleTimeoutMillis;
    }

    /** Return a builder with the defaults and nothing secret set. */
    public static Builder builder() {
        return new Builder();
    }

    /** Return a builder with the TLS key and the admin password of {@code credentials}. */
    public static Builder builder(GatewayCredentials credentials) {
        char[] adminPassword = credentials.adminPassword();
        char[] storePassword = credentials.keyStorePassword();
        try {
            return new Builder()
                    .keyStore(credentials.keyStoreFile(), storePassword)
                    .adminPassword(adminPassword);
        } finally {
            Arrays.fill(adminPassword, '\0');
            Arrays.fill(storePassword, '\0');
        }
    }

    /** Return the address to bind: an IP address or a host name; {@code 0.0.0.0} for every interface. */
    public String bindAddress() {
        return bindAddress;
    }

    /** Return the port to listen on; 0 picks a free one ({@link SoapServer#port()} tells which). */
    public int port() {
        return port;
    }

    /** Return the path of the endpoint, such as {@code /storage-gateway}. */
    public String path() {
        return path;
    }

    /** Return the PKCS#12 key store holding the TLS key and certificate. */
    public Path keyStoreFile() {
        return keyStoreFile;
    }

    /** Return a copy of the key store password; the caller should clear it after use. */
    char[] keyStorePassword() {
        return keyStorePassword.clone();
    }

    /** Return the SHA-256 digest of {@code admin:<password>}, the only form in which the password is kept. */
    byte[] adminCredentialDigest() {
        return adminCredentialDigest.clone();
    }

    /** Return the request limits. */
    public SoapLimits limits() {
        return limits;
    }

    /** Return how long an idle connection stays open, in milliseconds. */
    public long idleTimeoutMillis() {
        return idleTimeoutMillis;
    }

    @Override
    public String toString() {
        return "SoapServerConfig[bindAddress=" + bindAddress + ", port=" + port + ", path=" + path
                + ", keyStoreFile=" + keyStoreFile + ", limits=" + limits + ", idleTimeoutMillis=" + idleTimeoutMillis
                + "]";
    }

    /** Return the digest the HTTP Basic check compares against: SHA-256 of the UTF-8 {@code user:password}. */
    static byte[] credentialDigest(String user, char[] password) {
        byte[] userBytes = (user + ":").getBytes(StandardCharsets.UTF_8);
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(userBytes);
            sha.update(encoded.duplicate());
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        } finally {
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
        }
    }

    /** Builds a {@link SoapServerConfig}. */
    public static final class Builder {
        private String bindAddress = DEFAULT_BIND_ADDRESS;
        private int port = DEFAULT_PORT;
        private String path = DEFAULT_PATH;
        private Path keyStoreFile;
        private char[] keyStorePassword;
        private byte[] adminCredentialDigest;
        private SoapLimits limits = SoapLimits.defaults();
        private long idleTimeoutMillis = 30_000;

        private Builder() {
        }

        /** Bind this address (an IP address or host name); the default {@code 0.0.0.0} binds every interface. */
        public Builder bindAddress(String address) {
            if (address == null || address.isBlank()) {
                throw new IllegalArgumentException("bindAddress is blank");
            }
            this.bindAddress = address.strip();
            return this;
        }

        /** Listen on this port, 0 for a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535: " + port);
            }
            this.port = port;
            return this;
        }

        /** Serve the endpoint at this path, such as {@code /storage-gateway}. */
        public Builder path(String path) {
            if (path == null || !path.matches("(/[A-Za-z0-9._-]+)+")) {
                throw new IllegalArgumentException("path must look like /name or /name/name: " + path);
            }
            this.path = path;
            return this;
        }

        /** Use the TLS key and certificate in this PKCS#12 file. The password is copied. */
        public Builder keyStore(Path file, char[] password) {
            this.keyStoreFile = Objects.requireNonNull(file, "file is null");
            this.keyStorePassword = Objects.requireNonNull(password, "password is null").clone();
            return this;
        }

        /** Require this password for user {@code admin}. Only a digest of it is kept. */
        public Builder adminPassword(char[] password) {
            Objects.requireNonNull(password, "password is null");
            if (password.length == 0) {
                throw new IllegalArgumentException("the admin password is empty");
            }
            this.adminCredentialDigest = credentialDigest(GatewayCredentials.ADMIN_USER, password);
            return this;
        }

        /** Enforce these request limits instead of {@link SoapLimits#defaults()}. */
        public Builder limits(SoapLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits is null");
            return this;
        }

        /** Close connections idle for this long. */
        public Builder idleTimeoutMillis(long millis) {
            if (millis <= 0) {
                throw new IllegalArgumentException("idleTimeoutMillis must be positive: " + millis);
            }
            this.idleTimeoutMillis = millis;
            return this;
        }

        /** Return the configuration. */
        public SoapServerConfig build() {
            return new SoapServerConfig(this);
        }
    }
}
