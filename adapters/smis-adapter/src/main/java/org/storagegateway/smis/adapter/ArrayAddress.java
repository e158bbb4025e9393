package org.storagegateway.smis.adapter;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * How to reach an array's CIMOM, read from an SR's device-config.
 *
 * @param uri {@code https://host:5989} by default; {@code http://} only when the device-config says so
 * @param user the CIMOM user
 * @param password the CIMOM password (a secret: never logged, never in a message; left out of {@link #toString})
 * @param certificate a PEM certificate to trust for HTTPS (the CIMOM's own or its CA); otherwise the JDK's CAs
 * @param timeout the longest one CIM-XML call may take, reply included
 */
record ArrayAddress(URI uri, String user, String password, Optional<Path> certificate, Duration timeout) {
    static final String ADDRESS = "address";
    static final String USER = "user";
    static final String PASSWORD = "password";
    static final String CERTIFICATE = "certificate";
    static final String TIMEOUT = "timeout-seconds";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final int DEFAULT_HTTPS_PORT = 5989;

    ArrayAddress {
        Objects.requireNonNull(uri, "uri is null");
        Objects.requireNonNull(user, "user is null");
        Objects.requireNonNull(password, "password is null");
        Objects.requireNonNull(certificate, "certificate is null");
        Objects.requireNonNull(timeout, "timeout is null");
    }

    /** Read the address from device-config and the password from the host's secret store. */
    static ArrayAddress from(Map<String, String> deviceConfig, DriverContext context) {
        String address = required(deviceConfig, ADDRESS);
        URI uri = uri(address);
        String user = required(deviceConfig, USER);
        String password = context.secret(PASSWORD).orElseThrow(() -> new StorageException(
                StandardErrorCode.INVALID_ARGUMENT, "device-config 'password' (secret) is required"));
        Optional<Path> certificate = Optional.ofNullable(deviceConfig.get(CERTIFICATE)).filter(s -> !s.isBlank())
                .map(Path::of);
        certificate.ifPresent(path -> {
            if (!path.isAbsolute() || !Files.isReadable(path)) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "device-config 'certificate' must be the absolute path of a readable PEM file: " + path);
            }
        });
        return new ArrayAddress(uri, user, password, certificate, timeout(deviceConfig.get(TIMEOUT)));
    }

    /** The identity of a connection: the same address, user, password and trust share one client. */
    String connectionKey() {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return uri + "|" + user + "|" + java.util.HexFormat.of().formatHex(digest) + "|"
                    + certificate.orElse(null) + "|" + timeout.toMillis();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK offers no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ArrayAddress[" + uri + ", user " + user + "]";
    }

    private static URI uri(String address) {
        String text = address.contains("://") ? address : "https://" + address;
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid(address);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
                || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
                || uri.getUserInfo() != null || uri.getQuery() != null) {
            throw invalid(address);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? DEFAULT_HTTPS_PORT : 5988;
        return URI.create(scheme + "://" + (uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                ? "[" + uri.getHost() + "]" : uri.getHost()) + ":" + port);
    }

    private static StorageException invalid(String address) {
        return new StorageException(StandardErrorCode.INVALID_ARGUMENT, "device-config 'address' must be host[:port]"
                + " (HTTPS, port 5989 by default) or http[s]://host[:port] without user or path: " + address);
    }

    private static Duration timeout(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_TIMEOUT;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds > 0 && seconds <= 3600) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                "device-config '" + TIMEOUT + "' must be a number of seconds from 1 to 3600: " + value);
    }

    static String required(Map<String, String> deviceConfig, String key) {
        String value = deviceConfig.get(key);
        if (value == null || value.isBlank()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "device-config '" + key + "' is required");
        }
        return value.trim();
    }
}
