package org.storagegateway.soap;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Drives {@code src/test/python/soap_client.py} (zeep) as a child process: one JSON line per call in, one out.
 */
final class PythonSoapClient implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final List<String> stderr = new ArrayList<>();
    private final Thread stderrReader;

    private PythonSoapClient(Process process) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderrReader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    synchronized (stderr) {
                        stderr.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "soap-client-stderr");
        stderrReader.setDaemon(true);
        stderrReader.start();
    }

    static Path script() {
        String configured = System.getProperty("soap.client.script");
        return configured != null ? Path.of(configured) : Path.of("src/test/python/soap_client.py");
    }

    static PythonSoapClient start(String wsdlUrl, Path passwordFile, Path caFile) throws IOException {
        Process process = new ProcessBuilder(PYTHON, script().toString(), "--wsdl", wsdlUrl,
                "--password-file", passwordFile.toString(), "--cafile", caFile.toString(), "--timeout", "60")
                .start();
        return new PythonSoapClient(process);
    }

    /** Call {@code op} with {@code args} and return the answer line ({@code result}, {@code fault} or {@code error}). */
    JsonNode call(String op, Map<String, ?> args) throws IOException {
        ObjectNode request = JSON.createObjectNode();
        request.put("op", op);
        request.set("args", JSON.valueToTree(args));
        in.write(JSON.writeValueAsString(request));
        in.newLine();
        in.flush();
        return readLine();
    }

    /** Return the next answer line. */
    JsonNode readLine() throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new IOException("soap_client.py ended: " + stderr());
        }
        return JSON.readTree(line);
    }

    /** Close its input and return its exit status. */
    int finish() throws IOException, InterruptedException {
        in.close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("soap_client.py did not end");
        }
        return process.exitValue();
    }

    String stderr() {
        synchronized (stderr) {
            return String.join("\n", stderr);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            in.close();
        } catch (IOException e) {
            // already closed
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        out.close();
    }

    static Path writePassword(Path dir, String password) throws IOException {
        Path file = Files.createTempFile(dir, "password", ".txt");
        Files.writeString(file, password + "\n");
        return file;
    }
}
