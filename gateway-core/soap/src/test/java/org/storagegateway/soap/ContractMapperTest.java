package org.storagegateway.soap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.soap.contract.DeviceConfig;
import org.storagegateway.soap.contract.DeviceConfigEntry;
import org.storagegateway.soap.contract.ErrorKind;
import org.storagegateway.soap.contract.StorageRepository;
import org.storagegateway.soap.contract.Task;
import org.storagegateway.soap.contract.UserFault;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.ProbeEntry;

class ContractMapperTest {

    static final Instant T = Instant.parse("2026-03-04T05:06:07.123456789Z");

    static TaskRecord task(Optional<Integer> code, Optional<String> name, Optional<String> kind,
            Optional<String> message) {
        return new TaskRecord("11111111-1111-4111-8111-111111111111", "vdi.create", "k", "fp", TaskState.FAILURE, 1,
                false, Optional.empty(), Optional.empty(), Optional.empty(), code, name, kind, message,
                Optional.of("rolled back"), T, Optional.of(T));
    }

    @Test
    void timesAreUtcWithMicroseconds() {
        assertThat(ContractMapper.dateTime(T).toXMLFormat()).isEqualTo("2026-03-04T05:06:07.123456Z");
        assertThat(ContractMapper.dateTime(Instant.parse("2026-03-04T05:06:07Z")).toXMLFormat())
                .isEqualTo("2026-03-04T05:06:07Z");
    }

    @Test
    void everyProbeEntryKindMatchesTheSchemaPatternAndEntriesKeepEveryField() {
        for (ProbeEntry.Kind kind : ProbeEntry.Kind.values()) {
            org.storagegateway.soap.contract.ProbeEntry out = ContractMapper.probeEntry(
                    new ProbeEntry(kind, "/srv/nfs", "export", Map.of("b", "2", "a", "1")));
            assertThat(out.getKind()).isEqualTo(kind.name()).matches("[A-Z][A-Z0-9_]*");
            assertThat(out.getId()).isEqualTo("/srv/nfs");
            assertThat(out.getName()).isEqualTo("export");
            assertThat(out.getAttributes().getEntry()).extracting(e -> e.getKey() + "=" + e.getValue())
                    .containsExactly("a=1", "b=2");
        }
    }

    @Test
    void everyTaskStateHasItsContractValue() {
        for (TaskState state : TaskState.values()) {
            assertThat(ContractMapper.taskState(state).value()).isEqualTo(state.name().toLowerCase());
        }
    }

    @Test
    void aTaskErrorKeepsItsPartsAndFillsMissingOnes() {
        Task full = ContractMapper.task(task(Optional.of(200), Optional.of("INSUFFICIENT_SPACE"),
                Optional.of("INSUFFICIENT_RESOURCES"), Optional.of("SR full")));
        assertThat(full.getError().getCode()).isEqualTo(200);
        assertThat(full.getError().getName()).isEqualTo("INSUFFICIENT_SPACE");
        assertThat(full.getError().getKind()).isEqualTo(ErrorKind.INSUFFICIENT_RESOURCES);
        assertThat(full.getError().getMessage()).isEqualTo("SR full");
        assertThat(full.getResolution()).isEqualTo("rolled back");
        assertThat(full.getSubjectUuid()).isNull();

        Task partial = ContractMapper.task(task(Optional.empty(), Optional.empty(), Optional.of("NO_SUCH_KIND"),
                Optional.of("odd")));
        assertThat(partial.getError().getCode()).isEqualTo(900);
        assertThat(partial.getError().getName()).isEqualTo("INTERNAL_ERROR");
        assertThat(partial.getError().getKind()).isEqualTo(ErrorKind.INTERNAL);

        Task none = ContractMapper.task(task(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(none.getError()).isNull();
    }

    @Test
    void aSecretValueIsNeverMappedEvenIfARecordCarriesIt() {
        StorageRepositoryRecord record = new StorageRepositoryRecord("22222222-2222-4222-8222-222222222222", "file",
                "sr", Map.of("path", "/x", "password", "leaked", "b", "2"), Set.of("password", "token"), T);
        StorageRepository sr = ContractMapper.storageRepository(record);
        assertThat(sr.getDeviceConfig().getEntry()).extracting(e -> e.getKey()).containsExactly("b", "path");
        assertThat(sr.getSecretKeys().getKey()).containsExactly("password", "token");
    }

    @Test
    void aDuplicateDeviceConfigKeyIsRefused() {
        DeviceConfig config = new DeviceConfig();
        for (String value : new String[] {"a", "b"}) {
            DeviceConfigEntry e = new DeviceConfigEntry();
            e.setKey("path");
            e.setValue(value);
            config.getEntry().add(e);
        }
        assertThatThrownBy(() -> ContractMapper.deviceConfig(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("given twice");
        assertThat(ContractMapper.deviceConfig(null)).isEmpty();
    }

    @Test
    void faultsCarryNoCauseAndACleanMessage() {
        Exception fault = Faults.toFault("op", new StorageException(StandardErrorCode.VDI_IN_USE,
                "line one\nline two\u0000", new RuntimeException("cause")));
        assertThat(fault).isInstanceOf(UserFault.class).hasNoCause();
        assertThat(fault.getMessage()).isEqualTo("line one line two");
        assertThat(((UserFault) fault).getFaultInfo().getCode()).isEqualTo(7);

        assertThat(Faults.clean("x".repeat(5000))).hasSize(2001).endsWith("…");
        assertThat(Faults.clean(null)).isEqualTo("(no message)");
    }
}
