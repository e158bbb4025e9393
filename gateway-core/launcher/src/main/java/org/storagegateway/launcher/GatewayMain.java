package org.storagegateway.launcher;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.slf4j.bridge.SLF4JBridgeHandler;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The gateway command line: {@code gateway start}. The {@code ./gateway} script builds and then calls this. */
@Command(name = "gateway", mixinStandardHelpOptions = true, subcommands = GatewayMain.Start.class,
        description = "Storage gateway: SR drivers hot-loaded into an embedded OSGi runtime, behind SOAP.")
public final class GatewayMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(new CommandLine(new GatewayMain()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command; try 'gateway start'");
    }

    /** Serve in the foreground until interrupted. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the gateway in the foreground with the embedded defaults "
                    + "(Derby, the file SR driver, a \"Local storage\" SR in the home).")
    static final class Start implements Callable<Integer> {
        @Option(names = "--home", defaultValue = "${env:GATEWAY_HOME:-var}",
                description = "Gateway home folder (default: $GATEWAY_HOME or ./var).")
        Path home;

        @Option(names = "--port", defaultValue = "${env:GATEWAY_PORT:-8443}", description = "HTTPS port (default 8443).")
        int port;

        @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Listen address (default 0.0.0.0).")
        String bind;

        @Option(names = "--gc-interval", defaultValue = "30", paramLabel = "SECONDS",
                description = "Seconds between garbage collections after start-up or deletes (default 30).")
        long gcIntervalSeconds;

        @Option(names = "--embedded-array", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Run the simulated SMI-S array (HTTP 5988, HTTPS 5989, iSCSI 3260) with its SR "
                        + "\"Simulated array\" (default; --no-embedded-array leaves it out).")
        boolean embeddedArray;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = new PrintWriter(System.out, true);
            GatewayRuntime.Settings settings = new GatewayRuntime.Settings(home, bind, port, true, true, 500,
                    Duration.ofSeconds(gcIntervalSeconds), embeddedArray);
            GatewayRuntime gateway = GatewayRuntime.start(settings);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                gateway.close();
                stopped.countDown();
            }, "gateway-shutdown"));
            out.printf("Storage gateway ready in %.2f s%n", gateway.startup().toNanos() / 1e9);
            out.printf("  home:     %s%n", gateway.home());
            out.printf("  port:     %d (HTTPS)%n", gateway.port());
            out.printf("  WSDL:     %s%n", gateway.wsdlUrl());
            out.printf("  user:     admin%n");
            out.printf("  password: in %s%n", gateway.credentials().adminPasswordFile());
            out.printf("  TLS cert: %s%n", gateway.credentials().certificatePemFile());
            if (gateway.credentials().adminPasswordCreated()) {
                // The one time the password is shown; it is never logged.
                out.printf("  First start: the generated admin password is %s (shown only this once)%n",
                        new String(gateway.credentials().adminPassword()));
            }
            out.printf("  deploy:   copy driver bundles into %s (stage under another name, then rename to *.jar)%n",
                    gateway.deployFolder());
            stopped.await();
            return 0;
        }
    }
}
