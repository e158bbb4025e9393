package org.storagegateway.itests.latch;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.VdiInfo;

/**
 * Test fixture, SR type {@code latch}: {@code createVdi} marks {@code <gate>/<vdi>.entered}, then waits until
 * {@code <gate>/<vdi>.release} exists, and records the VDI as {@code <gate>/<vdi>.created}. It lets an itest hold a
 * call inside a driver while the driver's bundle is removed. Never shipped.
 *
 * <p>Like most drivers it keeps a record as a map key and logs it, so its record's generated {@code equals},
 * {@code hashCode} and {@code toString} run inside its calls: the removal itest then covers the JDK-wide caches those
 * methods fill.
 */
@Component(service = StorageDriverFactory.class, property = StorageDriverFactory.SR_TYPE_PROPERTY + "=latch")
public final class LatchDriverFactory implements StorageDriverFactory {
    private static final long WAIT_LIMIT_MILLIS = 120_000;

    /** The calls waiting at each gate folder. */
    private final Map<Gate, Integer> waiting = new ConcurrentHashMap<>();

    /** The folder of an SR's entered, release and created files. */
    private record Gate(Path folder) {
    }

    @Override
    public DriverDescriptor descriptor() {
        return new DriverDescriptor("latch", "Storage gateway itests", "1.0.0", "1.0",
                "Test fixture: VDI creation waits for a release file", List.of(
                        new ConfigKey("gate", "Directory of the entered/release files", true, false),
                        new ConfigKey("token", "A secret, to check that secrets reach drivers apart", false, true)),
                EnumSet.of(Capability.VDI_CREATE));
    }

    @Override
    public StorageRepository open(RepositoryConfig config, DriverContext context) {
        Path gate = Path.of(config.deviceConfig().get("gate"));
        return new StorageRepository() {
            @Override
            public SrStats create() {
                return new SrStats(0, 0, 0);
            }

            @Override
            public void attach() {
            }

            @Override
            public void detach() {
            }

            @Override
            public List<VdiInfo> scan() {
                try (var files = Files.list(gate)) {
                    return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".created"))
                            .map(n -> info(n.substring(0, n.length() - ".created".length()))).toList();
                } catch (java.io.IOException e) {
                    throw new StorageException(StandardErrorCode.STORAGE_FAILURE, e.toString());
                }
            }

            @Override
            public SrStats stats() {
                return new SrStats(0, 0, 0);
            }

            @Override
            public VdiInfo createVdi(CreateVdiRequest request) {
                try {
                    Files.writeString(gate.resolve(request.vdiUuid() + ".entered"),
                            context.secret("token").orElse(""));
                    // Keys equal by value: the entry made here is found again by another instance below.
                    int queued = waiting.merge(new Gate(gate), 1, Integer::sum);
                    context.logger().log(Level.INFO, queued + " call(s) waiting at " + new Gate(gate));
                    try {
                        long deadline = System.currentTimeMillis() + WAIT_LIMIT_MILLIS;
                        while (!Files.exists(gate.resolve(request.vdiUuid() + ".release"))) {
                            if (System.currentTimeMillis() > deadline) {
                                throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "never released");
                            }
                            Thread.sleep(20);
                        }
                    } finally {
                        waiting.computeIfPresent(new Gate(gate), (k, n) -> n == 1 ? null : n - 1);
                    }
                    Files.writeString(gate.resolve(request.vdiUuid() + ".created"), "");
                    return info(request.vdiUuid());
                } catch (java.io.IOException e) {
                    throw new StorageException(StandardErrorCode.STORAGE_FAILURE, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StorageException(StandardErrorCode.CANCELLED, "interrupted");
                }
            }

            @Override
            public void deleteVdi(String vdiUuid) {
            }

            private VdiInfo info(String uuid) {
                return new VdiInfo(uuid, 2097152, 0, false, false, Optional.empty(), Map.of());
            }
        };
    }
}
