package org.storagegateway.soap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secrets of a gateway home, made on the first start and reused after: the admin password and the TLS key.
 *
 * <p>Layout under the home directory:
 * <ul>
 *   <li>{@code admin-password} (0600): the password of user {@code admin}, one line;</li>
 *   <li>{@code tls/} (0700, when created here);</li>
 *   <li>{@code tls/gateway.p12} (0600): PKCS#12 key store with the key and self-signed certificate under alias
 *       {@code gateway};</li>
 *   <li>{@code tls/keystore-password} (0600): the key store's random password, one line;</li>
 *   <li>{@code tls/gateway-cert.pem} (0644): the certificate alone, for clients to trust (a CA bundle).</li>
 * </ul>
 *
 * <p>Secret files are created with their final permissions (never readable by others, not even briefly) and written
 * to a temporary name first, then renamed, so a crash leaves either the whole file or none. There is no default
 * password: a missing password file means a new random one.
 *
 * <p>{@link #toString()} names the files but shows no secret.
 */
public final class GatewayCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayCredentials.class);

    /** The one user of the SOAP endpoint. */
    public static final String ADMIN_USER = "admin";
    /** The key store alias of the TLS key. */
    public static final String KEY_ALIAS = "gateway";

    static final String ADMIN_PASSWORD_FILE = "admin-password";
    static final String TLS_DIR = "tls";
    static final String KEY_STORE_FILE = "gateway.p12";
    static final String KEY_STORE_PASSWORD_FILE = "keystore-password";
    static final String CERTIFICATE_PEM_FILE = "gateway-cert.pem";

    /** Length of a generated admin password: 24 characters of a 56-letter alphabet, about 139 bits. */
    static final int ADMIN_PASSWORD_LENGTH = 24;
    private static final int KEY_STORE_PASSWORD_LENGTH = 32;
    /** Letters and digits without the look-alikes 0, O, 1, l and I, so a password can be typed from a screen. */
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private static final Duration RENEWAL_WARNING = Duration.ofDays(30);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path home;
    private final char[] adminPassword;
    private final boolean adminPasswordCreated;
    private final char[] keyStorePassword;
    private final X509Certificate certificate;
    private final boolean tlsCreated;

    private GatewayCredentials(Path home, char[] adminPassword, boolean adminPasswordCreated,
            char[] keyStorePassword, X509Certificate certificate, boolean tlsCreated) {
        this.home = home;
        this.adminPassword = adminPassword;
        this.adminPasswordCreated = adminPasswordCreated;
        this.keyStorePassword = keyStorePassword;
        this.certificate = certificate;
        this.tlsCreated = tlsCreated;
    }

    /**
     * Load the credentials of the gateway home, creating what is missing: the home directory, a random admin
     * password, and a TLS key store with a new self-signed certificate.
     *
     * @param home the gateway home directory
     * @return the credentials; {@link #adminPasswordCreated()} tells whether the password is new, so that the caller
     *     shows it once
     * @throws IOException if a file cannot be read or written, or the TLS files are inconsistent (a key store without
     *     its password file is not replaced, since clients may trust its certificate)
     */
    public static GatewayCredentials loadOrCreate(Path home) throws IOException {
        Objects.requireNonNull(home, "home is null");
        Path absoluteHome = home.toAbsolutePath().normalize();
        SecureFiles.createPrivateDirectories(absoluteHome);

        Path adminFile = absoluteHome.resolve(ADMIN_PASSWORD_FILE);
        boolean adminCreated = false;
        char[] admin;
        if (Files.exists(adminFile)) {
            SecureFiles.warnIfNotPrivate(adminFile);
            admin = readSecret(adminFile);
            if (admin.length == 0) {
                throw new IOException(adminFile + " is empty; delete it to have a new admin password made");
            }
        } else {
            admin = randomSecret(ADMIN_PASSWORD_LENGTH);
            writeSecret(adminFile, admin);
            adminCreated = true;
            LOG.info("Created a new admin password in {}", adminFile);
        }

        Path tlsDir = absoluteHome.resolve(TLS_DIR);
        SecureFiles.createPrivateDirectories(tlsDir);
        Path keyStoreFile = tlsDir.resolve(KEY_STORE_FILE);
        Path storePasswordFile = tlsDir.resolve(KEY_STORE_PASSWORD_FILE);
        Path pemFile = tlsDir.resolve(CERTIFICATE_PEM_FILE);
        boolean tlsCreated = false;
        char[] storePassword;
        X509Certificate certificate;
        try {
            if (Files.exists(keyStoreFile)) {
                if (!Files.exists(storePasswordFile)) {
                    throw new IOException(keyStoreFile + " exists but " + storePasswordFile + " does not; restore it,"
                            + " or delete the key store to have a new certificate made (clients must then trust the"
                            + " new " + CERTIFICATE_PEM_FILE + ")");
                }
                SecureFiles.warnIfNotPrivate(keyStoreFile);
                SecureFiles.warnIfNotPrivate(storePasswordFile);
                storePassword = readSecret(storePasswordFile);
                certificate = loadCertificate(keyStoreFile, storePassword);
            } else {
                // Password first: a crash before the key store is written leaves a state this method recovers from.
                storePassword = randomSecret(KEY_STORE_PASSWORD_LENGTH);
                writeSecret(storePasswordFile, storePassword);
                SelfSignedCertificate.Generated generated = SelfSignedCertificate.generate(RANDOM);
                SecureFiles.write(keyStoreFile, keyStoreBytes(generated, storePassword), SecureFiles.OWNER_READ_WRITE);
                certificate = generated.certificate();
                tlsCreated = true;
                Files.deleteIfExists(pemFile);
                LOG.info("Created a self-signed TLS certificate in {} for {}, 127.0.0.1 and ::1",
                        keyStoreFile, SelfSignedCertificate.dnsNames());
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot read or make the TLS key store " + keyStoreFile + ": " + e.getMessage(), e);
        }
        if (!Files.exists(pemFile) || !pemMatches(pemFile, certificate)) {
            SecureFiles.write(pemFile, SelfSignedCertificate.toPem(certificate).getBytes(StandardCharsets.US_ASCII),
                    SecureFiles.WORLD_READABLE);
        }
        warnAboutExpiry(certificate, keyStoreFile);
        return new GatewayCredentials(absoluteHome, admin, adminCreated, storePassword, certificate, tlsCreated);
    }

    /** Return the gateway home directory. */
    public Path home() {
        return home;
    }

    /** Return the user name of the SOAP endpoint, {@value #ADMIN_USER}. */
    public String adminUser() {
        return ADMIN_USER;
    }

    /** Return a copy of the admin password; clear it after use. */
    public char[] adminPassword() {
        return adminPassword.clone();
    }

    /** Return whether this call made the admin password (and the caller should show it once). */
    public boolean adminPasswordCreated() {
        return adminPasswordCreated;
    }

    /** Return the file holding the admin password. */
    public Path adminPasswordFile() {
        return home.resolve(ADMIN_PASSWORD_FILE);
    }

    /** Return the PKCS#12 key store with the TLS key under alias {@value #KEY_ALIAS}. */
    public Path keyStoreFile() {
        return home.resolve(TLS_DIR).resolve(KEY_STORE_FILE);
    }

    /** Return a copy of the key store password; clear it after use. */
    public char[] keyStorePassword() {
        return keyStorePassword.clone();
    }

    /** Return the file holding the key store password. */
    public Path keyStorePasswordFile() {
        return home.resolve(TLS_DIR).resolve(KEY_STORE_PASSWORD_FILE);
    }

    /** Return the PEM file of the certificate, for clients to trust. */
    public Path certificatePemFile() {
        return home.resolve(TLS_DIR).resolve(CERTIFICATE_PEM_FILE);
    }

    /** Return the TLS certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Return whether this call made the TLS key and certificate. */
    public boolean tlsCreated() {
        return tlsCreated;
    }

    @Override
    public String toString() {
        return "GatewayCredentials[home=" + home + ", adminPasswordCreated=" + adminPasswordCreated
                + ", tlsCreated=" + tlsCreated + ", certificate=" + certificate.getSubjectX500Principal() + "]";
    }

    private static char[] randomSecret(int length) {
        char[] secret = new char[length];
        for (int i = 0; i < length; i++) {
            secret[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return secret;
    }

    private static void writeSecret(Path file, char[] secret) throws IOException {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        byte[] bytes = new byte[encoded.remaining() + 1];
        encoded.get(bytes, 0, bytes.length - 1);
        bytes[bytes.length - 1] = '\n';
        try {
            SecureFiles.write(file, bytes, SecureFiles.OWNER_READ_WRITE);
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
        }
    }

    /** Read a one-line secret file; a trailing line break is not part of the secret. */
    private static char[] readSecret(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            int end = bytes.length;
            while (end > 0 && (bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) {
                end--;
            }
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, end));
            char[] secret = new char[chars.remaining()];
            chars.get(secret);
            if (chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
            return secret;
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static byte[] keyStoreBytes(SelfSignedCertificate.Generated generated, char[] password)
            throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(KEY_ALIAS, generated.keyPair().getPrivate(), password,
                new Certificate[] {generated.certificate()});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.store(out, password);
        return out.toByteArray();
    }

    /** Load the key store and return its certificate, checking that the key is there and readable. */
    static X509Certificate loadCertificate(Path keyStoreFile, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = new ByteArrayInputStream(Files.readAllBytes(keyStoreFile))) {
            store.load(in, password);
        }
        String alias = store.containsAlias(KEY_ALIAS) ? KEY_ALIAS
                : Collections.list(store.aliases()).stream().filter(a -> isKeyEntry(store, a)).findFirst()
                        .orElseThrow(() -> new GeneralSecurityException("no private key in " + keyStoreFile));
        Key key = store.getKey(alias, password);
        if (!(key instanceof PrivateKey) || !(store.getCertificate(alias) instanceof X509Certificate cert)) {
            throw new GeneralSecurityException("entry " + alias + " of " + keyStoreFile
                    + " is not a private key with an X.509 certificate");
        }
        return cert;
    }

    private static boolean isKeyEntry(KeyStore store, String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean pemMatches(Path pemFile, X509Certificate certificate) {
        try {
            return Files.readString(pemFile, StandardCharsets.US_ASCII).strip()
                    .equals(SelfSignedCertificate.toPem(certificate).strip());
        } catch (IOException e) {
            return false;
        }
    }

    private static void warnAboutExpiry(X509Certificate certificate, Path keyStoreFile) {
        try {
            certificate.checkValidity(Date.from(Instant.now().plus(RENEWAL_WARNING)));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            LOG.warn("The TLS certificate in {} expires on {}; delete the key store and restart to have a new one made"
                    + " (clients must then trust the new {})", keyStoreFile, certificate.getNotAfter().toInstant(),
                    CERTIFICATE_PEM_FILE);
        }
    }
}
