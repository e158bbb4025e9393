package org.storagegateway.soap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.ErrorKind;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * A real SOAP client against the real server: python3-zeep loads the WSDL (and its schema) over HTTPS with the
 * gateway's PEM as CA bundle and the admin password, and calls every operation.
 */
class ZeepClientTest {

    @TempDir
    static Path home;

    static GatewayCredentials credentials;
    static FakeGatewayOperations operations;
    static SoapServer server;
    static PythonSoapClient client;
    static String wsdl;

    /** Return whether {@code /usr/bin/python3} can import zeep (the Debian python3-zeep package). */
    static boolean systemPythonHasZeep() {
        try {
            Process p = new ProcessBuilder(PythonSoapClient.PYTHON, "-c", "import zeep, requests, lxml")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(systemPythonHasZeep(), "/usr/bin/python3 cannot import zeep (apt install python3-zeep)");
        credentials = GatewayCredentials.loadOrCreate(home);
        operations = new FakeGatewayOperations();
        server = TestSupport.start(credentials, operations, SoapLimits.defaults());
        wsdl = TestSupport.endpoint(server) + "?wsdl";
        client = PythonSoapClient.start(wsdl, credentials.adminPasswordFile(), credentials.certificatePemFile());
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static JsonNode result(JsonNode answer) {
        assertThat(answer.has("result")).as("answer %s, client stderr: %s", answer, client.stderr()).isTrue();
        return answer.get("result");
    }

    static JsonNode fault(JsonNode answer) {
        assertThat(answer.has("fault")).as("answer %s, client stderr: %s", answer, client.stderr()).isTrue();
        return answer.get("fault");
    }

    static Map<String, Object> args(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void listDrivers() throws Exception {
        JsonNode drivers = result(client.call("listDrivers", Map.of()));
        assertThat(drivers).hasSize(2);
        JsonNode file = drivers.get(0);
        assertThat(file.get("srType").asText()).isEqualTo("file");
        assertThat(file.get("available").asBoolean()).isTrue();
        assertThat(file.get("requiredSpiVersion").asText()).isEqualTo("1.0");
        assertThat(texts(file.get("capabilities").get("capability")))
                .containsExactly("VDI_CREATE", "VDI_DELETE", "VDI_CLONE", "VDI_SNAPSHOT", "THIN_PROVISIONING");
        JsonNode keys = file.get("configSchema").get("key");
        assertThat(keys).hasSize(2);
        assertThat(keys.get(0).get("name").asText()).isEqualTo("path");
        assertThat(keys.get(0).get("required").asBoolean()).isTrue();
        assertThat(keys.get(1).get("secret").asBoolean()).isTrue();
        JsonNode smis = drivers.get(1);
        assertThat(smis.get("available").asBoolean()).isFalse();
        // zeep reads an empty list wrapper (<capabilities/>) as None.
        assertThat(smis.get("capabilities").isNull()
                || smis.get("capabilities").path("capability").isEmpty()).isTrue();
        assertThat(smis.get("configSchema").isNull() || smis.get("configSchema").path("key").isEmpty()).isTrue();
    }

    @Test
    void storageRepositoriesAndTheirSecrets() throws Exception {
        JsonNode sr = result(client.call("createStorageRepository", args("type", "file", "nameLabel", "zeep-sr",
                "deviceConfig", Map.of("path", "/srv/zeep", "password", "very-secret-value"),
                "idempotencyKey", "sr-key-1")));
        assertThat(sr.get("uuid").asText()).matches("[0-9a-f-]{36}");
        assertThat(sr.get("type").asText()).isEqualTo("file");
        assertThat(sr.get("deviceConfig").toString()).isEqualTo("{\"path\":\"/srv/zeep\"}");
        assertThat(texts(sr.get("secretKeys").get("key"))).containsExactly("password");
        assertThat(sr.toString()).doesNotContain("very-secret-value");
        assertThat(sr.get("created").asText()).endsWith("+00:00");

        // The same key again returns the same SR; the key for another request is refused.
        JsonNode again = result(client.call("createStorageRepository", args("type", "file", "nameLabel", "zeep-sr",
                "deviceConfig", Map.of("path", "/srv/zeep", "password", "very-secret-value"),
                "idempotencyKey", "sr-key-1")));
        assertThat(again.get("uuid").asText()).isEqualTo(sr.get("uuid").asText());
        JsonNode reused = fault(client.call("createStorageRepository", args("type", "file", "nameLabel", "other",
                "deviceConfig", Map.of("path", "/srv/other"), "idempotencyKey", "sr-key-1")));
        assertThat(reused.get("detail").get("name").asText()).isEqualTo("IDEMPOTENCY_KEY_REUSED");

        JsonNode all = result(client.call("listStorageRepositories", Map.of()));
        assertThat(all).anySatisfy(s -> assertThat(s.get("uuid").asText()).isEqualTo(sr.get("uuid").asText()));

        JsonNode unknownType = fault(client.call("createStorageRepository", args("type", "nfs", "nameLabel", "x",
                "deviceConfig", Map.of())));
        assertThat(unknownType.get("type").asText()).isEqualTo("UserFault");
        assertThat(unknownType.get("detail").get("name").asText()).isEqualTo("UNKNOWN_SR_TYPE");

        JsonNode unavailable = fault(client.call("createStorageRepository", args("type", "smis", "nameLabel", "x",
                "deviceConfig", Map.of())));
        assertThat(unavailable.get("type").asText()).isEqualTo("ExternalFault");
        assertThat(unavailable.get("code").asText()).isEqualTo("soap:Server");
    }

    @Test
    void virtualDiskLifecycle() throws Exception {
        StorageRepositoryRecord sr = operations.addSr("zeep-vdis");

        JsonNode vdi = result(client.call("createVirtualDisk", args("srUuid", sr.uuid(), "nameLabel", "disk-1",
                "virtualSizeBytes", 10_000_001L, "idempotencyKey", "create-1")));
        String uuid = vdi.get("uuid").asText();
        assertThat(vdi.get("virtualSize").asLong()).isEqualTo(10 * 1024 * 1024);
        assertThat(vdi.get("srUuid").asText()).isEqualTo(sr.uuid());
        assertThat(vdi.get("readOnly").asBoolean()).isFalse();
        assertThat(vdi.get("isASnapshot").asBoolean()).isFalse();
        assertThat(vdi.get("parentUuid").isNull()).isTrue();
        assertThat(vdi.get("smConfig").get("vhd-format").asText()).isEqualTo("dynamic");
        JsonNode repeated = result(client.call("createVirtualDisk", args("srUuid", sr.uuid(), "nameLabel", "disk-1",
                "virtualSizeBytes", 10_000_001L, "idempotencyKey", "create-1")));
        assertThat(repeated.get("uuid").asText()).isEqualTo(uuid);

        // A size beyond 2^31 survives the trip as xs:long.
        JsonNode big = result(client.call("createVirtualDisk", args("srUuid", sr.uuid(), "nameLabel", "big",
                "virtualSizeBytes", 4L << 40)));
        assertThat(big.get("virtualSize").asLong()).isEqualTo(4L << 40);

        JsonNode got = result(client.call("getVirtualDisk", args("vdiUuid", uuid)));
        assertThat(got.get("nameLabel").asText()).isEqualTo("disk-1");

        JsonNode clone = result(client.call("cloneVirtualDisk", args("vdiUuid", uuid, "nameLabel", "disk-1-clone")));
        assertThat(clone.get("nameLabel").asText()).isEqualTo("disk-1-clone");
        assertThat(clone.get("parentUuid").asText()).isEqualTo(uuid);
        assertThat(clone.get("smConfig").get("vhd-parent").asText()).isEqualTo(uuid);

        JsonNode snapshot = result(client.call("snapshotVirtualDisk", args("vdiUuid", uuid, "idempotencyKey",
                "snap-1")));
        assertThat(snapshot.get("isASnapshot").asBoolean()).isTrue();
        assertThat(snapshot.get("snapshotOf").asText()).isEqualTo(uuid);
        assertThat(snapshot.get("readOnly").asBoolean()).isTrue();

        JsonNode grown = result(client.call("resizeVirtualDisk", args("vdiUuid", uuid, "virtualSizeBytes", 5L << 30,
                "idempotencyKey", "grow-1")));
        assertThat(grown.get("uuid").asText()).isEqualTo(uuid);
        assertThat(grown.get("virtualSize").asLong()).isEqualTo(5L << 30);
        assertThat(result(client.call("resizeVirtualDisk", args("vdiUuid", uuid, "virtualSizeBytes", 5L << 30,
                "idempotencyKey", "grow-1"))).get("virtualSize").asLong()).isEqualTo(5L << 30);
        JsonNode shrink = fault(client.call("resizeVirtualDisk", args("vdiUuid", uuid, "virtualSizeBytes", 1 << 20)));
        assertThat(shrink.get("type").asText()).isEqualTo("UserFault");
        assertThat(shrink.get("code").asText()).isEqualTo("soap:Client");
        assertThat(shrink.get("detail").get("name").asText()).isEqualTo("INVALID_ARGUMENT");
        JsonNode noSize = fault(client.call("resizeVirtualDisk", args("vdiUuid", uuid, "virtualSizeBytes", 0)));
        assertThat(noSize.get("detail").get("name").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(result(client.call("getVirtualDisk", args("vdiUuid", uuid))).get("virtualSize").asLong())
                .isEqualTo(5L << 30);

        JsonNode listed = result(client.call("listVirtualDisks", args("srUuid", sr.uuid())));
        assertThat(listed).hasSize(4);

        JsonNode task = result(client.call("deleteVirtualDisk", args("vdiUuid", clone.get("uuid").asText(),
                "idempotencyKey", "delete-1")));
        assertThat(task.get("state").asText()).isEqualTo("success");
        assertThat(task.get("operation").asText()).isEqualTo("vdi.delete");
        assertThat(task.get("subjectUuid").asText()).isEqualTo(clone.get("uuid").asText());
        assertThat(task.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(task.get("finished").isNull()).isFalse();
        assertThat(task.get("error").isNull()).isTrue();
        assertThat(result(client.call("listVirtualDisks", args("srUuid", sr.uuid())))).hasSize(3);

        JsonNode gone = fault(client.call("deleteVirtualDisk", args("vdiUuid", clone.get("uuid").asText())));
        assertThat(gone.get("type").asText()).isEqualTo("UserFault");
        assertThat(gone.get("detail").get("name").asText()).isEqualTo("VDI_NOT_FOUND");
        assertThat(gone.get("detail").get("code").asInt()).isEqualTo(3);

        JsonNode sameTask = result(client.call("getTask", args("taskUuid", task.get("uuid").asText())));
        assertThat(sameTask.get("uuid").asText()).isEqualTo(task.get("uuid").asText());
    }

    @Test
    void tasks() throws Exception {
        TaskRecord failed = operations.addFailedTask();
        JsonNode task = result(client.call("getTask", args("taskUuid", failed.uuid())));
        assertThat(task.get("state").asText()).isEqualTo("failure");
        JsonNode error = task.get("error");
        assertThat(error.get("code").asInt()).isEqualTo(201);
        assertThat(error.get("name").asText()).isEqualTo("CHAIN_TOO_DEEP");
        assertThat(error.get("kind").asText()).isEqualTo("INSUFFICIENT_RESOURCES");
        assertThat(error.get("message").asText()).isEqualTo("The chain would be 31 deep");
        assertThat(task.get("created").asText()).isEqualTo("2026-01-02T03:04:05.123456+00:00");

        TaskRecord running = operations.addRunningTask();
        JsonNode cancelled = result(client.call("cancelTask", args("taskUuid", running.uuid())));
        assertThat(cancelled.get("state").asText()).isEqualTo("running");
        assertThat(cancelled.get("cancelRequested").asBoolean()).isTrue();
        assertThat(cancelled.get("progress").asDouble()).isEqualTo(0.25);
        assertThat(cancelled.get("finished").isNull()).isTrue();

        JsonNode missing = fault(client.call("getTask", args("taskUuid", "00000000-0000-4000-8000-000000000000")));
        assertThat(missing.get("detail").get("name").asText()).isEqualTo("TASK_NOT_FOUND");
    }

    @Test
    void everyErrorKindReachesZeepAsItsTypedFault() throws Exception {
        StorageRepositoryRecord sr = operations.addSr("zeep-faults");
        Map<StandardErrorCode, String> expected = Map.of(
                StandardErrorCode.OPERATION_NOT_ALLOWED, "UserFault",
                StandardErrorCode.CORRUPT_DATA, "ExternalFault",
                StandardErrorCode.CHAIN_TOO_DEEP, "InsufficientResourcesFault",
                StandardErrorCode.SPI_VERSION_MISMATCH, "UnsupportedFault",
                StandardErrorCode.INTERNAL_ERROR, "InternalFault");
        for (Map.Entry<StandardErrorCode, String> e : expected.entrySet()) {
            StandardErrorCode code = e.getKey();
            String name = "zeep-" + code.name();
            operations.failOn(name, () -> new StorageException(code, "Failed with " + code.name()));

            JsonNode fault = fault(client.call("createVirtualDisk", args("srUuid", sr.uuid(), "nameLabel", name,
                    "virtualSizeBytes", 1)));

            assertThat(fault.get("type").asText()).isEqualTo(e.getValue());
            assertThat(fault.get("code").asText()).isEqualTo(code == StandardErrorCode.OPERATION_NOT_ALLOWED
                    ? "soap:Client" : "soap:Server");
            assertThat(fault.get("message").asText()).isEqualTo("Failed with " + code.name());
            JsonNode detail = fault.get("detail");
            assertThat(detail.get("code").asInt()).isEqualTo(code.code());
            assertThat(detail.get("name").asText()).isEqualTo(code.name());
            assertThat(detail.get("kind").asText()).isEqualTo(code.kind().name());
            assertThat(detail.get("message").asText()).isEqualTo("Failed with " + code.name());
            assertThat(fault.get("rawDetail").asText()).doesNotContain("Exception").doesNotContain("at org.");
        }

        operations.failOn("zeep-bug", () -> new UnsupportedOperationException("internal secret"));
        JsonNode bug = fault(client.call("createVirtualDisk", args("srUuid", sr.uuid(), "nameLabel", "zeep-bug",
                "virtualSizeBytes", 1)));
        assertThat(bug.get("type").asText()).isEqualTo("InternalFault");
        assertThat(bug.get("detail").get("name").asText()).isEqualTo("INTERNAL_ERROR");
        assertThat(bug.toString()).doesNotContain("internal secret").doesNotContain("UnsupportedOperationException");
    }

    @Test
    void theSchemaRefusesBadValuesWithAClientFault() throws Exception {
        StorageRepositoryRecord sr = operations.addSr("zeep-schema");
        for (long size : new long[] {0, -1}) {
            JsonNode fault = fault(client.call("createVirtualDisk", args("srUuid", sr.uuid(), "nameLabel", "bad",
                    "virtualSizeBytes", size)));
            assertThat(fault.get("code").asText()).isEqualTo("soap:Client");
            assertThat(fault.get("type").asText()).isEqualTo("UserFault");
            assertThat(fault.get("detail").get("name").asText()).isEqualTo("INVALID_ARGUMENT");
        }
        JsonNode badUuid = fault(client.call("getVirtualDisk", args("vdiUuid", "not-a-uuid")));
        assertThat(badUuid.get("code").asText()).isEqualTo("soap:Client");
        assertThat(badUuid.get("detail").get("code").asInt()).isEqualTo(1);
        assertThat(operations.listVirtualDisks(sr.uuid())).isEmpty();
    }

    @Test
    void aWrongPasswordCannotEvenLoadTheWsdl(@TempDir Path dir) throws Exception {
        Path wrong = PythonSoapClient.writePassword(dir, "not-the-password");
        try (PythonSoapClient other = PythonSoapClient.start(wsdl, wrong, credentials.certificatePemFile())) {
            JsonNode error = other.readLine();
            assertThat(error.get("error").get("status").asInt()).isEqualTo(401);
            assertThat(other.finish()).isEqualTo(2);
        }
    }

    @Test
    void anotherCertificateIsNotTrusted(@TempDir Path otherHome) throws Exception {
        GatewayCredentials other = GatewayCredentials.loadOrCreate(otherHome);
        try (PythonSoapClient untrusting = PythonSoapClient.start(wsdl, credentials.adminPasswordFile(),
                other.certificatePemFile())) {
            JsonNode error = untrusting.readLine();
            assertThat(error.get("error").get("message").asText()).containsIgnoringCase("certificate");
            assertThat(untrusting.finish()).isEqualTo(2);
        }
    }

    @Test
    void probeStorageRepositoryListsWhatIsThereWithoutCreatingAndFailsTyped() throws Exception {
        StorageRepositoryRecord sr = operations.createStorageRepository("file", "zeep-probed",
                Map.of("path", "/srv/probed"), Optional.empty());
        int before = operations.listStorageRepositories().size();

        JsonNode found = result(client.call("probeStorageRepository", args("type", "file",
                "deviceConfig", Map.of("path", "/srv/probed", "password", "probe-secret"))));

        assertThat(found).singleElement().satisfies(entry -> {
            assertThat(entry.get("kind").asText()).isEqualTo("STORAGE_REPOSITORY");
            assertThat(entry.get("id").asText()).isEqualTo(sr.uuid());
            assertThat(entry.get("name").asText()).isEqualTo("zeep-probed");
            assertThat(entry.get("attributes").get("path").asText()).isEqualTo("/srv/probed");
        });
        assertThat(operations.listStorageRepositories()).hasSize(before);
        // zeep reads an empty answer as None.
        assertThat(result(client.call("probeStorageRepository", args("type", "file", "deviceConfig",
                Map.of("path", "/srv/empty"))))).isEmpty();

        JsonNode unknownType = fault(client.call("probeStorageRepository", args("type", "nosuch",
                "deviceConfig", Map.of())));
        assertThat(unknownType.get("type").asText()).isEqualTo("UserFault");
        assertThat(unknownType.get("detail").get("name").asText()).isEqualTo("UNKNOWN_SR_TYPE");
        operations.failOn("/srv/unreachable", () -> new StorageException(
                ErrorCode.of(2001, "NFS_SERVER_UNREACHABLE", ErrorKind.EXTERNAL), "No answer from the server"));
        JsonNode unreachable = fault(client.call("probeStorageRepository", args("type", "file",
                "deviceConfig", Map.of("path", "/srv/unreachable"))));
        assertThat(unreachable.get("type").asText()).isEqualTo("ExternalFault");
        assertThat(unreachable.get("detail").get("name").asText()).isEqualTo("NFS_SERVER_UNREACHABLE");
        assertThat(unreachable.get("detail").get("code").asInt()).isEqualTo(2001);
    }

    @Test
    void storageAdminOperationsReachTheArrayBehindAnSmisSrAsTasks() throws Exception {
        String sr = operations.addArraySr("zeep-array").uuid();
        assertThat(result(client.call("listStorageSystems", args("srUuid", sr))).get(0).get("id").asText())
                .isEqualTo("SYS-1");
        assertThat(result(client.call("listStoragePools", args("srUuid", sr, "systemId", "SYS-1"))).get(0)
                .get("id").asText()).isEqualTo("P1");
        JsonNode lun = result(client.call("createLun", args("srUuid", sr, "poolId", "P1", "name", "zeep-lun",
                "sizeBytes", 1048576, "idempotencyKey", "zeep-lun-1")));
        assertThat(lun.get("sizeBytes").asLong()).isEqualTo(1048576);
        String lunId = lun.get("id").asText();
        assertThat(result(client.call("listLuns", args("srUuid", sr, "poolId", "P1")))).hasSize(1);
        assertThat(result(client.call("resizeLun", args("srUuid", sr, "lunId", lunId, "sizeBytes", 2097152)))
                .get("sizeBytes").asLong()).isEqualTo(2097152);
        assertThat(result(client.call("listTargetPorts", args("srUuid", sr))).get(0).get("address").asText())
                .isEqualTo("127.0.0.1:3260");
        JsonNode datapath = result(client.call("exposeLun", args("srUuid", sr, "lunId", lunId, "initiatorIqn",
                "iqn.2026-01.org.example:host")));
        assertThat(datapath.get("portal").asText()).isEqualTo("127.0.0.1:3260");
        assertThat(datapath.get("lun").asInt()).isZero();
        assertThat(fault(client.call("deleteLun", args("srUuid", sr, "lunId", lunId))).get("detail").get("kind").asText())
                .isEqualTo("USER");
        assertThat(result(client.call("hideLun", args("srUuid", sr, "lunId", lunId, "initiatorIqn",
                "iqn.2026-01.org.example:host"))).get("state").asText()).isEqualTo("success");
        assertThat(result(client.call("deleteLun", args("srUuid", sr, "lunId", lunId))).get("operation").asText())
                .isEqualTo("lun.delete");
        String fileSr = operations.addSr("not-an-array").uuid();
        assertThat(fault(client.call("listLuns", args("srUuid", fileSr, "poolId", "P1"))).get("detail").get("kind").asText())
                .isEqualTo("UNSUPPORTED");
        // The schema refuses what is not an initiator name before the gateway sees it.
        assertThat(client.call("exposeLun", args("srUuid", sr, "lunId", lunId, "initiatorIqn", "not an iqn"))
                .has("result")).isFalse();
    }
}
