package org.storagegateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.storagegateway.spi.ErrorKind;

/** The SPI's values check themselves, and its error codes stay in the bridge's range. */
class BridgeRecordsTests {

    @Test
    void theGuestSeesTheFirstTwentyCharactersOfTheVbdUuidAsSerial() {
        VbdSpec vbd = VbdSpec.of("3f2a6c1e-9b7d-4e21-8c55-0d4f6a7b8c9d", "vdi");
        assertThat(vbd.serial()).isEqualTo("3f2a6c1e-9b7d-4e21-8").hasSize(20);
        assertThat(VbdSpec.of("short", "vdi").serial()).isEqualTo("short");
        assertThat(vbd.withVdi("other").serial()).isEqualTo(vbd.serial());
    }

    @Test
    void aVmRecordRefusesTwoVbdsWithOneUuidAndCopiesItsCollections() {
        Boot boot = new Boot.DirectKernel("/k", null, "console=ttyS0");
        assertThatThrownBy(() -> new VmSpec("vm", "n", 256, 1, boot, List.of(VbdSpec.of("a", "v1"), VbdSpec.of("a", "v2")), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VmSpec("vm", "n", 8, 1, boot, List.of(), Map.of())).isInstanceOf(IllegalArgumentException.class);
        java.util.ArrayList<VbdSpec> vbds = new java.util.ArrayList<>(List.of(VbdSpec.of("a", "v1")));
        VmSpec spec = new VmSpec("vm", "n", 256, 1, boot, vbds, Map.of());
        vbds.clear();
        assertThat(spec.vbds()).hasSize(1);
        assertThat(spec.withIdentity("vm2", "copy").vbds()).isEqualTo(spec.vbds());
    }

    @Test
    void migrationOptionsRefuseNonsense() {
        assertThatThrownBy(() -> new MigrationOptions(Duration.ZERO, Duration.ofMillis(300), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MigrationOptions.DEFAULTS.withMaxBytesPerSecond(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(MigrationOptions.DEFAULTS.withMaxBytesPerSecond(1 << 20).maxBytesPerSecond()).isEqualTo(1 << 20);
    }

    @Test
    void errorCodesAreDistinctAndInTheBridgeRange() {
        assertThat(Arrays.stream(BridgeError.values()).map(BridgeError::code)).doesNotHaveDuplicates()
                .allMatch(code -> code >= 700 && code <= 799);
        BridgeException cancelled = new BridgeException(BridgeError.TASK_CANCELLED, "cancelled");
        assertThat(cancelled.kind()).isEqualTo(ErrorKind.USER);
        assertThat(new BridgeException(BridgeError.NO_FREE_SLOT, "full").kind()).isEqualTo(ErrorKind.INSUFFICIENT_RESOURCES);
    }
}
