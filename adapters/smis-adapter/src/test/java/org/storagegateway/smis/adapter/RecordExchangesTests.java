package org.storagegateway.smis.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.smis.quirks.VendorQuirks;
import org.storagegateway.smis.simulator.Behaviour;
import org.storagegateway.smis.simulator.ReplyMode;
import org.storagegateway.smis.simulator.SimulatorConfig;
import org.storagegateway.smis.simulator.SmisSimulator;
import org.storagegateway.smis.simulator.array.Names;
import org.storagegateway.spi.testing.FakeDriverContext;

/**
 * Records the Expect scripts from the simulator (not part of the build: run with {@code -Dsmis.record=<folder>}).
 * Writes {@code <folder>/generic} (the generic adapter) and {@code <folder>/quirk-aware} (with
 * ASSOCIATORS_WITHOUT_PROPERTY_LIST), each with a {@code flow.properties} naming the system and pool.
 */
@EnabledIfSystemProperty(named = "smis.record", matches = ".+")
class RecordExchangesTests {

    @Test
    void recordTheExpectFlows(@TempDir Path state) throws Exception {
        Path out = Path.of(System.getProperty("smis.record"));
        try (SmisSimulator sim = SmisSimulator.start(SimulatorConfig.builder(state).httpPort(0).httpsPort(-1)
                .iscsiPort(0).behaviour(Behaviour.defaults().withReplyMode(ReplyMode.JOB).withJobDurationMillis(300)).build())) {
            record(sim, out.resolve("generic"), Set.of());
            record(sim, out.resolve("quirk-aware"), Set.of(Quirk.ASSOCIATORS_WITHOUT_PROPERTY_LIST));
        }
    }

    private static void record(SmisSimulator sim, Path folder, Set<Quirk> quirks) throws Exception {
        SmisDriverFactory factory = new SmisDriverFactory();
        factory.activate();
        factory.addVendorQuirks(new VendorQuirks() {
            @Override
            public String name() {
                return "recording";
            }

            @Override
            public boolean appliesTo(ArrayIdentity array) {
                return true;
            }

            @Override
            public Set<Quirk> quirks() {
                return quirks;
            }
        });
        try (ExchangeRecorder recorder = new ExchangeRecorder(sim.httpUri())) {
            ExpectFlow.Seen seen = ExpectFlow.run(factory,
                    ExpectFlow.config(recorder.address(), sim.user(), sim.systemName(), Names.THICK_POOL_ID),
                    new FakeDriverContext(Map.of("password", sim.password())));
            assertThat(seen.grown().virtualSize()).isEqualTo(16 * ExpectFlow.MIB);
            recorder.script().write(folder);
            Files.writeString(folder.resolve("flow.properties"), "system=" + sim.systemName() + "\npool="
                    + Names.THICK_POOL_ID + "\nused=" + seen.physicalUtilisationAtEnd() + "\n");
        } finally {
            factory.deactivate();
        }
    }
}
