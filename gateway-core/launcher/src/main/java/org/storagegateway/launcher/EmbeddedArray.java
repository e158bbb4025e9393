package org.storagegateway.launcher;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.GatewayOperations;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.smis.simulator.SimulatorConfig;
import org.storagegateway.smis.simulator.SmisSimulator;
import org.storagegateway.smis.simulator.array.Names;

/**
 * The default array of {@code ./gateway start}: the SMI-S simulator, its state in {@code <home>/smis-simulator}
 * (password generated there on first start, self-signed certificate, LUN files), on loopback ports 5988/5989 and
 * iSCSI 3260, with an smis SR "Simulated array" on its thick pool so that a newcomer can provision LUNs at once. An
 * array that cannot start (a port in use, say) is reported and skipped: the gateway serves without it.
 */
final class EmbeddedArray implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedArray.class);
    static final String SR_TYPE = "smis";
    static final String SR_NAME = "Simulated array";

    private final SmisSimulator simulator;

    private EmbeddedArray(SmisSimulator simulator) {
        this.simulator = simulator;
    }

    static Optional<EmbeddedArray> start(java.nio.file.Path home) {
        try {
            return Optional.of(new EmbeddedArray(SmisSimulator.start(SimulatorConfig.inGatewayHome(home).build())));
        } catch (IOException | RuntimeException e) {
            LOG.warn("The embedded SMI-S array did not start, the gateway serves without it: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** Create the smis SR on the array on first start; later starts find it by name and leave it alone. */
    void ensureRepository(GatewayOperations operations) {
        if (operations.listStorageRepositories().stream().anyMatch(sr -> sr.nameLabel().equals(SR_NAME))) {
            return;
        }
        StorageRepositoryRecord sr = operations.createStorageRepository(SR_TYPE, SR_NAME, Map.of(
                "address", "127.0.0.1:" + simulator.httpsPort(),
                "user", simulator.user(),
                "password", simulator.password(),
                "certificate", simulator.certificateFile().toString(),
                "system", simulator.systemName(),
                "pool", Names.THICK_POOL_ID), Optional.of("default-simulated-array"));
        LOG.info("Created SR '{}' ({}) on the embedded SMI-S array {}", SR_NAME, sr.uuid(), simulator.systemName());
    }

    @Override
    public void close() {
        simulator.close();
    }
}
