package org.storagegateway.smis.adapter;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the CIM-XML exchanges between the adapter and a real CIMOM (the simulator): a {@link CimTestServer} that
 * forwards every request and keeps each request with its reply, as an {@link ExpectScript}.
 */
final class ExchangeRecorder implements AutoCloseable {
    private final CimTestServer server;
    private final List<ExpectScript.Step> steps = new ArrayList<>();
    private final String cimomHostPort;

    ExchangeRecorder(URI cimom) throws IOException {
        cimomHostPort = cimom.getHost() + ":" + cimom.getPort();
        CimTestServer.Responder forward = CimTestServer.forwardingTo(cimom, (request, reply) -> {
            synchronized (steps) {
                steps.add(new ExpectScript.Step(String.format("%03d-%s", steps.size() + 1, request.cimMethod()),
                        request.body(), reply, java.util.Optional.empty(), java.util.Optional.empty()));
            }
            return reply;
        });
        server = CimTestServer.http(forward);
    }

    String address() {
        return server.address();
    }

    /** The exchanges so far, with both the recorder's and the CIMOM's address written as {@code @HOST@}. */
    ExpectScript script() {
        String mine = "127.0.0.1:" + server.port();
        synchronized (steps) {
            return new ExpectScript(steps.stream().map(s -> new ExpectScript.Step(s.name(),
                    ExpectScript.normalize(s.request(), mine).replace(cimomHostPort, ExpectScript.HOST),
                    s.response().replace(cimomHostPort, ExpectScript.HOST).replace(mine, ExpectScript.HOST),
                    s.altRequest(), s.altResponse())).toList());
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
