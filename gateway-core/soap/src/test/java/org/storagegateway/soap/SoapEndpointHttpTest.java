package org.storagegateway.soap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.ErrorKind;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * The endpoint seen through a raw HTTPS client: authentication, faults on the wire, schema validation, XML hardening
 * and size limits, TLS versions.
 */
class SoapEndpointHttpTest {

    @TempDir
    static Path home;

    static GatewayCredentials credentials;
    static FakeGatewayOperations operations;
    static SoapServer server;
    static HttpClient http;
    static URI endpoint;
    static StorageRepositoryRecord sr;

    @BeforeAll
    static void startServer() throws Exception {
        credentials = GatewayCredentials.loadOrCreate(home);
        operations = new FakeGatewayOperations();
        sr = operations.addSr("sr-http");
        server = TestSupport.start(credentials, operations, SoapLimits.defaults());
        http = TestSupport.httpClient(credentials);
        endpoint = TestSupport.endpoint(server);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    static String auth() {
        return TestSupport.adminAuth(credentials);
    }

    static HttpResponse<String> call(String body) throws IOException, InterruptedException {
        return TestSupport.post(http, endpoint, auth(), TestSupport.envelope(body));
    }

    static String createVdi(String nameLabel, String size) {
        return "<sg:createVirtualDisk><sg:srUuid>" + sr.uuid() + "</sg:srUuid><sg:nameLabel>" + nameLabel
                + "</sg:nameLabel><sg:virtualSizeBytes>" + size + "</sg:virtualSizeBytes></sg:createVirtualDisk>";
    }

    /** Assert a SOAP 1.1 fault with the given code and typed detail, and nothing a stack trace would leave. */
    static void assertFault(HttpResponse<String> response, String faultCode, String detailElement, int code,
            String name, String kind) {
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/xml"));
        String body = response.body();
        assertThat(body).contains("<faultcode>" + faultCode + "</faultcode>");
        assertThat(body).containsPattern("<detail><(\\w+:)?" + detailElement + " xmlns(:\\w+)?=\"urn:storagegateway:1\">");
        assertThat(body).containsPattern("<(\\w+:)?code>" + code + "</(\\w+:)?code>");
        assertThat(body).containsPattern("<(\\w+:)?name>" + name + "</(\\w+:)?name>");
        assertThat(body).containsPattern("<(\\w+:)?kind>" + kind + "</(\\w+:)?kind>");
        assertNoInternals(body);
    }

    static void assertNoInternals(String body) {
        assertThat(body)
                .doesNotContain("Exception")
                .doesNotContain("\tat ")
                .doesNotContain("at org.")
                .doesNotContain("at java.")
                .doesNotContainIgnoringCase("stacktrace")
                .doesNotContain("Caused by")
                .doesNotContain("org.apache.cxf")
                .doesNotContain("org.storagegateway");
    }

    // ------------------------------------------------------------------ authentication

    @Test
    void wsdlAndSchemaNeedTheAdminPassword() throws Exception {
        URI wsdl = URI.create(endpoint + "?wsdl");
        URI xsd = URI.create(endpoint + "?xsd=storage-gateway.xsd");
        for (URI uri : List.of(wsdl, xsd)) {
            assertUnauthorized(TestSupport.get(http, uri, null));
            assertUnauthorized(TestSupport.get(http, uri, TestSupport.basic("admin", "wrong-password")));
            assertUnauthorized(TestSupport.get(http, uri,
                    TestSupport.basic("root", new String(credentials.adminPassword()))));
            assertUnauthorized(TestSupport.get(http, uri, "Basic !!not-base64!!"));
            assertUnauthorized(TestSupport.get(http, uri, "Bearer " + new String(credentials.adminPassword())));
        }

        HttpResponse<String> ok = TestSupport.get(http, wsdl, auth());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("wsdl:definitions").contains("<wsdl:operation name=\"createVirtualDisk\">")
                .contains("?xsd=storage-gateway.xsd")
                // The address is rewritten to the one the WSDL was fetched from.
                .contains("location=\"" + endpoint + "\"");
        HttpResponse<String> schema = TestSupport.get(http, xsd, auth());
        assertThat(schema.statusCode()).isEqualTo(200);
        assertThat(schema.body()).contains("name=\"VirtualSizeBytes\"");
        // The scheme is case-insensitive (RFC 7617).
        assertThat(TestSupport.get(http, wsdl, auth().replace("Basic", "basic")).statusCode()).isEqualTo(200);
    }

    @Test
    void soapCallsNeedTheAdminPasswordAndDoNothingWithout() throws Exception {
        int before = operations.listVirtualDisks(sr.uuid()).size();
        for (String authorization : new String[] {null, TestSupport.basic("admin", "nope"), TestSupport.basic("admin",
                "")}) {
            HttpResponse<String> response = TestSupport.post(http, endpoint, authorization,
                    TestSupport.envelope(createVdi("unauthenticated", "1024")));
            assertUnauthorized(response);
        }
        assertThat(operations.listVirtualDisks(sr.uuid())).hasSize(before);
    }

    @Test
    void everyPathNeedsTheAdminPassword() throws Exception {
        URI other = URI.create("https://127.0.0.1:" + server.port() + "/elsewhere");
        assertUnauthorized(TestSupport.get(http, other, null));
        assertThat(TestSupport.get(http, other, auth()).statusCode()).isEqualTo(404);
    }

    static void assertUnauthorized(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Basic realm=\"storage-gateway\"");
        assertThat(response.body()).doesNotContain("soap:Envelope").doesNotContain("wsdl:");
    }

