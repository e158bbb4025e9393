package org.storagegateway.soap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayCredentialsTest {

    static String permissions(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    @Test
    void theFirstStartMakesPrivateSecretsAndAPublicCertificate(@TempDir Path parent) throws Exception {
        Path home = parent.resolve("gateway-home");

        GatewayCredentials credentials = GatewayCredentials.loadOrCreate(home);

        assertThat(credentials.adminPasswordCreated()).isTrue();
        assertThat(credentials.tlsCreated()).isTrue();
        assertThat(credentials.adminUser()).isEqualTo("admin");
        assertThat(permissions(home)).isEqualTo("rwx------");
        assertThat(permissions(home.resolve("tls"))).isEqualTo("rwx------");
        assertThat(credentials.adminPasswordFile()).isEqualTo(home.resolve("admin-password"));
        assertThat(permissions(credentials.adminPasswordFile())).isEqualTo("rw-------");
        assertThat(credentials.keyStoreFile()).isEqualTo(home.resolve("tls/gateway.p12"));
        assertThat(permissions(credentials.keyStoreFile())).isEqualTo("rw-------");
        assertThat(permissions(credentials.keyStorePasswordFile())).isEqualTo("rw-------");
        assertThat(credentials.certificatePemFile()).isEqualTo(home.resolve("tls/gateway-cert.pem"));
        assertThat(permissions(credentials.certificatePemFile())).isEqualTo("rw-r--r--");
        try (Stream<Path> files = Files.walk(home)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }

        String password = new String(credentials.adminPassword());
        assertThat(password).hasSizeGreaterThanOrEqualTo(20).matches("[A-Za-z0-9]+");
        assertThat(Files.readString(credentials.adminPasswordFile())).isEqualTo(password + "\n");
        assertThat(credentials.toString()).doesNotContain(password)
                .doesNotContain(new String(credentials.keyStorePassword()));
    }

    @Test
    void theKeyStoreHoldsAnEcKeyAndACertificateForTheLocalNames(@TempDir Path home) throws Exception {
        GatewayCredentials credentials = GatewayCredentials.loadOrCreate(home);

        KeyStore store = KeyStore.getInstance("PKCS12");
        char[] storePassword = Files.readString(credentials.keyStorePasswordFile()).strip().toCharArray();
        try (var in = Files.newInputStream(credentials.keyStoreFile())) {
            store.load(in, storePassword);
        }
        assertThat(store.getKey("gateway", storePassword)).isInstanceOf(PrivateKey.class);
        X509Certificate cert = (X509Certificate) store.getCertificate("gateway");
        assertThat(cert).isEqualTo(credentials.certificate());
        assertThat(cert.getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getOrder().bitLength()).isEqualTo(256);
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        cert.verify(cert.getPublicKey());
        cert.checkValidity();
        assertThat(cert.getNotAfter().toInstant()).isAfter(java.time.Instant.now().plus(java.time.Duration.ofDays(3000)));
        assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
        List<String> names = cert.getSubjectAlternativeNames().stream().map(san -> san.get(1).toString()).toList();
        assertThat(names).contains("localhost", "127.0.0.1")
                .anyMatch(name -> name.contains(":")); // ::1 in whatever notation
        assertThat(cert.getBasicConstraints()).as("a CA to OpenSSL, signing no other CA").isZero();

        // The PEM copy is the same certificate, readable by anyone.
        X509Certificate pem;
        try (var in = new ByteArrayInputStream(Files.readAllBytes(credentials.certificatePemFile()))) {
            pem = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(pem).isEqualTo(cert);
        assertThat(Files.readString(credentials.certificatePemFile(), StandardCharsets.US_ASCII))
                .startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void aSecondStartReusesEverything(@TempDir Path home) throws Exception {
        GatewayCredentials first = GatewayCredentials.loadOrCreate(home);
        long passwordModified = Files.getLastModifiedTime(first.adminPasswordFile()).toMillis();

        GatewayCredentials second = GatewayCredentials.loadOrCreate(home);

        assertThat(second.adminPasswordCreated()).isFalse();
        assertThat(second.tlsCreated()).isFalse();
        assertThat(second.adminPassword()).isEqualTo(first.adminPassword());
        assertThat(second.keyStorePassword()).isEqualTo(first.keyStorePassword());
        assertThat(second.certificate()).isEqualTo(first.certificate());
        assertThat(Files.getLastModifiedTime(second.adminPasswordFile()).toMillis()).isEqualTo(passwordModified);
    }

    @Test
    void freshHomesGetDifferentSecrets(@TempDir Path a, @TempDir Path b) throws Exception {
        GatewayCredentials first = GatewayCredentials.loadOrCreate(a);
        GatewayCredentials second = GatewayCredentials.loadOrCreate(b);

        assertThat(new String(first.adminPassword())).isNotEqualTo(new String(second.adminPassword()));
        assertThat(new String(first.keyStorePassword())).isNotEqualTo(new String(second.keyStorePassword()));
        assertThat(first.certificate()).isNotEqualTo(second.certificate());
        assertThat(first.certificate().getSerialNumber()).isNotEqualTo(second.certificate().getSerialNumber());
    }

    @Test
    void aMissingPemIsWrittenAgainFromTheKeyStore(@TempDir Path home) throws Exception {
        GatewayCredentials first = GatewayCredentials.loadOrCreate(home);
        Files.delete(first.certificatePemFile());

        GatewayCredentials second = GatewayCredentials.loadOrCreate(home);

        assertThat(second.tlsCreated()).isFalse();
        assertThat(Files.exists(second.certificatePemFile())).isTrue();
        assertThat(second.certificate()).isEqualTo(first.certificate());
    }

    @Test
    void aKeyStoreWithoutItsPasswordIsNotReplaced(@TempDir Path home) throws Exception {
        GatewayCredentials first = GatewayCredentials.loadOrCreate(home);
        Files.delete(first.keyStorePasswordFile());
        byte[] keyStore = Files.readAllBytes(first.keyStoreFile());

        assertThatThrownBy(() -> GatewayCredentials.loadOrCreate(home))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("keystore-password");
        assertThat(Files.readAllBytes(first.keyStoreFile())).isEqualTo(keyStore);
    }

    @Test
    void aPasswordFileWrittenByTheOperatorIsUsed(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve("admin-password"), "chosen-by-operator-0123456789\r\n");
        Files.setPosixFilePermissions(home.resolve("admin-password"), PosixFilePermissions.fromString("rw-------"));

        GatewayCredentials credentials = GatewayCredentials.loadOrCreate(home);

        assertThat(credentials.adminPasswordCreated()).isFalse();
        assertThat(new String(credentials.adminPassword())).isEqualTo("chosen-by-operator-0123456789");
    }

    @Test
    void anEmptyPasswordFileIsRefused(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve("admin-password"), "\n");
        assertThatThrownBy(() -> GatewayCredentials.loadOrCreate(home)).isInstanceOf(IOException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void generatedPasswordsUseTheWholeAlphabet(@TempDir Path parent) throws Exception {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            all.append(GatewayCredentials.loadOrCreate(parent.resolve("h" + i)).adminPassword());
        }
        assertThat(all.chars().distinct().count()).isGreaterThan(40);
        assertThat(List.of('0', 'O', '1', 'l', 'I')).noneMatch(c -> all.indexOf(c.toString()) >= 0);
    }
}
