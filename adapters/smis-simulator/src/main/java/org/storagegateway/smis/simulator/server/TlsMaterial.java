package org.storagegateway.smis.simulator.server;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.array.AtomicFiles;

/**
 * The HTTPS identity: a self-signed RSA certificate for localhost and the loopback addresses, generated once into
 * {@code <state>/tls/} (key 0600, PKCS#8 PEM; certificate PEM) and reused. RSA rather than EC because some older
 * CIM clients only speak RSA suites. BouncyCastle builds and parses; the JDK providers do the cryptography.
 */
public final class TlsMaterial {
    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);
    public static final String KEY_FILE = "simulator-key.pem";
    public static final String CERT_FILE = "simulator-cert.pem";
    static final String ALIAS = "smis-simulator";

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Path certificateFile;

    private TlsMaterial(PrivateKey key, X509Certificate certificate, Path certificateFile) {
        this.key = key;
        this.certificate = certificate;
        this.certificateFile = certificateFile;
    }

    public static TlsMaterial loadOrCreate(Path tlsDir) throws IOException {
        Path keyFile = tlsDir.resolve(KEY_FILE);
        Path certFile = tlsDir.resolve(CERT_FILE);
        try {
            if (Files.exists(keyFile) && Files.exists(certFile)) {
                return new TlsMaterial(readKey(keyFile), readCertificate(certFile), certFile);
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            SecureRandom random = new SecureRandom();
            generator.initialize(2048, random);
            KeyPair pair = generator.generateKeyPair();
            X509Certificate cert = selfSign(pair, random);
            AtomicFiles.write(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)), true);
            AtomicFiles.write(certFile, pem(cert), false);
            LOG.info("Generated the simulator's TLS certificate {}", certFile);
            return new TlsMaterial(pair.getPrivate(), cert, certFile);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot prepare the TLS certificate in " + tlsDir, e);
        }
    }

    private static X509Certificate selfSign(KeyPair pair, SecureRandom random)
            throws OperatorCreationException, GeneralSecurityException, IOException {
        X500Name name = new X500Name("CN=smis-simulator (self-signed), O=Storage gateway");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(120, random).setBit(0),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), name,
                pair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
            new GeneralName(GeneralName.iPAddress, "::1")}));
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
        cert.verify(pair.getPublic());
        return cert;
    }

    private static byte[] pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static PrivateKey readKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new IOException(file + " holds no private key");
        }
    }

    private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            if (o instanceof X509CertificateHolder holder) {
                return new JcaX509CertificateConverter().getCertificate(holder);
            }
            throw new IOException(file + " holds no certificate");
        }
    }

    /** The certificate clients may pin or trust (PEM). */
    public Path certificateFile() {
        return certificateFile;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** An in-memory key store for Jetty, protected by a throw-away password. */
    public KeyStore keyStore(char[] password) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, key, password, new java.security.cert.Certificate[] {certificate});
            return ks;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build the TLS key store", e);
        }
    }
}
