package org.storagegateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.ErrorKind;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;

/** sr-probe through the engine: a read-only driver call by SR type, with no SR and no task. */
class ProbeTests {
    private final InMemoryGatewayStore store = new InMemoryGatewayStore();
    private final FakeDriverRegistry registry = new FakeDriverRegistry();
    private final ProbingDriver probing = new ProbingDriver();
    private GatewayOperations gateway;

    @BeforeEach
    void startWithProbingAndMemoryDrivers() throws Exception {
        GatewayEngine engine = new GatewayEngine(store, registry, Clock.systemUTC());
        engine.start();
        registry.load(probing);
        registry.load(new MemoryDriver());
        engine.awaitDriverEvents();
        gateway = engine.operations();
    }

    @Test
    void probeHandsPlainKeysAsDeviceConfigAndSecretsOnlyThroughTheContext() {
        List<ProbeEntry> found = gateway.probeStorageRepository("probing",
                Map.of("server", "filer", "password", "s3cret"));

        assertThat(found).singleElement().satisfies(entry -> {
            assertThat(entry.kind()).isEqualTo(ProbeEntry.Kind.EXPORT);
            assertThat(entry.id()).isEqualTo("/export/filer");
            assertThat(entry.attributes()).containsEntry("secret-seen", "true");
        });
        assertThat(probing.deviceConfigSeen).containsExactly(Map.entry("server", "filer"));
    }

    @Test
    void probeIsReadOnly_itLeavesNoTaskAndNoSr() {
        gateway.probeStorageRepository("probing", Map.of("server", "filer"));

        List<TaskRecord> tasks = store.inTransaction(tx -> tx.tasks().listByState(TaskState.values()));
        assertThat(tasks).isEmpty();
        assertThat(gateway.listStorageRepositories()).isEmpty();
        assertThat(probing.probes).hasValue(1);
    }

    @Test
    void probeOfAnUnknownTypeOrUnknownKeyIsAUserError() {
        assertThatThrownBy(() -> gateway.probeStorageRepository("nosuch", Map.of()))
                .satisfies(e -> assertCode(e, StandardErrorCode.UNKNOWN_SR_TYPE.code(), ErrorKind.USER));
        assertThatThrownBy(() -> gateway.probeStorageRepository("probing", Map.of("colour", "red")))
                .satisfies(e -> assertCode(e, StandardErrorCode.INVALID_ARGUMENT.code(), ErrorKind.USER))
                .hasMessageContaining("colour");
        assertThat(probing.probes).hasValue(0);
    }

    @Test
    void probeOfADriverWithoutSrProbeIsUnsupported() {
        assertThatThrownBy(() -> gateway.probeStorageRepository("memory", Map.of("zone", "a")))
                .satisfies(e -> assertCode(e, StandardErrorCode.UNSUPPORTED_OPERATION.code(),
                        ErrorKind.UNSUPPORTED));
    }

    @Test
    void aDriverErrorKeepsItsCodeAndKind() {
        assertThatThrownBy(() -> gateway.probeStorageRepository("probing", Map.of("server", "unreachable")))
                .satisfies(e -> assertCode(e, ProbingDriver.UNREACHABLE.code(), ErrorKind.EXTERNAL))
                .hasMessageContaining("unreachable");
    }

    private static void assertCode(Throwable e, int code, ErrorKind kind) {
        assertThat(e).isInstanceOf(StorageException.class);
        assertThat(((StorageException) e).errorCode().code()).isEqualTo(code);
        assertThat(((StorageException) e).errorCode().kind()).isEqualTo(kind);
    }

    /** A driver that only probes: one export per server, and a typed failure for the server "unreachable". */
    private static final class ProbingDriver implements StorageDriverFactory {
        static final ErrorCode UNREACHABLE = ErrorCode.of(9001, "TEST_SERVER_UNREACHABLE", ErrorKind.EXTERNAL);
        final AtomicInteger probes = new AtomicInteger();
        volatile Map<String, String> deviceConfigSeen = Map.of();

        @Override
        public DriverDescriptor descriptor() {
            return new DriverDescriptor("probing", "tests", "1.0.0", "1.0", "probe-only test driver",
                    List.of(new ConfigKey("server", "a plain key", true, false),
                            new ConfigKey("password", "a secret key", false, true)),
                    EnumSet.of(Capability.SR_PROBE));
        }

        @Override
        public StorageRepository open(RepositoryConfig config, DriverContext context) {
            throw StorageException.unsupported("open");
        }

        @Override
        public List<ProbeEntry> probe(Map<String, String> deviceConfig, DriverContext context) {
            probes.incrementAndGet();
            deviceConfigSeen = deviceConfig;
            String server = deviceConfig.get("server");
            if ("unreachable".equals(server)) {
                throw new StorageException(UNREACHABLE, "server " + server + " is unreachable");
            }
            Optional<String> secret = context.secret("password");
            return List.of(new ProbeEntry(ProbeEntry.Kind.EXPORT, "/export/" + server, "/export/" + server,
                    Map.of("secret-seen", Boolean.toString(secret.isPresent()))));
        }
    }
}
