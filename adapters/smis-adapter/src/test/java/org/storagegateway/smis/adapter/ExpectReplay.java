package org.storagegateway.smis.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;

import org.storagegateway.spi.testing.FakeDriverContext;

/**
 * Replays an Expect script against the adapter: a {@link CimTestServer} plays the script, and the flow runs with
 * the system and pool named in the script's {@code flow.properties}. Published in the test jar.
 */
public final class ExpectReplay implements AutoCloseable {
    private final ExpectScript script;
    private final CimTestServer server;
    private final Properties flow = new Properties();

    public ExpectReplay(Class<?> anchor, String folder) throws IOException {
        script = ExpectScript.load(anchor, folder);
        try (InputStream in = anchor.getResourceAsStream(folder + "/flow.properties")) {
            if (in == null) {
                throw new IOException(folder + "/flow.properties is missing");
            }
            flow.load(in);
        }
        CimTestServer[] holder = new CimTestServer[1];
        server = CimTestServer.http(script.responder(() -> "127.0.0.1:" + holder[0].port()));
        holder[0] = server;
    }

    public ExpectScript script() {
        return script;
    }

    public String system() {
        return flow.getProperty("system");
    }

    public String pool() {
        return flow.getProperty("pool");
    }

    /** The pool utilisation the recorded flow ended with. */
    public long usedAtEnd() {
        return Long.parseLong(flow.getProperty("used"));
    }

    /** Run the flow against the replaying server with the given adapter. */
    public ExpectFlow.Seen run(SmisDriverFactory factory) {
        return ExpectFlow.run(factory, ExpectFlow.config(server.address(), "admin", system(), pool()),
                new FakeDriverContext(Map.of("password", "replayed")));
    }

    /** Check that the whole script was played as recorded and that the adapter read the recorded results. */
    public void assertPlayedCompletely(ExpectFlow.Seen seen) {
        org.assertj.core.api.Assertions.assertThat(script.mismatches()).isEmpty();
        org.assertj.core.api.Assertions.assertThat(script.alternativesTaken()).isEmpty();
        org.assertj.core.api.Assertions.assertThat(script.played()).isEqualTo(script.steps().size());
        org.assertj.core.api.Assertions.assertThat(seen.systems()).containsExactly(system());
        org.assertj.core.api.Assertions.assertThat(seen.pools()).contains(pool());
        org.assertj.core.api.Assertions.assertThat(seen.created().uuid()).isEqualTo(ExpectFlow.VDI_UUID);
        org.assertj.core.api.Assertions.assertThat(seen.created().virtualSize()).isEqualTo(8 * ExpectFlow.MIB);
        org.assertj.core.api.Assertions.assertThat(seen.grown().virtualSize()).isEqualTo(16 * ExpectFlow.MIB);
        org.assertj.core.api.Assertions.assertThat(seen.snapshot().readOnly()).isTrue();
        org.assertj.core.api.Assertions.assertThat(seen.physicalUtilisationAtEnd()).isEqualTo(usedAtEnd());
    }

    @Override
    public void close() {
        server.close();
    }
}
