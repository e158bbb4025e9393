package org.storagegateway.smis.simulator;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the simulator as its own process until it is terminated (SIGINT/SIGTERM). */
@Command(name = "smis-simulator", mixinStandardHelpOptions = true,
        description = "SMI-S block array simulator: a CIM-XML server over HTTP and HTTPS.")
public final class SimulatorMain implements Callable<Integer> {

    @Option(names = "--state", defaultValue = "${env:GATEWAY_HOME:-var}/" + SimulatorConfig.GATEWAY_HOME_FOLDER,
            paramLabel = "DIR", description = "State directory: the array, its LUN files, the generated password and "
            + "TLS certificate (default: $GATEWAY_HOME/smis-simulator, ./var/smis-simulator without GATEWAY_HOME; "
            + "here ${DEFAULT-VALUE}).")
    Path state;

    @Option(names = "--http-port", defaultValue = "5988", paramLabel = "PORT",
            description = "HTTP port; 0 for any free port, -1 for no HTTP (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--https-port", defaultValue = "5989", paramLabel = "PORT",
            description = "HTTPS port; 0 for any free port, -1 for no HTTPS (default: ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(names = "--iscsi-port", defaultValue = "3260", paramLabel = "PORT",
            description = "Loopback port of the iSCSI targets (tgtd) that publish exposed volumes; 0 for any free "
            + "port, -1 for no data path (default: ${DEFAULT-VALUE}).")
    int iscsiPort;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--user", defaultValue = "admin", description = "User name clients log in with (default: ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "File whose first line is the password. Without it a password is generated into DIR/password (mode 0600).")
    Path passwordFile;

    @Option(names = "--capacity", paramLabel = "BYTES",
            description = "Raw capacity of a new array in bytes (default: 1 TiB); ignored when the state exists.")
    Long capacity;

    @Option(names = "--behaviour", paramLabel = "FILE",
            description = "JSON behaviour: replyMode SYNCHRONOUS|JOB, methodReplyModes, jobDurationMillis, faults.")
    Path behaviourFile;

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "smis-simulator-logback.xml");
        }
        System.exit(new CommandLine(new SimulatorMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Behaviour behaviour = Behaviour.defaults();
        if (behaviourFile != null) {
            behaviour = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(behaviourFile.toFile(), Behaviour.class);
        }
        SimulatorConfig.Builder config = SimulatorConfig.builder(state).bindAddress(bind).httpPort(httpPort)
                .httpsPort(httpsPort).iscsiPort(iscsiPort).user(user).passwordFile(passwordFile).behaviour(behaviour);
        if (capacity != null) {
            config.capacityBytes(capacity);
        }
        SmisSimulator simulator = SmisSimulator.start(config.build());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "smis-simulator-shutdown"));
        System.out.println("smis-simulator ready: system=" + simulator.systemName()
                + " http=" + simulator.httpPort() + " https=" + simulator.httpsPort()
                + " iscsi=127.0.0.1:" + simulator.iscsiPort()
                + " user=" + simulator.user() + " password-file=" + simulator.passwordFile());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
