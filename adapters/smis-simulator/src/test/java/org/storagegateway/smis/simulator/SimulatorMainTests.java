package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.simulator.array.StateStore;

/** The simulator as its own process: picocli options, the ready line, SIGTERM. */
class SimulatorMainTests {

    private static Process launch(Path log, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SimulatorMain.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    @Test
    void theProcessServesUntilTerminatedWithItsOptionsApplied(@TempDir Path dir) throws Exception {
        Wbemcli.assumePresent();
        Path passwordFile = dir.resolve("password.txt");
        Files.writeString(passwordFile, "main-test-password\n");
        Path behaviour = dir.resolve("behaviour.json");
        Files.writeString(behaviour, "{\"replyMode\":\"JOB\",\"jobDurationMillis\":100}");
        Path state = dir.resolve("state");
        Process p = launch(dir.resolve("stderr.log"), "--state", state.toString(), "--http-port", "0",
                "--https-port", "0", "--iscsi-port", "0", "--user", "cli", "--password-file", passwordFile.toString(),
                "--behaviour", behaviour.toString(), "--capacity", Long.toString(10L << 30));
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(ready).as(Files.readString(dir.resolve("stderr.log"))).startsWith("smis-simulator ready:");
            Matcher m = Pattern.compile("system=(\\S+) http=(\\d+) https=(\\d+) iscsi=127.0.0.1:(\\d+)").matcher(ready);
            assertThat(m.find()).isTrue();
            String system = m.group(1);
            String base = "http://cli:main-test-password@127.0.0.1:" + m.group(2);

            Wbemcli.Result profiles = Wbemcli.run("ein", base + "/interop:CIM_RegisteredProfile");
            assertThat(profiles.lines()).as(profiles.all()).hasSize(8);
            Wbemcli.Result secure = Wbemcli.run("-noverify", "gi", "-nl", "https://cli:main-test-password@127.0.0.1:"
                    + m.group(3) + "/root/sim:SIM_StoragePool.InstanceID=\"SIM:POOL-0\"");
            assertThat(secure.property("TotalManagedSpace")).as(secure.all()).isEqualTo(Long.toString(10L << 30));
            Wbemcli.Result job = Wbemcli.run("cm", base + "/root/sim:SIM_StorageConfigurationService."
                    + "CreationClassName=\"SIM_StorageConfigurationService\",Name=\"StorageConfigurationService\","
                    + "SystemCreationClassName=\"SIM_StorageSystem\",SystemName=\"" + system + "\"",
                    "CreateOrModifyElementFromStoragePool.ElementName=\"cli-vol\",ElementType=2,Size=1048576,"
                            + "InPool=SIM_StoragePool.InstanceID=\"SIM:POOL-1\"");
            assertThat(job.returnValue("CreateOrModifyElementFromStoragePool")).as(job.all()).isEqualTo(4096);
        } finally {
            p.destroy();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(dir.resolve("stderr.log"))).contains("SMI-S simulator for").contains("stopped");
        assertThat(Files.readString(state.resolve(StateStore.FILE_NAME))).contains("cli-vol");
    }

    @Test
    void helpAndBadOptions(@TempDir Path dir) throws Exception {
        Process help = launch(dir.resolve("help.log"), "--help");
        String usage = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(help.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(help.exitValue()).isZero();
        assertThat(usage).contains("--state", "--http-port", "--https-port", "--iscsi-port", "--user",
                "--password-file", "--behaviour").contains("GATEWAY_HOME").doesNotContain("default: null");
        Process bad = launch(dir.resolve("bad.log"), "--http-port", "eighty");
        assertThat(bad.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("bad.log"))).contains("--http-port");
    }
}
