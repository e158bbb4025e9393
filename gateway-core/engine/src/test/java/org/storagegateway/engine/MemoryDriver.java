package org.storagegateway.engine;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.SrStats;
import org.storagegateway.spi.model.VdiInfo;

/**
 * A driver that keeps VDIs in memory and builds chains the way the file driver does (the source's content moves to a
 * hidden base copy). Tests can make the next call fail, or hold a create until cancel is requested.
 */
final class MemoryDriver implements StorageDriverFactory {
    final Map<String, VdiInfo> disks = new ConcurrentHashMap<>();
    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger resizes = new AtomicInteger();
    /** What the driver declares; tests take capabilities away. */
    volatile Set<Capability> capabilities = EnumSet.of(Capability.VDI_CREATE, Capability.VDI_DELETE,
            Capability.VDI_CLONE, Capability.VDI_SNAPSHOT, Capability.VDI_RESIZE, Capability.VDI_RESIZE_ONLINE);
    final AtomicReference<StorageException> nextFailure = new AtomicReference<>();
    final Map<String, String> secretsSeen = new ConcurrentHashMap<>();
    volatile CountDownLatch holdCreateUntilCancelled;
    final CountDownLatch createEntered = new CountDownLatch(1);

    @Override
    public DriverDescriptor descriptor() {
        return new DriverDescriptor("memory", "tests", "1.0.0", "1.0", "in-memory test driver",
                List.of(new ConfigKey("zone", "a plain key", true, false),
                        new ConfigKey("password", "a secret key", false, true)),
                capabilities);
    }

    @Override
    public StorageRepository open(RepositoryConfig config, DriverContext context) {
        return new StorageRepository() {
            @Override
            public SrStats create() {
                context.secret("password").ifPresent(p -> secretsSeen.put(config.srUuid(), p));
                failIfAsked();
                return new SrStats(1 << 30, 0, 0);
            }

            @Override
            public void attach() {
            }

            @Override
            public void detach() {
            }

            @Override
            public List<VdiInfo> scan() {
                return new ArrayList<>(disks.values());
            }

            @Override
            public SrStats stats() {
                return new SrStats(1 << 30, 0, 0);
            }

            @Override
            public VdiInfo createVdi(CreateVdiRequest request) {
                creates.incrementAndGet();
                createEntered.countDown();
                CountDownLatch hold = holdCreateUntilCancelled;
                while (hold != null && !context.task().isCancelRequested()) {
                    Thread.onSpinWait();
                }
                context.task().checkCancelled();
                failIfAsked();
                return disks.computeIfAbsent(request.vdiUuid(), u -> new VdiInfo(u, request.virtualSize(), 4096,
                        false, false, Optional.empty(), Map.of()));
            }

            @Override
            public void deleteVdi(String vdiUuid) {
                failIfAsked();
                disks.remove(vdiUuid);
            }

            @Override
            public VdiInfo resizeVdi(String vdiUuid, long newVirtualSizeBytes) {
                resizes.incrementAndGet();
                failIfAsked();
                return disks.computeIfPresent(vdiUuid, (u, d) -> new VdiInfo(u,
                        Math.max(d.virtualSize(), newVirtualSizeBytes), d.physicalUtilisation(), d.readOnly(),
                        d.hidden(), d.parentUuid(), d.smConfig()));
            }

            @Override
            public CloneResult cloneVdi(CloneRequest request) {
                failIfAsked();
                VdiInfo source = disks.get(request.sourceUuid());
                VdiInfo base = new VdiInfo(request.baseCopyUuid(), source.virtualSize(), source.physicalUtilisation(),
                        true, true, source.parentUuid(), Map.of());
                VdiInfo newSource = new VdiInfo(source.uuid(), source.virtualSize(), 512, false, false,
                        Optional.of(base.uuid()), Map.of());
                VdiInfo created = new VdiInfo(request.newUuid(), source.virtualSize(), 512, false, false,
                        Optional.of(base.uuid()), Map.of());
                disks.put(base.uuid(), base);
                disks.put(newSource.uuid(), newSource);
                disks.put(created.uuid(), created);
                return new CloneResult(created, newSource, Optional.of(base));
            }

            @Override
            public CloneResult snapshotVdi(CloneRequest request) {
                return cloneVdi(request);
            }
        };
    }

    private void failIfAsked() {
        StorageException failure = nextFailure.getAndSet(null);
        if (failure != null) {
            throw failure;
        }
    }

    static StorageException failure() {
        return new StorageException(StandardErrorCode.INSUFFICIENT_SPACE, "The pool is full");
    }
}