    @Test
    void responsesDoNotNameTheServerSoftware() throws Exception {
        HttpResponse<String> response = TestSupport.get(http, URI.create(endpoint + "?wsdl"), auth());
        assertThat(response.headers().firstValue("Server")).isEmpty();
        assertThat(response.headers().firstValue("X-Powered-By")).isEmpty();
    }

    // ------------------------------------------------------------------ operations and typed faults

    @Test
    void aCallReturnsTheMappedRecord() throws Exception {
        HttpResponse<String> response = call(createVdi("http-disk", "1000"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("<nameLabel>http-disk</nameLabel>")
                .contains("<virtualSize>1048576</virtualSize>")
                .contains("<srUuid>" + sr.uuid() + "</srUuid>")
                .contains("<smConfig><entry><key>vhd-format</key><value>dynamic</value></entry></smConfig>")
                .doesNotContain("<parentUuid");
    }

    static Stream<Arguments> failuresByKind() {
        return Stream.of(
                Arguments.of(StandardErrorCode.VDI_IN_USE, "UserFault", "soap:Client"),
                Arguments.of(StandardErrorCode.STORAGE_FAILURE, "ExternalFault", "soap:Server"),
                Arguments.of(StandardErrorCode.INSUFFICIENT_SPACE, "InsufficientResourcesFault", "soap:Server"),
                Arguments.of(StandardErrorCode.UNSUPPORTED_OPERATION, "UnsupportedFault", "soap:Server"),
                Arguments.of(StandardErrorCode.INTERNAL_ERROR, "InternalFault", "soap:Server"),
                // A driver's own code keeps its number and name.
                Arguments.of(ErrorCode.of(1234, "ARRAY_POOL_OFFLINE", ErrorKind.EXTERNAL), "ExternalFault",
                        "soap:Server"));
    }

    @ParameterizedTest
    @MethodSource("failuresByKind")
    void eachErrorKindIsItsOwnTypedFault(ErrorCode code, String faultElement, String faultCode) throws Exception {
        String name = "fail-" + code.name().toLowerCase();
        operations.failOn(name, () -> new StorageException(code, "It failed: " + code.name(),
                new IllegalStateException("secret cause detail")));

        HttpResponse<String> response = call(createVdi(name, "4096"));

        assertFault(response, faultCode, faultElement, code.code(), code.name(), code.kind().name());
        assertThat(response.body()).contains("<faultstring>It failed: " + code.name() + "</faultstring>")
                .doesNotContain("secret cause detail");
    }

    @Test
    void anUnexpectedExceptionIsAGenericInternalFault() throws Exception {
        operations.failOn("bug", () -> new IllegalStateException("secret internal detail /var/lib/gateway/db"));

        HttpResponse<String> response = call(createVdi("bug", "4096"));

        assertFault(response, "soap:Server", "InternalFault", 900, "INTERNAL_ERROR", "INTERNAL");
        assertThat(response.body())
                .containsPattern("Internal error in the gateway \\(incident [0-9a-f]{8}\\)")
                .doesNotContain("secret internal detail")
                .doesNotContain("IllegalStateException");
    }

    @Test
    void anErrorOutsideTheOperationsOwnHandlingIsAGenericInternalFaultToo() throws Exception {
        // An Error is not caught by the endpoint; CXF turns it into a fault after the operation ran.
        operations.failOn("error", () -> {
            throw new AssertionError("secret assertion detail");
        });

        HttpResponse<String> response = call(createVdi("error", "4096"));

        assertFault(response, "soap:Server", "InternalFault", 900, "INTERNAL_ERROR", "INTERNAL");
        assertThat(response.body())
                .containsPattern("<faultstring>Internal error in the gateway \\(incident [0-9a-f]{8}\\)")
                .doesNotContain("secret assertion detail")
                .doesNotContain("AssertionError");
    }

    @Test
    void aNullPointerBugIsAnInternalFaultButRecordValidationIsTheCallersFault() throws Exception {
        operations.failOn("npe-bug", () -> {
            String missing = null;
            return new RuntimeException(Integer.toString(missing.length()));
        });
        operations.failOn("npe-validation", () -> {
            try {
                java.util.Objects.requireNonNull(null, "parentUuid is null");
                return null;
            } catch (NullPointerException e) {
                return e;
            }
        });
        operations.failOn("iae-validation", () -> new IllegalArgumentException("nameLabel must not be blank"));

        HttpResponse<String> bug = call(createVdi("npe-bug", "4096"));
        assertFault(bug, "soap:Server", "InternalFault", 900, "INTERNAL_ERROR", "INTERNAL");
        assertThat(bug.body()).doesNotContain("because");

        HttpResponse<String> npe = call(createVdi("npe-validation", "4096"));
        assertFault(npe, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(npe.body()).contains("<faultstring>parentUuid is null</faultstring>");

        HttpResponse<String> iae = call(createVdi("iae-validation", "4096"));
        assertFault(iae, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(iae.body()).contains("<faultstring>nameLabel must not be blank</faultstring>");
    }

    @Test
    void anUnknownObjectIsAUserFault() throws Exception {
        HttpResponse<String> response = call(
                "<sg:getVirtualDisk><sg:vdiUuid>00000000-0000-4000-8000-000000000000</sg:vdiUuid></sg:getVirtualDisk>");
        assertFault(response, "soap:Client", "UserFault", 3, "VDI_NOT_FOUND", "USER");
    }

    @Test
    void secretDeviceConfigValuesAreNeverReturned() throws Exception {
        HttpResponse<String> response = call("<sg:createStorageRepository><sg:type>file</sg:type>"
                + "<sg:nameLabel>with-secret</sg:nameLabel><sg:deviceConfig>"
                + "<sg:entry><sg:key>path</sg:key><sg:value>/srv/a</sg:value></sg:entry>"
                + "<sg:entry><sg:key>password</sg:key><sg:value>hunter2-secret</sg:value></sg:entry>"
                + "</sg:deviceConfig></sg:createStorageRepository>");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("<deviceConfig><entry><key>path</key><value>/srv/a</value></entry></deviceConfig>")
                .contains("<secretKeys><key>password</key></secretKeys>")
                .doesNotContain("hunter2-secret");
    }

    @Test
    void aDeviceConfigKeyGivenTwiceIsRefused() throws Exception {
        HttpResponse<String> response = call("<sg:createStorageRepository><sg:type>file</sg:type>"
                + "<sg:nameLabel>dup</sg:nameLabel><sg:deviceConfig>"
                + "<sg:entry><sg:key>path</sg:key><sg:value>/a</sg:value></sg:entry>"
                + "<sg:entry><sg:key>path</sg:key><sg:value>/b</sg:value></sg:entry>"
                + "</sg:deviceConfig></sg:createStorageRepository>");
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).contains("deviceConfig key 'path' is given twice");
    }

    // ------------------------------------------------------------------ schema validation

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "9223372036854775808", "12abc", ""})
    void aSizeBelowOneOrNotALongIsRefusedBeforeTheEngine(String size) throws Exception {
        int before = operations.listVirtualDisks(sr.uuid()).size();
        HttpResponse<String> response = call(createVdi("bad-size", size));
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(operations.listVirtualDisks(sr.uuid())).hasSize(before);
    }

    @Test
    void theSchemaErrorSaysWhatIsWrong() throws Exception {
        HttpResponse<String> response = call(createVdi("zero", "0"));
        assertThat(response.body()).contains("minInclusive").contains("VirtualSizeBytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-uuid", "00000000-0000-4000-8000-00000000000", "00000000-0000-4000-8000-00000000000G",
            "00000000-0000-4000-8000-00000000000A", " 00000000-0000-4000-8000-000000000000x"})
    void aMalformedUuidIsRefused(String uuid) throws Exception {
        HttpResponse<String> response = call("<sg:getVirtualDisk><sg:vdiUuid>" + uuid + "</sg:vdiUuid>"
                + "</sg:getVirtualDisk>");
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).contains("Uuid");
    }

