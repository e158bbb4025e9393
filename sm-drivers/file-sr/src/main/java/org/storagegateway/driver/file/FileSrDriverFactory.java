package org.storagegateway.driver.file;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;

/**
 * The {@code file} SR driver: each SR is a directory {@code <path>/<sr-uuid>/} and each VDI a VHD file
 * {@code <vdi-uuid>.vhd} in it, laid out as XenServer's file SRs are.
 *
 * <p>The component keeps the locks of each SR ({@link SrLocks}): operations on different VDIs run in parallel, SR-wide
 * ones (scan, garbage collection) alone.
 */
@Component(service = StorageDriverFactory.class, property = StorageDriverFactory.SR_TYPE_PROPERTY + "=file")
public final class FileSrDriverFactory implements StorageDriverFactory {
    static final String PATH_KEY = "path";
    static final String HEADROOM_KEY = "headroom-bytes";
    /** Free space kept by default on an SR's file system: creates and copies that would leave less are refused. */
    static final long DEFAULT_HEADROOM = 256L << 20;
    static final String DRIVER_VERSION = "1.0.0";

    private static final DriverDescriptor DESCRIPTOR = new DriverDescriptor(
            "file",
            "Storage gateway project",
            DRIVER_VERSION,
            "1.0",
            "VHD files in a local or mounted directory, one per VDI, with XenServer-style snapshot chains",
            List.of(new ConfigKey(PATH_KEY, "Absolute path of the directory that holds the SR's folder", true, false),
                    new ConfigKey(HEADROOM_KEY, "Free bytes to keep on the file system; creates, clones and snapshots"
                            + " that would leave less are refused (default 268435456, 256 MiB)", false, false)),
            EnumSet.of(Capability.SR_PROBE, Capability.SR_STATS, Capability.VDI_CREATE, Capability.VDI_DELETE,
                    Capability.VDI_CLONE, Capability.VDI_SNAPSHOT, Capability.VDI_RESIZE, Capability.VDI_RESIZE_ONLINE,
                    Capability.VDI_INTRODUCE, Capability.THIN_PROVISIONING, Capability.SR_GARBAGE_COLLECTION,
                    Capability.VDI_ATTACH));

    /** Threads reading VHD metadata in parallel for scans; they read ahead of a cold page cache. */
    static final int METADATA_READERS = 8;

    private final Map<String, SrLocks> srLocks = new ConcurrentHashMap<>();
    /** Owned by the component: started on activation, stopped on deactivation, so no thread outlives the bundle. */
    private volatile ExecutorService metadataReaders;
    /** The NBD exports of attached VDIs, for every SR of this driver; detached when the component goes. */
    private final NbdExports nbdExports = new NbdExports();

    /** Start the component's reader threads; SCR calls it, and so do tools that use the factory outside OSGi. */
    @Activate
    public void activate() {
        AtomicInteger count = new AtomicInteger();
        metadataReaders = Executors.newFixedThreadPool(METADATA_READERS, runnable -> {
            Thread thread = new Thread(runnable, "file-sr-metadata-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Stop the component's threads; SCR calls it before the bundle goes, and so do tools outside OSGi. */
    @Deactivate
    public void deactivate() {
        ExecutorService readers = metadataReaders;
        metadataReaders = null;
        if (readers != null) {
            readers.shutdownNow();
        }
        nbdExports.closeAll();
    }

    @Override
    public DriverDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public StorageRepository open(RepositoryConfig config, DriverContext context) {
        return open(location(config.deviceConfig()), config, context);
    }

    /**
     * Open the SR whose folder is {@code <location>/<sr-uuid>}, on any file system: drivers that embed this one (the
     * {@code nfs} driver) pass a location on their own file system.
     */
    public StorageRepository open(Path location, RepositoryConfig config, DriverContext context) {
        return new FileRepository(location.resolve(config.srUuid()), context,
                srLocks.computeIfAbsent(config.srUuid(), u -> new SrLocks()), headroom(config.deviceConfig()),
                Optional.ofNullable(metadataReaders), Optional.of(nbdExports));
    }

    /** Report the SRs found under the device-config path: folders named by a UUID. */
    @Override
    public List<ProbeEntry> probe(Map<String, String> deviceConfig, DriverContext context) {
        return probe(location(deviceConfig));
    }

    /** Report the SRs found under {@code location}, on any file system: folders named by a UUID. */
    public List<ProbeEntry> probe(Path location) {
        List<ProbeEntry> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(location)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (Files.isDirectory(entry) && SrFolder.isUuid(name)) {
                    long disks;
                    try (var files = Files.list(entry)) {
                        disks = files.filter(f -> f.getFileName().toString().endsWith(SrFolder.VHD_SUFFIX)).count();
                    }
                    found.add(new ProbeEntry(ProbeEntry.Kind.STORAGE_REPOSITORY, name, name,
                            Map.of("path", entry.toString(), "vhd-count", Long.toString(disks))));
                }
            }
        } catch (IOException e) {
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "Cannot list " + location + ": " + e);
        }
        return found;
    }

    private static long headroom(Map<String, String> deviceConfig) {
        String value = deviceConfig.get(HEADROOM_KEY);
        if (value == null) {
            return DEFAULT_HEADROOM;
        }
        try {
            long bytes = Long.parseLong(value.trim());
            if (bytes >= 0) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                "device-config '" + HEADROOM_KEY + "' must be a number of bytes, 0 or more: " + value);
    }

    private static Path location(Map<String, String> deviceConfig) {
        String path = deviceConfig.get(PATH_KEY);
        if (path == null || path.isBlank()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "device-config 'path' is required");
        }
        Path location = Path.of(path);
        if (!location.isAbsolute()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                    "device-config 'path' must be absolute: " + path);
        }
        return location.normalize();
    }
}
