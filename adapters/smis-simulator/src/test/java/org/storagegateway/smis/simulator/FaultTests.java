package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.storagegateway.smis.simulator.CimHttp.classNameParam;
import static org.storagegateway.smis.simulator.CimHttp.intrinsic;

import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Injected faults, as the adapter's robustness tests will use them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultTests {
    static final String ENUMERATE_POOLS = intrinsic("EnumerateInstanceNames", "root/sim",
            classNameParam("CIM_StoragePool"));
    SmisSimulator sim;
    CimHttp http;

    @BeforeAll
    void start(@TempDir Path state) throws Exception {
        sim = TestSimulators.start(state, Behaviour.defaults(), false);
        http = new CimHttp(sim);
    }

    @BeforeEach
    void noFaults() {
        sim.behaviour(Behaviour.defaults());
    }

    @AfterAll
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void http500IsAnsweredForTheCountedRequestsOfTheNamedMethodOnly() throws Exception {
        sim.behaviour(Behaviour.defaults().withFault(Fault.http500("EnumerateInstanceNames").times(2)));
        HttpResponse<String> other = http.post("EnumerateInstances", "root/sim", intrinsic("EnumerateInstances",
                "root/sim", classNameParam("CIM_StoragePool")));
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(http.post("EnumerateInstanceNames", "root/sim", ENUMERATE_POOLS).statusCode()).isEqualTo(500);
        assertThat(http.post("EnumerateInstanceNames", "root/sim", ENUMERATE_POOLS).statusCode()).isEqualTo(500);
        assertThat(http.post("EnumerateInstanceNames", "root/sim", ENUMERATE_POOLS).statusCode()).isEqualTo(200);
    }

    @Test
    void aMalformedReplyIsNotWellFormedXml() throws Exception {
        sim.behaviour(Behaviour.defaults().withFault(Fault.malformedXml("*").times(1)));
        HttpResponse<String> r = http.post("EnumerateInstanceNames", "root/sim", ENUMERATE_POOLS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("xml"));
        assertThatThrownBy(() -> CimHttp.parse(r.body())).isInstanceOf(org.xml.sax.SAXParseException.class);
        CimHttp.parse(http.post("EnumerateInstanceNames", "root/sim", ENUMERATE_POOLS).body());
    }

    @Test
    void wbemcliReportsTheMalformedReplyAsAnError() throws Exception {
        Wbemcli.assumePresent();
        sim.behaviour(Behaviour.defaults().withFault(Fault.malformedXml("EnumerateInstanceNames").times(1)));
        Wbemcli.Result broken = Wbemcli.run("ein", TestSimulators.url(sim) + "/root/sim:CIM_StoragePool");
        assertThat(broken.exitCode()).isNotZero();
        Wbemcli.Result fine = Wbemcli.run("ein", TestSimulators.url(sim) + "/root/sim:CIM_StoragePool");
        assertThat(fine.exitCode()).as(fine.all()).isZero();
        assertThat(fine.lines()).hasSize(3);
    }

    @Test
    void aSlowReplyMakesAClientTimeOut() throws Exception {
        sim.behaviour(Behaviour.defaults().withFault(Fault.slowReply("EnumerateInstanceNames", 1500).times(1)));
        long started = System.nanoTime();
        assertThatThrownBy(() -> http.send("POST", Map.of("CIMOperation", "MethodCall",
                "CIMMethod", "EnumerateInstanceNames"), ENUMERATE_POOLS, true, Duration.ofMillis(300)))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1400));
        HttpResponse<String> next = http.send("POST", Map.of("CIMOperation", "MethodCall",
                "CIMMethod", "EnumerateInstanceNames"), ENUMERATE_POOLS, true, Duration.ofSeconds(5));
        assertThat(next.statusCode()).isEqualTo(200);
    }

    @Test
    void behaviourIsReadFromJson() throws Exception {
        String json = "{\"replyMode\":\"JOB\",\"methodReplyModes\":{\"returntostoragepool\":\"SYNCHRONOUS\"},"
                + "\"jobDurationMillis\":750,\"faults\":[{\"kind\":\"HTTP_500\",\"method\":\"GetInstance\",\"times\":1},"
                + "{\"kind\":\"SLOW_REPLY\",\"method\":\"*\",\"delayMillis\":10}]}";
        Behaviour b = new ObjectMapper().readValue(json, Behaviour.class);
        assertThat(b.replyMode()).isEqualTo(ReplyMode.JOB);
        assertThat(b.replyModeFor("ReturnToStoragePool")).isEqualTo(ReplyMode.SYNCHRONOUS);
        assertThat(b.replyModeFor("CreateOrModifyElementFromStoragePool")).isEqualTo(ReplyMode.JOB);
        assertThat(b.jobDurationMillis()).isEqualTo(750);
        assertThat(b.faults()).containsExactly(new Fault(Fault.Kind.HTTP_500, "GetInstance", 1, 0),
                new Fault(Fault.Kind.SLOW_REPLY, "*", 0, 10));
        Behaviour empty = new ObjectMapper().readValue("{}", Behaviour.class);
        assertThat(empty.replyMode()).isEqualTo(ReplyMode.SYNCHRONOUS);
        assertThat(empty.faults()).isEqualTo(List.of());
        Path file = Files.createTempFile("behaviour", ".json");
        Files.writeString(file, json);
        assertThat(new ObjectMapper().readValue(file.toFile(), Behaviour.class)).isEqualTo(b);
        Files.delete(file);
    }
}
