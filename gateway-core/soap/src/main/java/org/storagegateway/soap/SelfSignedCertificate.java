package org.storagegateway.soap;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's self-signed TLS certificate: an EC P-256 key, signed with SHA-256, valid for ten years, naming
 * {@code localhost}, the loopback addresses and this host's name. Clients trust it by using its PEM as their CA bundle
 * (python requests/zeep {@code session.verify = pem}, curl {@code --cacert}, a Java trust store entry).
 *
 * <p>Only BouncyCastle's builder classes are used; keys, signatures and certificate parsing stay with the JDK
 * providers, so no provider is registered globally.
 */
final class SelfSignedCertificate {
    private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificate.class);

    static final Duration VALIDITY = Duration.ofDays(3650);

    private SelfSignedCertificate() {
    }

    /** A key pair and its certificate. */
    record Generated(KeyPair keyPair, X509Certificate certificate) {
    }

    static Generated generate(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        KeyPair keyPair = generator.generateKeyPair();

        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Storage gateway")
                .addRDN(BCStyle.CN, "storage-gateway (self-signed)")
                .build();
        Instant now = Instant.now();
        // A positive serial of at most 159 bits (RFC 5280 allows 20 octets).
        BigInteger serial = new BigInteger(159, random).setBit(0);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name, serial, Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)),
                    name, keyPair.getPublic())
                    // A self-signed certificate that clients use as their CA bundle must be a CA to OpenSSL (which
                    // otherwise refuses it as "self-signed certificate"); path length 0 lets it sign nothing else
                    // that is a CA.
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, subjectAltNames())
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(keyPair.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
            certificate.verify(keyPair.getPublic());
            return new Generated(keyPair, certificate);
        } catch (OperatorCreationException | CertIOException e) {
            throw new GeneralSecurityException("Cannot build the self-signed certificate", e);
        }
    }

    /** Return the certificate in PEM form. */
    static String toPem(X509Certificate certificate) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(certificate);
        }
        return out.toString();
    }

    /** Return the host names the certificate names. */
    static List<String> dnsNames() {
        Set<String> names = new LinkedHashSet<>();
        names.add("localhost");
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (isDnsName(host)) {
                names.add(host.toLowerCase(Locale.ROOT));
            }
        } catch (IOException | SecurityException e) {
            LOG.info("Cannot read this host's name; the TLS certificate names only localhost and the loopback"
                    + " addresses: {}", e.toString());
        }
        return new ArrayList<>(names);
    }

    private static GeneralNames subjectAltNames() {
        List<GeneralName> names = new ArrayList<>();
        for (String dns : dnsNames()) {
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        names.add(new GeneralName(GeneralName.iPAddress, "::1"));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static boolean isDnsName(String host) {
        return host != null
                && host.length() <= 253
                && host.matches("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
                && !host.matches("[0-9.]+");
    }
}
