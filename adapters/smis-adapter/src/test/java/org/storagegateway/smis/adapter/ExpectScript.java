package org.storagegateway.smis.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Expect-style script of recorded CIM-XML exchanges: the requests a client must send, in order, each with the
 * reply the CIMOM gave. Played by a {@link CimTestServer}: every request must equal the next expected one (after
 * {@link #normalize}); it then gets the recorded reply. A step may carry an alternative request with its own reply,
 * what the CIMOM answers a client that asks differently (e.g. with a PropertyList a vendor mishandles). A request
 * that matches neither is a mismatch: it is recorded and answered with CIM_ERR_FAILED.
 *
 * <p>On disk, under a classpath folder: {@code script.txt} lists the step names in order; step {@code NNN-Method} is
 * {@code NNN-Method.request.xml} and {@code NNN-Method.response.xml}, plus optionally {@code NNN-Method.alt.request.xml}
 * and {@code NNN-Method.alt.response.xml}. Replies refer to the CIMOM as {@code @HOST@}. Published in the test jar.
 */
public final class ExpectScript {
    static final String HOST = "@HOST@";

    /** One recorded exchange. */
    public record Step(String name, String request, String response, Optional<String> altRequest,
                       Optional<String> altResponse) {
    }

    private final List<Step> steps;
    private final AtomicInteger next = new AtomicInteger();
    private final List<String> mismatches = new CopyOnWriteArrayList<>();
    private final List<String> alternativesTaken = new CopyOnWriteArrayList<>();

    public ExpectScript(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    /** Load a script from a classpath folder such as {@code /exchanges/simulator}. */
    public static ExpectScript load(Class<?> anchor, String folder) {
        List<Step> steps = new ArrayList<>();
        for (String line : resource(anchor, folder + "/script.txt").orElseThrow().split("\n")) {
            String name = line.trim();
            if (name.isEmpty() || name.startsWith("#")) {
                continue;
            }
            steps.add(new Step(name, resource(anchor, folder + "/" + name + ".request.xml").orElseThrow(),
                    resource(anchor, folder + "/" + name + ".response.xml").orElseThrow(),
                    resource(anchor, folder + "/" + name + ".alt.request.xml"),
                    resource(anchor, folder + "/" + name + ".alt.response.xml")));
        }
        return new ExpectScript(steps);
    }

    private static Optional<String> resource(Class<?> anchor, String path) {
        try (InputStream in = anchor.getResourceAsStream(path)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Write the script into a folder (recording). */
    public void write(Path folder) throws IOException {
        Files.createDirectories(folder);
        StringBuilder index = new StringBuilder();
        for (Step step : steps) {
            index.append(step.name()).append('\n');
            Files.writeString(folder.resolve(step.name() + ".request.xml"), step.request());
            Files.writeString(folder.resolve(step.name() + ".response.xml"), step.response());
        }
        Files.writeString(folder.resolve("script.txt"), index.toString());
    }

    public List<Step> steps() {
        return steps;
    }

    /** The part of a request or reply that must match: message IDs and the CIMOM's own address left out. */
    static String normalize(String xml, String hostPort) {
        return xml.replace(hostPort, HOST).replaceAll("MESSAGE ID=\"[^\"]*\"", "MESSAGE ID=\"*\"").trim();
    }

    /** The responder that plays this script for a server reachable at {@code hostPort}. */
    public CimTestServer.Responder responder(java.util.function.Supplier<String> hostPort) {
        return (request, exchange) -> {
            String host = hostPort.get();
            String received = normalize(request.body(), host);
            int index = next.get();
            if (index < steps.size()) {
                Step step = steps.get(index);
                if (received.equals(normalize(step.request(), host))) {
                    next.incrementAndGet();
                    CimTestServer.reply(exchange, step.response().replace(HOST, host));
                    return;
                }
                if (step.altRequest().isPresent() && received.equals(normalize(step.altRequest().get(), host))) {
                    alternativesTaken.add(step.name());
                    next.incrementAndGet();
                    CimTestServer.reply(exchange, step.altResponse().orElseThrow().replace(HOST, host));
                    return;
                }
            }
            mismatches.add((index < steps.size() ? steps.get(index).name() : "after the end") + ": " + received);
            CimTestServer.reply(exchange, "<?xml version=\"1.0\" encoding=\"utf-8\"?><CIM CIMVERSION=\"2.0\""
                    + " DTDVERSION=\"2.0\"><MESSAGE ID=\"0\" PROTOCOLVERSION=\"1.0\"><SIMPLERSP><IMETHODRESPONSE"
                    + " NAME=\"" + request.cimMethod() + "\"><ERROR CODE=\"1\" DESCRIPTION=\"not in the script\">"
                    + "</ERROR></IMETHODRESPONSE></SIMPLERSP></MESSAGE></CIM>");
        };
    }

    /** How many steps were played. */
    public int played() {
        return next.get();
    }

    /** Requests that matched no step, each as "expected step: received request". */
    public List<String> mismatches() {
        return mismatches;
    }

    /** The steps whose alternative request was received. */
    public List<String> alternativesTaken() {
        return alternativesTaken;
    }
}
