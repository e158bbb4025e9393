package org.storagegateway.smis.adapter;

import org.junit.jupiter.api.Test;

/** The generic adapter sends exactly the recorded requests of the simulator flavour and reads its replies right. */
class ExpectReplayTests {

    @Test
    void theSimulatorFlavourReplaysStepByStep() throws Exception {
        SmisDriverFactory factory = new SmisDriverFactory();
        factory.activate();
        try (ExpectReplay replay = new ExpectReplay(ExpectReplayTests.class, "/exchanges/simulator")) {
            replay.assertPlayedCompletely(replay.run(factory));
        } finally {
            factory.deactivate();
        }
    }
}
