package org.storagegateway.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A real SOAP client: python3-zeep, driven line by line through the JSON-lines driver of the SOAP module. One Python
 * process per client; calls are sequential.
 */
final class ZeepClient implements AutoCloseable {
    /** The Debian interpreter: the one on PATH may be a pyenv build without python3-zeep. */
    static final String PYTHON = "/usr/bin/python3";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    ZeepClient(String wsdlUrl, Path passwordFile, Path caFile) throws IOException {
        String script = System.getProperty("soap.client");
        process = new ProcessBuilder(List.of(PYTHON, script, "--wsdl", wsdlUrl, "--password-file",
                passwordFile.toString(), "--cafile", caFile.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Call an operation and return its result; a SOAP fault is thrown as {@link SoapFault}. */
    JsonNode call(String operation, Map<String, ?> args) throws IOException {
        JsonNode reply = exchange(operation, args);
        if (reply.has("fault")) {
            throw new SoapFault(reply.get("fault"));
        }
        if (reply.has("error")) {
            throw new IOException("SOAP transport error: " + reply.get("error"));
        }
        return reply.get("result");
    }

    /** Call an operation and return the driver's whole reply line (result, fault or error, and seconds). */
    JsonNode exchange(String operation, Map<String, ?> args) throws IOException {
        ObjectNode request = JSON.createObjectNode();
        request.put("op", operation);
        request.set("args", JSON.valueToTree(args));
        in.write(JSON.writeValueAsString(request) + "\n");
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the zeep client ended; see its output above");
        }
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** A SOAP fault as zeep received it. */
    static final class SoapFault extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient JsonNode fault;

        SoapFault(JsonNode fault) {
            super(fault.toString());
            this.fault = fault;
        }

        /** The fault element name, such as {@code UserFault}. */
        String type() {
            return fault.path("type").asText();
        }

        int code() {
            return fault.path("detail").path("code").asInt(-1);
        }

        String name() {
            return fault.path("detail").path("name").asText();
        }

        String faultMessage() {
            return fault.path("message").asText();
        }

        String raw() {
            return fault.toString();
        }
    }
}
