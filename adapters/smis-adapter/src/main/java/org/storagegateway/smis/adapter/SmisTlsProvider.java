package org.storagegateway.smis.adapter;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.List;
import java.util.Map;

import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;

/**
 * The TLS provider the embedded SBLIM client is told to use, per client, through its {@code sblim.wbem.sslSocketProvider}
 * property. SBLIM instantiates the provider class it is given by name; by default that is the JDK's internal
 * {@code sun.security.ssl.SunJSSE}, which a modular JDK refuses without {@code --add-exports}. This public class
 * replaces it with two services SBLIM asks of that provider: an SSLContext that delegates to the JDK's standard TLS
 * and bounds every reply (see {@link ReplyLimitedSocket}), and the JDK's PKIX TrustManagerFactory, through which SBLIM
 * loads the truststore the adapter configured.
 *
 * <p>It carries the name of the JDK's registered provider on purpose: SBLIM registers the provider JVM-wide when no
 * provider of that name exists, and this way it never does. Nothing else looks the provider up by name.
 */
public final class SmisTlsProvider extends Provider {
    private static final long serialVersionUID = 1L;
    /** The name of the provider SBLIM would otherwise register globally. */
    static final String REGISTERED_NAME = "SunJSSE";

    public SmisTlsProvider() {
        super(REGISTERED_NAME, "1.0", "SMI-S adapter: JDK TLS with bounded replies");
        putService(new Service(this, "SSLContext", "TLS", ReplyLimitedSslContext.class.getName(),
                List.of("SSL", "TLSv1.2", "TLSv1.3"), Map.of()) {
            @Override
            public Object newInstance(Object constructorParameter) {
                return new ReplyLimitedSslContext();
            }
        });
        putService(new Service(this, "TrustManagerFactory", "PKIX", DelegatingTrustManagerFactory.class.getName(),
                List.of("SunX509", "X509", "X.509"), Map.of()) {
            @Override
            public Object newInstance(Object constructorParameter) {
                return new DelegatingTrustManagerFactory();
            }
        });
    }

    /** The JDK's default TrustManagerFactory, reached through this provider. */
    static final class DelegatingTrustManagerFactory extends TrustManagerFactorySpi {
        private final TrustManagerFactory delegate;

        DelegatingTrustManagerFactory() {
            try {
                delegate = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("The JDK offers no default TrustManagerFactory", e);
            }
        }

        @Override
        protected void engineInit(KeyStore keyStore) throws KeyStoreException {
            delegate.init(keyStore);
        }

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) throws InvalidAlgorithmParameterException {
            delegate.init(parameters);
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return delegate.getTrustManagers();
        }
    }
}
