package org.storagegateway.smis.quirks.hpe3par;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.storagegateway.smis.adapter.ExpectReplay;
import org.storagegateway.smis.adapter.SmisDriverFactory;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.spi.ErrorKind;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * The 3PAR quirk bundle against the 3PAR flavour of the Expect flow: with its quirks the generic adapter completes
 * the flow; without them it stumbles exactly where 3PAR misbehaves, with a typed EXTERNAL failure.
 */
class Hpe3parQuirksTests {
    static final String FLAVOUR = "/exchanges/hpe-3par";

    @Test
    void appliesToThreeParSystemsOnly() {
        Hpe3parQuirks quirks = new Hpe3parQuirks();
        assertThat(quirks.appliesTo(new ArrayIdentity("TPD_StorageSystem", "S1", "HPE 3PAR 8200", "root/tpd")))
                .isTrue();
        assertThat(quirks.appliesTo(new ArrayIdentity("SIM_StorageSystem", "S1", "", "root/sim"))).isFalse();
        assertThat(quirks.quirks()).containsExactly(Quirk.ASSOCIATORS_WITHOUT_PROPERTY_LIST);
    }

    @Test
    void withTheQuirkBundleTheAdapterCompletesTheThreeParFlow() throws Exception {
        SmisDriverFactory factory = new SmisDriverFactory();
        factory.activate();
        factory.addVendorQuirks(new Hpe3parQuirks());
        try (ExpectReplay replay = new ExpectReplay(Hpe3parQuirksTests.class, FLAVOUR)) {
            replay.assertPlayedCompletely(replay.run(factory));
        } finally {
            factory.deactivate();
        }
    }

    @Test
    void withoutItTheGenericAdapterFailsTypedWhereThreeParReturnsEmptyInstances() throws Exception {
        SmisDriverFactory factory = new SmisDriverFactory();
        factory.activate();
        try (ExpectReplay replay = new ExpectReplay(Hpe3parQuirksTests.class, FLAVOUR)) {
            assertThatThrownBy(() -> replay.run(factory)).isInstanceOfSatisfying(StorageException.class, e -> {
                assertThat(e.kind()).isEqualTo(ErrorKind.EXTERNAL);
                assertThat(e.errorCode()).isEqualTo(StandardErrorCode.UNRECOGNIZED_STATE);
            });
            assertThat(replay.script().alternativesTaken()).containsExactly("027-Associators");
            assertThat(replay.script().mismatches()).isEmpty();
        } finally {
            factory.deactivate();
        }
    }
}
