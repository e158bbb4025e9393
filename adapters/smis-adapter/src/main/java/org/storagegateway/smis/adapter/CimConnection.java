package org.storagegateway.smis.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import javax.security.auth.Subject;

import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMInstance;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.wbem.CloseableIterator;
import org.sentrysoftware.wbem.javax.wbem.WBEMException;
import org.sentrysoftware.wbem.javax.wbem.client.PasswordCredential;
import org.sentrysoftware.wbem.javax.wbem.client.UserPrincipal;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClient;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientConstants;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientFactory;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * One SBLIM client to one CIMOM, configured only through the client's own properties, with a hard deadline on every
 * call: each call runs on a component-owned thread and the caller waits at most the configured timeout, so a CIMOM
 * that answers slowly, never, or byte by byte cannot hang a gateway task. Every failure, whatever the library threw,
 * leaves here as a {@link StorageException} of kind EXTERNAL whose message names the operation and never a secret.
 *
 * <p>Thread-safe; the component keeps one per array address and closes it on deactivation or after a timeout.
 */
final class CimConnection implements AutoCloseable {
    /** The most objects one enumeration may return before the reply counts as hostile. */
    static final int MAX_OBJECTS = 200_000;
    /** CIM_ERR_NOT_FOUND. */
    static final int NOT_FOUND = 6;

    private final ArrayAddress address;
    private final ExecutorService calls;
    private final WBEMClient client;
    private final Optional<Path> trustStoreFile;
    private final AtomicLong roundTrips = new AtomicLong();
    private volatile boolean broken;

    private CimConnection(ArrayAddress address, ExecutorService calls, WBEMClient client, Optional<Path> trustStore) {
        this.address = address;
        this.calls = calls;
        this.client = client;
        this.trustStoreFile = trustStore;
    }

