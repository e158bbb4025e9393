package org.storagegateway.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.launcher.GatewayRuntime;
import org.storagegateway.vhd.IndependentTools;

/** The SOAP contract as clients meet it: typed faults, authentication, and the clone latency they see. */
class SoapContractIT {
    @TempDir
    static Path home;
    static GatewayRuntime gateway;
    static ZeepClient zeep;
    static String srUuid;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.startDefault(home);
        zeep = GatewayFixture.zeep(gateway);
        srUuid = zeep.call("listStorageRepositories", Map.of()).get(0).get("uuid").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        zeep.close();
        gateway.close();
    }

    @Test
    void unknownSrTypeIsAUserFaultWithItsStableCode() {
        assertThatThrownBy(() -> zeep.call("createStorageRepository", Map.of("type", "nosuch", "nameLabel", "x",
                "deviceConfig", Map.of())))
                .isInstanceOfSatisfying(ZeepClient.SoapFault.class, f -> {
                    assertThat(f.type()).isEqualTo("UserFault");
                    assertThat(f.code()).isEqualTo(5);
                    assertThat(f.name()).isEqualTo("UNKNOWN_SR_TYPE");
                    assertThat(f.raw()).doesNotContain("\tat ", "at org.", "Exception");
                });
    }

    @Test
    void sizesTheSrCannotHoldAreUserFaultsAndNonPositiveSizesAreRefusedByTheSchema() {
        assertThatThrownBy(() -> zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "huge",
                "virtualSizeBytes", 3L << 40)))
                .isInstanceOfSatisfying(ZeepClient.SoapFault.class, f -> {
                    assertThat(f.type()).isEqualTo("UserFault");
                    assertThat(f.name()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(f.faultMessage()).contains("2040 GiB");
                });
        for (long size : new long[] {0, -1}) {
            assertThatThrownBy(() -> zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "bad",
                    "virtualSizeBytes", size)))
                    .isInstanceOfSatisfying(ZeepClient.SoapFault.class,
                            f -> assertThat(f.raw()).doesNotContain("\tat ", "at org."));
        }
    }

    @Test
    void resizeVirtualDiskGrowsTheVhdAndRefusesShrinkingAndBaseCopiesWithUserFaults() throws Exception {
        String vdi = zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "growing",
                "virtualSizeBytes", 8L << 20)).get("uuid").asText();

        JsonNode grown = zeep.call("resizeVirtualDisk", Map.of("vdiUuid", vdi, "virtualSizeBytes", (20L << 20) + 1));

        assertThat(grown.get("virtualSize").asLong()).as("rounded up to 2 MiB blocks").isEqualTo(22L << 20);
        Path file = home.resolve("storage").resolve(srUuid).resolve(vdi + ".vhd");
        assertThat(IndependentTools.qemuImgInfo(file).virtualSize()).isEqualTo(22L << 20);
        assertThatThrownBy(() -> zeep.call("resizeVirtualDisk", Map.of("vdiUuid", vdi, "virtualSizeBytes", 8L << 20)))
                .isInstanceOfSatisfying(ZeepClient.SoapFault.class, f -> {
                    assertThat(f.type()).isEqualTo("UserFault");
                    assertThat(f.name()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(f.faultMessage()).contains("cannot shrink");
                });
        zeep.call("cloneVirtualDisk", Map.of("vdiUuid", vdi, "nameLabel", "growing-clone"));
        String baseCopy = zeep.call("getVirtualDisk", Map.of("vdiUuid", vdi)).get("parentUuid").asText();
        assertThatThrownBy(() -> zeep.call("resizeVirtualDisk", Map.of("vdiUuid", baseCopy,
                "virtualSizeBytes", 64L << 20)))
                .isInstanceOfSatisfying(ZeepClient.SoapFault.class,
                        f -> assertThat(f.name()).isEqualTo("OPERATION_NOT_ALLOWED"));
        assertThatThrownBy(() -> zeep.call("resizeVirtualDisk", Map.of("vdiUuid",
                "00000000-0000-4000-8000-000000000000", "virtualSizeBytes", 64L << 20)))
                .isInstanceOfSatisfying(ZeepClient.SoapFault.class, f -> assertThat(f.name()).isEqualTo("VDI_NOT_FOUND"));
        assertThat(zeep.call("getVirtualDisk", Map.of("vdiUuid", vdi)).get("virtualSize").asLong())
                .isEqualTo(22L << 20);
    }

    @Test
    void missingVdiIsAUserFault() {
        assertThatThrownBy(() -> zeep.call("getVirtualDisk",
                Map.of("vdiUuid", "00000000-0000-0000-0000-000000000000")))
                .isInstanceOfSatisfying(ZeepClient.SoapFault.class, f -> assertThat(f.name()).isEqualTo("VDI_NOT_FOUND"));
    }

    @Test
    void wrongOrMissingPasswordGets401WithABasicChallenge() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(trusting(gateway.credentials().certificatePemFile()))
                .build();
        URI wsdl = URI.create(gateway.wsdlUrl());
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(wsdl).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Basic"));
        String wrong = Base64.getEncoder().encodeToString("admin:not-the-password".getBytes());
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(wsdl).header("Authorization", "Basic " + wrong)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);

        Path wrongPasswordFile = Files.writeString(home.resolve("wrong-password"), "not-the-password\n");
        try (ZeepClient impostor = new ZeepClient(gateway.wsdlUrl(), wrongPasswordFile,
                gateway.credentials().certificatePemFile())) {
            JsonNode reply = impostor.exchange("listDrivers", Map.of());
            assertThat(reply.path("error").path("status").asInt()).isEqualTo(401);
        }
    }

    @Test
    void cloneLatencySeenByAZeepClientOver200Calls() throws Exception {
        String golden = zeep.call("createVirtualDisk", Map.of("srUuid", srUuid, "nameLabel", "golden",
                "virtualSizeBytes", 10L << 30)).get("uuid").asText();
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            JsonNode reply = zeep.exchange("cloneVirtualDisk", Map.of("vdiUuid", golden, "nameLabel", "c" + i));
            assertThat(reply.has("result")).as("clone %d: %s", i, reply).isTrue();
            seconds.add(reply.get("seconds").asDouble());
        }
        Collections.sort(seconds);
        System.out.printf("FIGURE cloneVirtualDisk end to end over SOAP (zeep, 10 GiB VHD, 200 calls): "
                + "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms%n", seconds.get(99) * 1e3, seconds.get(179) * 1e3,
                seconds.get(197) * 1e3);
        assertThat(zeep.call("listVirtualDisks", Map.of("srUuid", srUuid)).size()).isGreaterThanOrEqualTo(201);
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trust.setCertificateEntry("gateway", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
