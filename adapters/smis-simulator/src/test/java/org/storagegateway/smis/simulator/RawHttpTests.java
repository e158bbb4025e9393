package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.smis.simulator.CimHttp.classNameParam;
import static org.storagegateway.smis.simulator.CimHttp.intrinsic;
import static org.storagegateway.smis.simulator.CimHttp.namespace;
import static org.storagegateway.smis.simulator.CimHttp.request;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.simulator.array.Names;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The wire protocol checked with hand-written requests: M-POST, status codes, CIMError headers, XML hardening. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RawHttpTests {
    SmisSimulator sim;
    CimHttp http;
    Path state;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        state = dir;
        sim = TestSimulators.start(dir, Behaviour.defaults(), false);
        http = new CimHttp(sim);
    }

    @AfterAll
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void mPostWithTheCimMappingExtensionIsServedWithPrefixedHeaders() throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Man", "http://www.dmtf.org/cim/mapping/http/v1.0;ns=73");
        headers.put("73-CIMOperation", "MethodCall");
        headers.put("73-CIMMethod", "EnumerateInstanceNames");
        headers.put("73-CIMObject", "root%2Finterop");
        HttpResponse<String> r = http.send("M-POST", headers,
                intrinsic("EnumerateInstanceNames", "root/interop", classNameParam("CIM_RegisteredProfile")), true,
                Duration.ofSeconds(10));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("73-CIMOperation")).hasValue("MethodResponse");
        assertThat(r.headers().firstValue("Ext")).isPresent();
        assertThat(r.body()).contains("SNIA:Array:1.5.0");
    }

    @Test
    void whatCannotBeDoneGets501WithoutCimErrorSoClientsFallBackToPost() throws Exception {
        HttpResponse<String> noExtension = http.send("M-POST", Map.of("CIMOperation", "MethodCall"),
                intrinsic("EnumerateInstanceNames", "interop", classNameParam("CIM_RegisteredProfile")), true,
                Duration.ofSeconds(10));
        assertThat(noExtension.statusCode()).isEqualTo(501);
        assertThat(noExtension.headers().firstValue("CIMError")).isEmpty();
        for (String method : new String[] {"GET", "PUT", "DELETE"}) {
            HttpResponse<String> r = http.send(method, Map.of(), "", true, Duration.ofSeconds(10));
            assertThat(r.statusCode()).as(method).isEqualTo(501);
            assertThat(r.headers().firstValue("CIMError")).isEmpty();
        }
    }

    @Test
    void protocolErrorsCarryTheDsp0200CimErrorHeader() throws Exception {
        String good = intrinsic("EnumerateInstanceNames", "interop", classNameParam("CIM_RegisteredProfile"));
        assertCimError(http.send("POST", Map.of("CIMMethod", "EnumerateInstanceNames"), good, true,
                Duration.ofSeconds(10)), 400, "unsupported-operation");
        assertCimError(http.post("GetInstance", "interop", good), 400, "header-mismatch");
        assertCimError(http.post("EnumerateInstanceNames", "interop", "<CIM><MESSAGE"), 400,
                "request-not-well-formed");
        assertCimError(http.post("EnumerateInstanceNames", "interop", good.replace("CIMVERSION=\"2.0\"",
                "CIMVERSION=\"3.0\"")), 501, "unsupported-cim-version");
        assertCimError(http.post("EnumerateInstanceNames", "interop", good.replace("<SIMPLEREQ>", "<MULTIREQ>")
                .replace("</SIMPLEREQ>", "</MULTIREQ>")), 501, "multiple-requests-unsupported");
        assertCimError(http.post("EnumerateInstanceNames", "interop", good.replace("<SIMPLEREQ>", "<SIMPLERSP>")
                .replace("</SIMPLEREQ>", "</SIMPLERSP>")), 400, "request-not-valid");
    }

    @Test
    void aFirstRequestWithoutCredentialsGetsTheBasicChallengeOnAConnectionThatStaysOpen() throws Exception {
        String body = intrinsic("EnumerateInstanceNames", "interop", classNameParam("CIM_RegisteredProfile"));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String auth = Base64.getEncoder().encodeToString((sim.user() + ":" + sim.password())
                .getBytes(StandardCharsets.UTF_8));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), sim.httpPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            out.write(head(bytes.length, null).getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            List<String> first = readHead(in);
            assertThat(first.get(0)).startsWith("HTTP/1.1 401");
            assertThat(first).anyMatch(h -> h.equalsIgnoreCase("WWW-Authenticate: Basic realm=\"smis-simulator\""));
            assertThat(first).anyMatch(h -> h.equalsIgnoreCase("Content-Length: 0"));
            // SBLIM retries with credentials on the same connection.
            out.write(head(bytes.length, auth).getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            List<String> second = readHead(in);
            assertThat(second.get(0)).startsWith("HTTP/1.1 200");
        }
        HttpResponse<String> wrong = http.send("POST", Map.of("CIMOperation", "MethodCall",
                "Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:nope".getBytes())), body, false,
                Duration.ofSeconds(10));
        assertThat(wrong.statusCode()).isEqualTo(401);
    }

    private String head(int length, String auth) {
        return "POST /cimom HTTP/1.1\r\nHost: 127.0.0.1:" + sim.httpPort() + "\r\n"
                + "Content-Type: application/xml; charset=\"utf-8\"\r\nContent-Length: " + length + "\r\n"
                + "CIMOperation: MethodCall\r\nCIMMethod: EnumerateInstanceNames\r\nCIMObject: interop\r\n"
                + (auth == null ? "" : "Authorization: Basic " + auth + "\r\n") + "\r\n";
    }

    /** Read a response's status line and headers, then skip its body. */
    private static List<String> readHead(BufferedReader in) throws Exception {
        List<String> lines = new ArrayList<>();
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            lines.add(line);
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        for (int i = 0; i < length; i++) {
            in.read();
        }
        return lines;
    }

    @Test
    void dtdsAndExternalEntitiesAreRefusedWithoutBeingFetched() throws Exception {
        Path secret = state.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET-CONTENT");
        String xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE CIM [<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">]>\n"
                + "<CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\"><MESSAGE ID=\"1\" PROTOCOLVERSION=\"1.0\"><SIMPLEREQ>"
                + "<IMETHODCALL NAME=\"EnumerateInstanceNames\"><LOCALNAMESPACEPATH><NAMESPACE NAME=\"&xxe;\"/>"
                + "</LOCALNAMESPACEPATH>" + classNameParam("CIM_RegisteredProfile")
                + "</IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>";
        HttpResponse<String> r = http.post("EnumerateInstanceNames", "interop", xxe);
        assertCimError(r, 400, "request-not-valid");
        assertThat(r.body()).doesNotContain("TOP-SECRET-CONTENT");

        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(500);
            String external = "<?xml version=\"1.0\"?>\n<!DOCTYPE CIM SYSTEM \"http://127.0.0.1:"
                    + listener.getLocalPort() + "/cim.dtd\">\n"
                    + intrinsic("EnumerateInstanceNames", "interop", classNameParam("CIM_RegisteredProfile"))
                    .replaceFirst("<\\?xml[^>]*>\\n", "");
            assertCimError(http.post("EnumerateInstanceNames", "interop", external), 400, "request-not-valid");
            boolean fetched;
            try (Socket s = listener.accept()) {
                fetched = true;
            } catch (SocketTimeoutException expected) {
                fetched = false;
            }
            assertThat(fetched).as("the external DTD was fetched").isFalse();
        }

        StringBuilder laughs = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE CIM [<!ENTITY a \"aaaaaaaaaa\">");
        char prev = 'a';
        for (char c = 'b'; c <= 'j'; c++) {
            laughs.append("<!ENTITY ").append(c).append(" \"").append(("&" + prev + ";").repeat(10)).append("\">");
            prev = c;
        }
        laughs.append("]><CIM CIMVERSION=\"2.0\" DTDVERSION=\"2.0\">&j;</CIM>");
        assertCimError(http.post("EnumerateInstanceNames", "interop", laughs.toString()), 400, "request-not-valid");

        String deep = "<a>".repeat(200) + "</a>".repeat(200);
        assertCimError(http.post("EnumerateInstanceNames", "interop", deep), 400, "request-not-valid");
    }

    @Test
    void anOversizedRequestIsRefused() throws Exception {
        String big = intrinsic("EnumerateInstanceNames", "interop",
                classNameParam("CIM_RegisteredProfile") + "<!--" + "x".repeat(SimulatorConfig.DEFAULT_MAX_REQUEST_BYTES)
                        + "-->");
        assertThat(http.post("EnumerateInstanceNames", "interop", big).statusCode()).isEqualTo(413);
    }

    @Test
    void repliesNeverUseSelfClosingTags() throws Exception {
        List<String> bodies = new ArrayList<>();
        bodies.add(http.post("EnumerateInstances", "root/sim", intrinsic("EnumerateInstances", "root/sim",
                classNameParam("CIM_StoragePool"))).body());
        // Nothing to return: the IRETURNVALUE is still written with an end tag.
        String empty = http.post("EnumerateInstances", "root/sim", intrinsic("EnumerateInstances", "root/sim",
                classNameParam("CIM_StorageVolume"))).body();
        assertThat(empty).contains("<IRETURNVALUE></IRETURNVALUE>");
        bodies.add(empty);
        bodies.add(http.post("GetClass", "root/sim", intrinsic("GetClass", "root/sim",
                classNameParam("SIM_StorageConfigurationService") + "<IPARAMVALUE NAME=\"LocalOnly\"><VALUE>FALSE"
                        + "</VALUE></IPARAMVALUE>")).body());
        bodies.add(http.post("Associators", "interop", intrinsic("Associators", "interop",
                "<IPARAMVALUE NAME=\"ObjectName\">" + profileName() + "</IPARAMVALUE>")).body());
        bodies.add(http.post("EnumerateInstances", "root/sim", intrinsic("EnumerateInstances", "root/sim",
                classNameParam("CIM_NoSuchClass"))).body());
        for (String body : bodies) {
            CimHttp.parse(body);
            assertThat(body).doesNotContain("/>").startsWith("<?xml");
        }
    }

    @Test
    void extrinsicRepliesTypeTheReturnValueAndEveryOutputAndUseFullPaths() throws Exception {
        String call = request("<METHODCALL NAME=\"CreateOrModifyElementFromStoragePool\"><LOCALINSTANCEPATH>"
                + namespace("root/sim") + serviceName() + "</LOCALINSTANCEPATH>"
                + "<PARAMVALUE NAME=\"ElementName\"><VALUE>raw-vol</VALUE></PARAMVALUE>"
                + "<PARAMVALUE NAME=\"ElementType\"><VALUE>2</VALUE></PARAMVALUE>"
                + "<PARAMVALUE NAME=\"Size\"><VALUE>1048576</VALUE></PARAMVALUE>"
                + "<PARAMVALUE NAME=\"InPool\"><VALUE.REFERENCE><INSTANCENAME CLASSNAME=\"SIM_StoragePool\">"
                + "<KEYBINDING NAME=\"InstanceID\"><KEYVALUE VALUETYPE=\"string\">" + Names.THICK_POOL_ID
                + "</KEYVALUE></KEYBINDING></INSTANCENAME></VALUE.REFERENCE></PARAMVALUE></METHODCALL>");
        HttpResponse<String> r = http.post("CreateOrModifyElementFromStoragePool",
                "root%2Fsim%3ASIM_StorageConfigurationService", call);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("application/xml"));
        Document doc = CimHttp.parse(r.body());
        assertThat(((Element) doc.getElementsByTagName("MESSAGE").item(0)).getAttribute("ID")).isEqualTo("1001");
        Element response = (Element) doc.getElementsByTagName("METHODRESPONSE").item(0);
        assertThat(response.getAttribute("NAME")).isEqualTo("CreateOrModifyElementFromStoragePool");
        Element rv = (Element) doc.getElementsByTagName("RETURNVALUE").item(0);
        assertThat(rv.getAttribute("PARAMTYPE")).isEqualTo("uint32");
        assertThat(rv.getTextContent()).isEqualTo("0");
        NodeList outs = doc.getElementsByTagName("PARAMVALUE");
        assertThat(outs.getLength()).isEqualTo(2);
        Element theElement = null;
        for (int i = 0; i < outs.getLength(); i++) {
            Element p = (Element) outs.item(i);
            assertThat(p.getAttribute("PARAMTYPE")).as(p.getAttribute("NAME")).isNotEmpty();
            if (p.getAttribute("NAME").equals("TheElement")) {
                theElement = p;
                assertThat(p.getAttribute("PARAMTYPE")).isEqualTo("reference");
            } else {
                assertThat(p.getAttribute("NAME")).isEqualTo("Size");
                assertThat(p.getAttribute("PARAMTYPE")).isEqualTo("uint64");
            }
        }
        assertThat(theElement).isNotNull();
        Element host = (Element) theElement.getElementsByTagName("HOST").item(0);
        assertThat(host.getTextContent()).isEqualTo("127.0.0.1:" + sim.httpPort());
        NodeList ns = theElement.getElementsByTagName("NAMESPACE");
        assertThat(ns.getLength()).isEqualTo(2);

        // Give the path back exactly as received (HOST and all), as lsm does.
        String path = r.body().substring(r.body().indexOf("<VALUE.REFERENCE>"), r.body().indexOf("</VALUE.REFERENCE>")
                + "</VALUE.REFERENCE>".length());
        HttpResponse<String> back = http.post("ReturnToStoragePool", "root/sim", request(
                "<METHODCALL NAME=\"ReturnToStoragePool\"><LOCALINSTANCEPATH>" + namespace("root/sim") + serviceName()
                        + "</LOCALINSTANCEPATH><PARAMVALUE NAME=\"TheElement\" PARAMTYPE=\"reference\">" + path
                        + "</PARAMVALUE></METHODCALL>"));
        Element backRv = (Element) CimHttp.parse(back.body()).getElementsByTagName("RETURNVALUE").item(0);
        assertThat(backRv.getAttribute("PARAMTYPE")).isEqualTo("uint32");
        assertThat(backRv.getTextContent()).isEqualTo("0");
        assertThat(sim.state().volumes()).isEmpty();
    }

    @Test
    void badMaskingAndReplicationArgumentsGetCimErrorsOrReturnCodesNeverACrash() throws Exception {
        String ccs = "ControllerConfigurationService";
        String lun = "<PARAMVALUE NAME=\"LUNames\"><VALUE.ARRAY><VALUE>6FFF</VALUE></VALUE.ARRAY></PARAMVALUE>";
        assertThat(errorCode(call(ccs, "ExposePaths", "<PARAMVALUE NAME=\"LUNames\"><VALUE>6FFF</VALUE></PARAMVALUE>")))
                .as("a scalar for an array").isEqualTo(4);
        assertThat(errorCode(call(ccs, "ExposePaths", lun + "<PARAMVALUE NAME=\"DeviceAccesses\"><VALUE.ARRAY>"
                + "<VALUE>rw</VALUE></VALUE.ARRAY></PARAMVALUE>"))).as("text for a uint16").isEqualTo(4);
        assertThat(errorCode(call(ccs, "ExposePaths", lun + "<PARAMVALUE NAME=\"ProtocolControllers\">"
                + "<VALUE.REFERENCE><INSTANCENAME CLASSNAME=\"SIM_SCSIProtocolController\">" + key("DeviceID", "SPC-9")
                + "</INSTANCENAME></VALUE.REFERENCE></PARAMVALUE>"))).as("a reference for a reference array")
                .isEqualTo(4);
        assertThat(errorCode(call(ccs, "ExposePaths", lun + "<PARAMVALUE NAME=\"ProtocolControllers\">"
                + "<VALUE.REFARRAY><VALUE.REFERENCE><INSTANCENAME CLASSNAME=\"SIM_SCSIProtocolController\">"
                + key("DeviceID", "SPC-9") + "</INSTANCENAME></VALUE.REFERENCE></VALUE.REFARRAY></PARAMVALUE>")))
                .as("no such view").isEqualTo(6);
        assertThat(returnValue(call(ccs, "ExposePaths", lun + "<PARAMVALUE NAME=\"InitiatorPortIDs\"><VALUE.ARRAY>"
                + "<VALUE>iqn.2026-01.org.example:h</VALUE></VALUE.ARRAY></PARAMVALUE>"))).isEqualTo("4097");
        assertThat(returnValue(call("GroupMaskingMappingService", "CreateGroup",
                "<PARAMVALUE NAME=\"GroupName\"><VALUE>g</VALUE></PARAMVALUE>"
                        + "<PARAMVALUE NAME=\"Type\"><VALUE>9</VALUE></PARAMVALUE>"))).isEqualTo("5");
        assertThat(errorCode(call("GroupMaskingMappingService", "AddMembers", "<PARAMVALUE NAME=\"MaskingGroup\">"
                + "<VALUE.REFERENCE><INSTANCENAME CLASSNAME=\"SIM_DeviceMaskingGroup\">" + key("InstanceID", "SIM:DG-9")
                + "</INSTANCENAME></VALUE.REFERENCE></PARAMVALUE>"))).isEqualTo(6);
        assertThat(returnValue(call("ReplicationService", "ModifyReplicaSynchronization",
                "<PARAMVALUE NAME=\"Operation\"><VALUE>8</VALUE></PARAMVALUE>"))).isEqualTo("5");
        assertThat(errorCode(call("ReplicationService", "CreateElementReplica",
                "<PARAMVALUE NAME=\"SyncType\"><VALUE>70000</VALUE></PARAMVALUE>"))).as("out of uint16").isEqualTo(4);
        assertThat(sim.state().views()).isEmpty();
        assertThat(sim.state().groups()).isEmpty();
        assertThat(sim.state().hardwareIds()).as("nothing half-done").isEmpty();
    }

    @Test
    void operationErrorsAreCimStatusCodesInAnErrorElement() throws Exception {
        assertThat(errorCode(http.post("OpenEnumerateInstances", "root/sim", intrinsic("OpenEnumerateInstances",
                "root/sim", classNameParam("CIM_StoragePool"))))).isEqualTo(7);
        assertThat(errorCode(http.post("ExecQuery", "root/sim", intrinsic("ExecQuery", "root/sim", "")))).isEqualTo(7);
        assertThat(errorCode(http.post("EnumerateInstances", "root/sim", intrinsic("EnumerateInstances", "root/sim",
                classNameParam("CIM_StoragePool") + "<IPARAMVALUE NAME=\"Bogus\"><VALUE>1</VALUE></IPARAMVALUE>"))))
                .isEqualTo(4);
        assertThat(errorCode(http.post("EnumerateInstances", "root/sim", intrinsic("EnumerateInstances", "root/sim",
                "")))).isEqualTo(4);
        assertThat(errorCode(http.post("EnumerateInstances", "root/nowhere", intrinsic("EnumerateInstances",
                "root/nowhere", classNameParam("CIM_StoragePool"))))).isEqualTo(3);
        assertThat(errorCode(http.post("CreateOrModifyElementFromStoragePool", "root/sim", request(
                "<METHODCALL NAME=\"CreateOrModifyElementFromStoragePool\"><LOCALINSTANCEPATH>" + namespace("root/sim")
                        + serviceName() + "</LOCALINSTANCEPATH><PARAMVALUE NAME=\"Size\"><VALUE>lots</VALUE>"
                        + "</PARAMVALUE></METHODCALL>")))).isEqualTo(4);
        assertThat(errorCode(http.post("CreateOrModifyElementFromStoragePool", "root/sim", request(
                "<METHODCALL NAME=\"CreateOrModifyElementFromStoragePool\"><LOCALINSTANCEPATH>" + namespace("root/sim")
                        + serviceName() + "</LOCALINSTANCEPATH><PARAMVALUE NAME=\"Colour\"><VALUE>red</VALUE>"
                        + "</PARAMVALUE></METHODCALL>")))).isEqualTo(4);
        assertThat(errorCode(http.post("ReturnToStoragePool", "root/sim", request(
                "<METHODCALL NAME=\"ReturnToStoragePool\"><LOCALINSTANCEPATH>" + namespace("root/sim")
                        + "<INSTANCENAME CLASSNAME=\"SIM_StorageConfigurationService\"><KEYBINDING NAME=\"Name\">"
                        + "<KEYVALUE>nope</KEYVALUE></KEYBINDING></INSTANCENAME></LOCALINSTANCEPATH></METHODCALL>"))))
                .isEqualTo(6);
    }

    @Test
    void associatorsReturnFullInstancePathsWithHostAndNamespace() throws Exception {
        HttpResponse<String> r = http.post("Associators", "interop", intrinsic("Associators", "interop",
                "<IPARAMVALUE NAME=\"ObjectName\">" + profileName() + "</IPARAMVALUE>"
                        + "<IPARAMVALUE NAME=\"ResultClass\"><CLASSNAME NAME=\"CIM_ComputerSystem\"/></IPARAMVALUE>"
                        + "<IPARAMVALUE NAME=\"PropertyList\"><VALUE.ARRAY><VALUE>Name</VALUE><VALUE>ElementName</VALUE>"
                        + "<VALUE>OperationalStatus</VALUE></VALUE.ARRAY></IPARAMVALUE>"));
        Document doc = CimHttp.parse(r.body());
        NodeList objects = doc.getElementsByTagName("VALUE.OBJECTWITHPATH");
        assertThat(objects.getLength()).isEqualTo(1);
        Element object = (Element) objects.item(0);
        assertThat(object.getElementsByTagName("HOST").item(0).getTextContent())
                .isEqualTo("127.0.0.1:" + sim.httpPort());
        NodeList ns = object.getElementsByTagName("NAMESPACE");
        assertThat(((Element) ns.item(0)).getAttribute("NAME")).isEqualTo("root");
        assertThat(((Element) ns.item(1)).getAttribute("NAME")).isEqualTo("sim");
        // The PropertyList is honoured: exactly the three properties.
        Element instance = (Element) object.getElementsByTagName("INSTANCE").item(0);
        assertThat(instance.getElementsByTagName("PROPERTY").getLength()
                + instance.getElementsByTagName("PROPERTY.ARRAY").getLength()).isEqualTo(3);
    }

    private static String profileName() {
        return "<INSTANCENAME CLASSNAME=\"SIM_RegisteredProfile\"><KEYBINDING NAME=\"InstanceID\">"
                + "<KEYVALUE VALUETYPE=\"string\">SNIA:Array:1.5.0</KEYVALUE></KEYBINDING></INSTANCENAME>";
    }

    private String serviceName() {
        return serviceName("StorageConfigurationService");
    }

    private String serviceName(String name) {
        return "<INSTANCENAME CLASSNAME=\"SIM_" + name + "\">"
                + key("CreationClassName", "SIM_" + name) + key("Name", name)
                + key("SystemCreationClassName", "SIM_StorageSystem") + key("SystemName", sim.systemName())
                + "</INSTANCENAME>";
    }

    /** An extrinsic call on one of the array's services, with PARAMVALUEs as given. */
    private HttpResponse<String> call(String service, String method, String params) throws Exception {
        return http.post(method, "root/sim", request("<METHODCALL NAME=\"" + method + "\"><LOCALINSTANCEPATH>"
                + namespace("root/sim") + serviceName(service) + "</LOCALINSTANCEPATH>" + params + "</METHODCALL>"));
    }

    private static String returnValue(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return CimHttp.parse(r.body()).getElementsByTagName("RETURNVALUE").item(0).getTextContent();
    }

    private static String key(String name, String value) {
        return "<KEYBINDING NAME=\"" + name + "\"><KEYVALUE VALUETYPE=\"string\">" + value + "</KEYVALUE></KEYBINDING>";
    }

    private static int errorCode(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        NodeList errors = CimHttp.parse(r.body()).getElementsByTagName("ERROR");
        assertThat(errors.getLength()).as(r.body()).isEqualTo(1);
        return Integer.parseInt(((Element) errors.item(0)).getAttribute("CODE"));
    }

    private static void assertCimError(HttpResponse<String> r, int status, String cimError) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("CIMError")).as(r.body()).hasValue(cimError);
    }
}