    /** Create the client; no request is sent until the first call. */
    static CimConnection open(ArrayAddress address, ExecutorService calls) {
        Optional<Path> trustStore = Optional.empty();
        try {
            WBEMClient client = WBEMClientFactory.getClient(WBEMClientConstants.PROTOCOL_CIMXML);
            long timeoutMillis = address.timeout().toMillis();
            client.setProperty(WBEMClientConstants.PROP_TIMEOUT, Long.toString(timeoutMillis));
            client.setProperty("sblim.wbem.socketConnectTimeout", Long.toString(Math.min(timeoutMillis, 10_000)));
            client.setProperty("sblim.wbem.httpMPOST", "false");
            client.setProperty("sblim.wbem.httpConnectionRetries", "1");
            // The pull parser is SBLIM's own: it reads no DTD and resolves no entity, so an XXE in a reply is inert.
            client.setProperty("sblim.wbem.cimxmlParser", "PULL");
            if (address.uri().getScheme().equals("https")) {
                client.setProperty("sblim.wbem.sslSocketProvider", SmisTlsProvider.class.getName());
                client.setProperty("sblim.wbem.sslClientProtocol", "TLS");
                client.setProperty("sblim.wbem.sslClientPeerVerification", "true");
                TrustStore store = trustStore(address);
                trustStore = store.temporaryFile();
                client.setProperty("javax.net.ssl.trustStore", store.path().toString());
                client.setProperty("javax.net.ssl.trustStoreType", store.type());
                client.setProperty("javax.net.ssl.trustStorePassword", store.password());
            }
            Subject subject = new Subject();
            subject.getPrincipals().add(new UserPrincipal(address.user()));
            subject.getPrivateCredentials().add(new PasswordCredential(address.password()));
            client.initialize(new CIMObjectPath(address.uri().getScheme(), address.uri().getHost(),
                    Integer.toString(address.uri().getPort()), null, null, null), subject, new Locale[0]);
            return new CimConnection(address, calls, client, trustStore);
        } catch (WBEMException | RuntimeException e) {
            trustStore.ifPresent(CimConnection::deleteQuietly);
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE,
                    "Cannot set up a CIM-XML client for " + address.uri() + ": " + describe(e), e);
        }
    }

    java.net.URI uri() {
        return address.uri();
    }

    /** Whether a call timed out: the client's sockets may be stuck, so the component replaces this connection. */
    boolean isBroken() {
        return broken;
    }

    /** How many CIM-XML requests this connection sent (not counting SBLIM's unauthenticated first try). */
    long roundTrips() {
        return roundTrips.get();
    }

    List<CIMInstance> enumerateInstances(String namespace, String className, String... properties) {
        return call("EnumerateInstances " + className, () -> all(client.enumerateInstances(
                new CIMObjectPath(null, null, null, namespace, className, null), true, false, false,
                nullIfEmpty(properties))));
    }

    List<CIMInstance> associators(CIMObjectPath path, String assocClass, String resultClass, String... properties) {
        return call("Associators " + assocClass + " of " + path.getObjectName(), () -> all(client.associatorInstances(
                path, assocClass, resultClass, null, null, false, nullIfEmpty(properties))));
    }

    List<CIMObjectPath> associatorNames(CIMObjectPath path, String assocClass, String resultClass) {
        return call("AssociatorNames " + assocClass + " of " + path.getObjectName(),
                () -> all(client.associatorNames(path, assocClass, resultClass, null, null)));
    }

    List<CIMObjectPath> referenceNames(CIMObjectPath path, String resultClass) {
        return call("ReferenceNames " + resultClass + " of " + path.getObjectName(),
                () -> all(client.referenceNames(path, resultClass, null)));
    }

    List<CIMInstance> references(CIMObjectPath path, String resultClass, String... properties) {
        return call("References " + resultClass + " of " + path.getObjectName(),
                () -> all(client.referenceInstances(path, resultClass, null, false, nullIfEmpty(properties))));
    }

    /** Read one instance; empty when the CIMOM answers CIM_ERR_NOT_FOUND. */
    Optional<CIMInstance> getInstance(CIMObjectPath path, String... properties) {
        try {
            return Optional.of(call("GetInstance " + path.getObjectName(),
                    () -> client.getInstance(path, false, false, nullIfEmpty(properties))));
        } catch (StorageException e) {
            if (e.getCause() instanceof WBEMException w && w.getID() == NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The outcome of an extrinsic method: its return value and its output parameters by name. */
    record MethodResult(Object returnValue, Map<String, Object> out) {
    }

    MethodResult invoke(CIMObjectPath target, String method, CIMArgument<?>... in) {
        return call(method, () -> {
            CIMArgument<?>[] out = new CIMArgument<?>[16];
            Object rc = client.invokeMethod(target, method, in, out);
            Map<String, Object> named = new HashMap<>();
            for (CIMArgument<?> argument : out) {
                if (argument != null) {
                    named.put(argument.getName().toLowerCase(Locale.ROOT), argument.getValue());
                }
            }
            return new MethodResult(rc, named);
        });
    }

    private <T> T call(String what, Callable<T> body) {
        roundTrips.incrementAndGet();
        Future<T> future;
        try {
            future = calls.submit(body);
        } catch (RejectedExecutionException e) {
            throw new StorageException(StandardErrorCode.DRIVER_UNAVAILABLE, "The SMI-S adapter is stopping");
        }
        try {
            return future.get(address.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            broken = true;
            future.cancel(true);
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "The CIMOM at " + address.uri()
                    + " did not answer " + what + " within " + address.timeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new StorageException(StandardErrorCode.CANCELLED, "Interrupted while waiting for " + what);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StorageException storage) {
                throw storage;
            }
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE,
                    "The CIMOM at " + address.uri() + " failed " + what + ": " + describe(cause), wbemCause(cause));
        }
    }

    /** Keep a CIM error as the cause, so callers can tell NOT_FOUND apart; other library exceptions stay out. */
    private static Throwable wbemCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof WBEMException) {
                return c;
            }
        }
        return null;
    }

    /** Say what went wrong in the terms of the protocol, without the library's internals. */
    static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ReplyLimitedSocket.ReplyTooLargeException) {
                return c.getMessage();
            }
            if (c instanceof SocketTimeoutException) {
                return "no reply in time";
            }
            if (c instanceof ConnectException) {
                return "cannot connect (" + c.getMessage() + ")";
            }
            if (c instanceof javax.net.ssl.SSLException) {
                return "TLS failure (" + c.getMessage() + ")";
            }
        }
        Throwable cim = wbemCause(t);
        if (cim instanceof WBEMException w) {
            String text = w.getMessage() == null ? "" : w.getMessage();
            if (w.getID() == WBEMException.CIM_ERR_FAILED && w.getCause() != null) {
                return "CIM error " + w.getID() + " " + text + " (" + rootMessage(w.getCause()) + ")";
            }
            return "CIM error " + w.getID() + (text.isEmpty() ? "" : " " + text);
        }
        return "malformed or unexpected reply (" + rootMessage(t) + ")";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? "" : ": " + root.getMessage();
        return root.getClass().getSimpleName() + (text.length() > 200 ? text.substring(0, 200) + "…" : text);
    }

    private static <T> List<T> all(CloseableIterator<T> iterator) {
        List<T> items = new ArrayList<>();
        try {
            while (iterator.hasNext()) {
                if (items.size() == MAX_OBJECTS) {
                    throw new IOException("the reply holds more than " + MAX_OBJECTS + " objects");
                }
                items.add(iterator.next());
            }
            WBEMException deferred = iterator.getWBEMException();
            if (deferred != null) {
                throw deferred;
            }
            return items;
        } catch (IOException | WBEMException e) {
            throw new IllegalStateException(e);
        } finally {
            iterator.close();
        }
    }

    private static String[] nullIfEmpty(String[] properties) {
        return properties == null || properties.length == 0 ? null : properties;
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (RuntimeException e) {
            // closing a client whose sockets are stuck may fail; nothing is left to release
        } finally {
            trustStoreFile.ifPresent(CimConnection::deleteQuietly);
        }
    }

    /** The truststore SBLIM reads: a private PKCS12 file for a configured certificate, else the JDK's CAs. */
    private record TrustStore(Path path, String type, String password, Optional<Path> temporaryFile) {
    }

    private static TrustStore trustStore(ArrayAddress address) {
        if (address.certificate().isEmpty()) {
            Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
            return new TrustStore(cacerts, KeyStore.getDefaultType(), "changeit", Optional.empty());
        }
        Path pem = address.certificate().get();
        Path file = null;
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("cimom-" + n++, certificate);
            }
            if (n == 0) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "device-config 'certificate' holds no certificate: " + pem);
            }
            byte[] secret = new byte[16];
            new SecureRandom().nextBytes(secret);
            String password = HexFormat.of().formatHex(secret);
            file = Files.createTempFile("smis-truststore-", ".p12",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return new TrustStore(file, "PKCS12", password, Optional.of(file));
        } catch (IOException | GeneralSecurityException e) {
            if (file != null) {
                deleteQuietly(file);
            }
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                    "device-config 'certificate' is not a readable PEM certificate: " + pem + " (" + e.getMessage() + ")");
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file in the temp directory; the OS cleans it
        }
    }
}
