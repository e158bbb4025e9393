package org.storagegateway.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One python3-zeep client: the SOAP module's JSON-lines driver in its own process; calls are sequential. */
final class ZeepProcess implements AutoCloseable {
    /** The Debian interpreter, which has python3-zeep; the one on PATH may not. */
    static final String PYTHON = "/usr/bin/python3";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Process process;
    private final Writer in;
    private final BufferedReader out;

    ZeepProcess(Path script, InProcessGateway gw) throws IOException {
        process = new ProcessBuilder(List.of(PYTHON, script.toString(), "--wsdl", gw.runtime.wsdlUrl(),
                "--password-file", gw.runtime.credentials().adminPasswordFile().toString(),
                "--cafile", gw.runtime.credentials().certificatePemFile().toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** One call; returns the driver's reply line (result or fault, and the client-side "seconds" of the call). */
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
        JsonNode reply = JSON.readTree(line);
        if (!reply.has("result")) {
            throw new IOException(operation + " failed: " + reply);
        }
        return reply;
    }

    /** Clone and return the seconds zeep measured around the call. */
    double clone(String vdiUuid, String name) throws IOException {
        return exchange("cloneVirtualDisk", Map.of("vdiUuid", vdiUuid, "nameLabel", name)).get("seconds").asDouble();
    }

    /** User + system CPU time of the python process so far, in milliseconds (from /proc; 0 if unreadable). */
    long cpuMillis() {
        return procCpuMillis(process.pid());
    }

    static long procCpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat (utime, stime), counted after the command: indexes 11 and 12
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1000 / 100; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return 0;
        }
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
}