    @Test
    void missingAndUnknownElementsAreRefused() throws Exception {
        assertFault(call("<sg:createVirtualDisk><sg:srUuid>" + sr.uuid() + "</sg:srUuid>"
                + "<sg:virtualSizeBytes>1</sg:virtualSizeBytes></sg:createVirtualDisk>"),
                "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertFault(call("<sg:getVirtualDisk><sg:vdiUuid>00000000-0000-4000-8000-000000000000</sg:vdiUuid>"
                + "<sg:extra>1</sg:extra></sg:getVirtualDisk>"),
                "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertFault(call("<sg:formatTheArray/>"), "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertFault(TestSupport.post(http, endpoint, auth(), "this is not XML"),
                "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
    }

    @Test
    void aLongSecretValueIsNotEchoedInTheValidationFault() throws Exception {
        String secret = "S3CR3T".repeat(1000);
        HttpResponse<String> response = call("<sg:createStorageRepository><sg:type>file</sg:type>"
                + "<sg:nameLabel>long</sg:nameLabel><sg:deviceConfig>"
                + "<sg:entry><sg:key>password</sg:key><sg:value>" + secret + "</sg:value></sg:entry>"
                + "</sg:deviceConfig></sg:createStorageRepository>");
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).doesNotContain("S3CR3TS3CR3T").contains("6000 characters");
    }

