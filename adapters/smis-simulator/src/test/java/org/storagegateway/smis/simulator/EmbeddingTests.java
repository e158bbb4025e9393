package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator as a gateway embeds it: state under the gateway home, a password generated there. */
class EmbeddingTests {

    @Test
    void aSimulatorInAGatewayHomeKeepsItsStateAndGeneratedPasswordThere(@TempDir Path home) throws Exception {
        String password;
        try (SmisSimulator sim = SmisSimulator.start(SimulatorConfig.inGatewayHome(home).ephemeralPorts()
                .iscsiPort(-1).build())) {
            assertThat(sim.stateDir()).isEqualTo(home.resolve("smis-simulator").toAbsolutePath());
            assertThat(sim.passwordFile()).startsWith(sim.stateDir());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sim.passwordFile())))
                    .isEqualTo("rw-------");
            password = sim.password();
            assertThat(password).hasSizeGreaterThanOrEqualTo(20).isNotEqualTo(sim.user());
            assertThat(sim.httpPort()).isPositive();
            assertThat(sim.httpsPort()).isPositive();
        }
        try (SmisSimulator again = SmisSimulator.start(SimulatorConfig.inGatewayHome(home).ephemeralPorts()
                .iscsiPort(-1).build())) {
            assertThat(again.password()).as("the same secret after a restart").isEqualTo(password);
        }
    }
}
