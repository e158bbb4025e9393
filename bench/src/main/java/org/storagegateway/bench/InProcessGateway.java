package org.storagegateway.bench;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Optional;

import org.storagegateway.engine.GatewayOperations;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.launcher.GatewayRuntime;

/** The real gateway (Derby, engine, Felix with the built-in file driver, SOAP over HTTPS) started in this JVM. */
final class InProcessGateway implements AutoCloseable {
    final GatewayRuntime runtime;
    final String srUuid;
    final Path srFolder;

    private InProcessGateway(GatewayRuntime runtime, String srUuid, Path srFolder) {
        this.runtime = runtime;
        this.srUuid = srUuid;
        this.srFolder = srFolder;
    }

    /** Start as the itests do: loopback, a free port, built-in drivers deployed, the default "Local storage" SR. */
    static InProcessGateway start(Path home) throws Exception {
        GatewayRuntime runtime = GatewayRuntime.start(settings(home));
        StorageRepositoryRecord sr = runtime.operations().listStorageRepositories().stream()
                .filter(r -> r.type().equals("file")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no file SR after start"));
        Path folder = Path.of(sr.deviceConfig().get("path")).resolve(sr.uuid());
        return new InProcessGateway(runtime, sr.uuid(), folder);
    }

    /**
     * {@code ./gateway start}'s settings with loopback, a free port and a 200 ms deploy poll. Built from
     * {@code Settings.defaults} by record reflection, so settings added later keep their defaults.
     */
    static GatewayRuntime.Settings settings(Path home) throws ReflectiveOperationException {
        GatewayRuntime.Settings defaults = GatewayRuntime.Settings.defaults(home);
        RecordComponent[] components = GatewayRuntime.Settings.class.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] = switch (components[i].getName()) {
                case "bindAddress" -> "127.0.0.1";
                case "port" -> 0;
                case "deployPollMillis" -> 200L;
                case "embedArray" -> false;
                default -> components[i].getAccessor().invoke(defaults);
            };
        }
        return GatewayRuntime.Settings.class.getDeclaredConstructor(types).newInstance(values);
    }

    GatewayOperations ops() {
        return runtime.operations();
    }

    String createVdi(String name, long size) {
        return ops().createVirtualDisk(srUuid, name, size, Optional.empty()).uuid();
    }

    String cloneVdi(String source, String name) {
        return ops().cloneVirtualDisk(source, name, Optional.empty()).uuid();
    }

    Path file(String vdiUuid) {
        return srFolder.resolve(vdiUuid + ".vhd");
    }

    @Override
    public void close() {
        runtime.close();
    }
}
