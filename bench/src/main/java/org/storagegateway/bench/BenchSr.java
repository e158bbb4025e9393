package org.storagegateway.bench;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import org.storagegateway.driver.file.FileSrDriverFactory;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.testing.FakeDriverContext;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;

/**
 * A file SR driven without the gateway: the driver factory and the host fake the file SR tests use too
 * ({@link FakeDriverContext}, gateway-spi's test jar). Each call opens a fresh view, as the host does per call.
 */
final class BenchSr {
    static final long GIB = 1L << 30;

    final FileSrDriverFactory factory = activated();
    final FakeDriverContext context = new FakeDriverContext();
    final Path location;
    final String srUuid;
    private final RepositoryConfig config;

    BenchSr(Path location) {
        this(location, UUID.randomUUID().toString());
    }

    BenchSr(Path location, String srUuid) {
        this.location = location;
        this.srUuid = srUuid;
        this.config = new RepositoryConfig(srUuid, "bench", Map.of("path", location.toString()));
    }

    /** A factory started as SCR starts it (its reader threads are daemons, gone with the benchmark's JVM). */
    private static FileSrDriverFactory activated() {
        FileSrDriverFactory factory = new FileSrDriverFactory();
        factory.activate();
        return factory;
    }

    /** Create the SR folder (idempotent) and return this. */
    BenchSr create() {
        view().create();
        view().attach();
        return this;
    }

    StorageRepository view() {
        return factory.open(config, context);
    }

    Path folder() {
        return location.resolve(srUuid);
    }

    Path file(String vdiUuid) {
        return folder().resolve(vdiUuid + ".vhd");
    }

    String createVdi(long size) {
        String uuid = UUID.randomUUID().toString();
        view().createVdi(new CreateVdiRequest(UUID.randomUUID().toString(), uuid, size));
        return uuid;
    }

    CloneResult cloneVdi(String source) {
        return view().cloneVdi(new CloneRequest(UUID.randomUUID().toString(), source, UUID.randomUUID().toString(),
                UUID.randomUUID().toString()));
    }

    /** Write one sector into a VDI (through its chain, as tapdisk would), so its next clone cannot reuse the parent. */
    static void writeOneSector(Path leaf, long round) {
        byte[] sector = new byte[512];
        java.util.Arrays.fill(sector, (byte) (round | 1));
        try (VhdChain chain = VhdChain.open(leaf, OpenMode.READ_WRITE)) {
            chain.write((round % 1024) * 512, sector, 0, sector.length);
            chain.flush();
        }
    }
}
