package org.storagegateway.smis.simulator;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base of a test class that checks one simulator with wbemcli: the simulator starts before the class's first
 * test (the class is skipped where wbemcli is missing) and closes after its last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WbemcliTestBase {
    private final Behaviour behaviour;
    private final boolean https;
    /** The simulator under test. */
    SmisSimulator sim;
    /** Its wbemcli base URL over HTTP, with credentials ({@link TestSimulators#url}). */
    String base;

    /** A simulator started with {@code behaviour}, with an HTTPS port too when {@code https}. */
    WbemcliTestBase(Behaviour behaviour, boolean https) {
        this.behaviour = behaviour;
        this.https = https;
    }

    @BeforeAll
    void startSimulator(@TempDir Path state) throws Exception {
        Wbemcli.assumePresent();
        sim = TestSimulators.start(state, behaviour, https);
        base = TestSimulators.url(sim);
    }

    @AfterAll
    void stopSimulator() {
        if (sim != null) {
            sim.close();
        }
    }
}