    @Test
    void aSoap12EnvelopeIsAVersionMismatch() throws Exception {
        String soap12 = "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\""
                + " xmlns:sg=\"urn:storagegateway:1\"><env:Body><sg:listDrivers/></env:Body></env:Envelope>";
        HttpResponse<String> response = TestSupport.post(http, endpoint, auth(), soap12);
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("VersionMismatch");
        assertNoInternals(response.body());
    }

    @Test
    void otherRequestsGetCleanAnswers() throws Exception {
        HttpResponse<String> plainGet = TestSupport.get(http, endpoint, auth());
        assertFault(plainGet, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");

        HttpResponse<String> delete = http.send(HttpRequest.newBuilder(endpoint).DELETE()
                .header("Authorization", auth()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(405);
        assertNoInternals(delete.body());

        HttpResponse<String> unknownXsd = TestSupport.get(http, URI.create(endpoint + "?xsd=../../../etc/passwd"),
                auth());
        assertFault(unknownXsd, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(unknownXsd.body()).doesNotContain("root:");
    }

    // ------------------------------------------------------------------ XML hardening and limits

    @Test
    void aDoctypeWithAnExternalEntityIsRefusedAndNotExpanded() throws Exception {
        String xxe = "<?xml version=\"1.0\"?>"
                + "<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                + "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\""
                + " xmlns:sg=\"urn:storagegateway:1\"><soap:Body><sg:createVirtualDisk><sg:srUuid>" + sr.uuid()
                + "</sg:srUuid><sg:nameLabel>&xxe;</sg:nameLabel><sg:virtualSizeBytes>1</sg:virtualSizeBytes>"
                + "</sg:createVirtualDisk></soap:Body></soap:Envelope>";
        int before = operations.listVirtualDisks(sr.uuid()).size();

        HttpResponse<String> response = TestSupport.post(http, endpoint, auth(), xxe);

        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).contains("DTD").doesNotContain("root:");
        assertThat(operations.listVirtualDisks(sr.uuid())).hasSize(before);
    }

    @Test
    void entityExpansionIsRefused() throws Exception {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"")
                    .append(("&lol" + (i == 1 ? "" : Integer.toString(i - 1)) + ";").repeat(10)).append("\">");
        }
        dtd.append("]>");
        String bomb = "<?xml version=\"1.0\"?>" + dtd + TestSupport.envelope(createVdi("&lol9;", "1"))
                .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "");

        HttpResponse<String> response = TestSupport.post(http, endpoint, auth(), bomb);

        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).doesNotContain("lollol");
    }

    @Test
    void anEntityReferenceWithoutDtdIsRefused() throws Exception {
        HttpResponse<String> response = call(createVdi("&xxe;", "1"));
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
    }

    @Test
    void aTooDeepRequestIsRefused() throws Exception {
        // In a SOAP header, which CXF reads whole before the body, so that the depth limit is what stops it.
        String deep = "<sg:x>".repeat(200) + "</sg:x>".repeat(200);
        String xml = TestSupport.envelope(createVdi("deep", "1"))
                .replace("<soap:Body>", "<soap:Header>" + deep + "</soap:Header><soap:Body>");
        HttpResponse<String> response = TestSupport.post(http, endpoint, auth(), xml);
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).containsIgnoringCase("depth");
        assertThat(operations.listVirtualDisks(sr.uuid())).noneMatch(v -> v.nameLabel().equals("deep"));
    }

    static Stream<Arguments> headersOverALimit() {
        StringBuilder manyAttributes = new StringBuilder("<sg:h");
        for (int i = 0; i < 40; i++) {
            manyAttributes.append(" a").append(i).append("=\"x\"");
        }
        manyAttributes.append("/>");
        String tooManyElements = ("<sg:p>" + "<sg:c/>".repeat(1000) + "</sg:p>").repeat(12);
        return Stream.of(
                Arguments.of("children", "<sg:h>" + "<sg:c/>".repeat(2000) + "</sg:h>", "child"),
                Arguments.of("attributes", manyAttributes.toString(), "attribute"),
                Arguments.of("attribute size", "<sg:h a=\"" + "v".repeat(5000) + "\"/>", "attribute"),
                Arguments.of("elements", tooManyElements, "element count"));
    }

    /** Each StAX limit on its own: in a SOAP header, which CXF reads whole, so that no other check comes first. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("headersOverALimit")
    void eachXmlLimitIsEnforced(String limit, String header, String messagePart) throws Exception {
        String xml = TestSupport.envelope(createVdi("limit-" + limit.replace(' ', '-'), "1"))
                .replace("<soap:Body>", "<soap:Header>" + header + "</soap:Header><soap:Body>");
        HttpResponse<String> response = TestSupport.post(http, endpoint, auth(), xml);
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).containsIgnoringCase(messagePart).containsIgnoringCase("limit");
    }

    @Test
    void tooManyDeviceConfigEntriesAreRefused() throws Exception {
        String entries = "<sg:entry><sg:key>k</sg:key><sg:value>v</sg:value></sg:entry>".repeat(2000);
        HttpResponse<String> response = call("<sg:createStorageRepository><sg:type>file</sg:type>"
                + "<sg:nameLabel>many</sg:nameLabel><sg:deviceConfig>" + entries
                + "</sg:deviceConfig></sg:createStorageRepository>");
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
    }

    @Test
    void anOverlongTextIsRefused() throws Exception {
        HttpResponse<String> response = call(createVdi("x".repeat(100_000), "1"));
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(response.body()).doesNotContain("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }

    @Test
    void anOversizeBodyWithALengthIsRefusedWith413BeforeItIsSent() throws Exception {
        String head = TestSupport.headOnlyPost(credentials, server, 3L * 1024 * 1024);
        assertThat(head).startsWith("HTTP/1.1 413 ");
        assertNoInternals(head);
    }

    @Test
    void anOversizeChunkedBodyIsCutOff() throws Exception {
        byte[] xml = TestSupport.envelope(createVdi("big-chunked", "1") + "<!--" + "p".repeat(3 * 1024 * 1024)
                + "-->").getBytes(StandardCharsets.UTF_8);
        Supplier<java.io.InputStream> body = () -> new ByteArrayInputStream(xml);
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/xml; charset=UTF-8")
                .header("Authorization", auth())
                .POST(HttpRequest.BodyPublishers.ofInputStream(body)) // unknown length: sent chunked
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // The server may answer and close before the client has sent everything; that is a refusal too.
            assertThat(operations.listVirtualDisks(sr.uuid())).noneMatch(v -> v.nameLabel().equals("big-chunked"));
            return;
        }
        // Which limit stops it first depends on the content (here the comment's length); RequestLimitsTest checks
        // the body limit alone.
        assertFault(response, "soap:Client", "UserFault", 1, "INVALID_ARGUMENT", "USER");
        assertThat(operations.listVirtualDisks(sr.uuid())).noneMatch(v -> v.nameLabel().equals("big-chunked"));
    }

    // ------------------------------------------------------------------ TLS

    @Test
    void tls12And13AreAcceptedAndPlainHttpIsNot() throws Exception {
        assertThat(handshake(null)).isEqualTo("TLSv1.3");
        assertThat(handshake(new String[] {"TLSv1.2"})).isEqualTo("TLSv1.2");

        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Throwable failure = catchThrowable(() -> {
            HttpResponse<String> response = plain.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/storage-gateway?wsdl"))
                    .timeout(Duration.ofSeconds(10)).header("Authorization", auth()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isNotEqualTo(200);
            assertThat(response.body()).doesNotContain("wsdl:definitions");
        });
        if (failure != null) {
            assertThat(failure).isInstanceOf(IOException.class);
        }
    }

    @Test
    void tls11IsRefusedByTheServer() throws Exception {
        // The JDK client cannot even offer TLS 1.1 (jdk.tls.disabledAlgorithms); OpenSSL at security level 0 can.
        org.junit.jupiter.api.Assumptions.assumeTrue(ZeepClientTest.systemPythonHasZeep(),
                "/usr/bin/python3 is needed to offer TLS 1.1");
        String script = String.join("\n",
                "import socket, ssl, sys",
                "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)",
                "ctx.check_hostname = False",
                "ctx.verify_mode = ssl.CERT_NONE",
                "ctx.set_ciphers('DEFAULT:@SECLEVEL=0')",
                "ctx.minimum_version = ssl.TLSVersion.TLSv1_1",
                "ctx.maximum_version = ssl.TLSVersion.TLSv1_1",
                "try:",
                "    with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10) as s:",
                "        with ctx.wrap_socket(s) as t:",
                "            print('NEGOTIATED', t.version())",
                "except (ssl.SSLError, OSError) as e:",
                "    print('REFUSED', e)");
        Process p = new ProcessBuilder("/usr/bin/python3", "-W", "ignore", "-c", script,
                Integer.toString(server.port())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertThat(out).startsWith("REFUSED").doesNotContain("NEGOTIATED");
    }

    static String handshake(String[] protocols) throws Exception {
        try (SSLSocket socket = (SSLSocket) TestSupport.trusting(credentials).getSocketFactory()
                .createSocket("127.0.0.1", server.port())) {
            if (protocols != null) {
                socket.setEnabledProtocols(protocols);
            }
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }
}
