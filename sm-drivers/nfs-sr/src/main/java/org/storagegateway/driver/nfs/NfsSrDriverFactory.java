package org.storagegateway.driver.nfs;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.storagegateway.driver.file.FileSrDriverFactory;
import org.storagegateway.nfs.Nfs3Exports;
import org.storagegateway.nfs.Nfs3FileSystem;
import org.storagegateway.nfs.Nfs3FileSystemException;
import org.storagegateway.nfs.Nfs3FileSystemProvider;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;

/**
 * The {@code nfs} SR driver: the {@code file} driver's repository, unchanged, on an NFSv3 export. Device-config as
 * XenServer's NFS SR: {@code server}, {@code serverpath} (an export, or a folder inside one) and optionally
 * {@code nfsversion=3}. Each SR is the folder {@code <serverpath>/<sr-uuid>/} on the export and each VDI a VHD file
 * {@code <vdi-uuid>.vhd} in it.
 *
 * <p>The export is reached by a user-space NFSv3 client ({@code nfs3://} file system), not a kernel mount. Each
 * (server, export) is mounted once, at the first call that needs it, and kept by the component until it stops: a
 * MOUNT is one round trip, after which the root file handle is all the client holds.
 */
@Component(service = StorageDriverFactory.class, property = StorageDriverFactory.SR_TYPE_PROPERTY + "=nfs")
public final class NfsSrDriverFactory implements StorageDriverFactory {
    static final String SERVER_KEY = "server";
    static final String SERVER_PATH_KEY = "serverpath";
    static final String VERSION_KEY = "nfsversion";
    static final String DRIVER_VERSION = "1.0.0";

    /** The file driver does the SR work; it is embedded privately and registers no service of its own here. */
    private final FileSrDriverFactory files = new FileSrDriverFactory();
    private final Nfs3FileSystemProvider nfs = new Nfs3FileSystemProvider();
    private final DriverDescriptor descriptor;

    public NfsSrDriverFactory() {
        List<ConfigKey> keys = new ArrayList<>(List.of(
                new ConfigKey(SERVER_KEY, "Host name or address of the NFS server", true, false),
                new ConfigKey(SERVER_PATH_KEY, "Exported path on the server (or a folder inside an export) that holds"
                        + " the SR's folder", true, false),
                new ConfigKey(VERSION_KEY, "NFS version; only 3 is supported (the default)", false, false)));
        // The file driver's other keys (headroom) apply unchanged; its location is the export instead of "path".
        files.descriptor().configSchema().stream().filter(k -> !k.name().equals("path")).forEach(keys::add);
        descriptor = new DriverDescriptor("nfs", "Storage gateway project", DRIVER_VERSION, "1.0",
                "VHD files on an NFSv3 export, one per VDI, with XenServer-style snapshot chains; reached by a"
                        + " user-space NFS client, no kernel mount",
                keys, files.descriptor().capabilities());
    }

    @Activate
    public void activate() {
        files.activate();
    }

    /** Stop the file driver's threads, forget the mounts and stop the NFS client's connections and threads. */
    @Deactivate
    public void deactivate() {
        files.deactivate();
        nfs.shutdown();
    }

    @Override
    public DriverDescriptor descriptor() {
        return descriptor;
    }

    /** Mounts the export at the first call for it (one MOUNT round trip); later calls reuse the mount. */
    @Override
    public StorageRepository open(RepositoryConfig config, DriverContext context) {
        NfsLocation at = NfsLocation.of(config.deviceConfig(), true);
        return files.open(location(at), config, context);
    }

    /**
     * As XenServer's sr-probe: without {@code serverpath}, the server's exports ({@code EXPORT} entries, from the MOUNT
     * EXPORT call); with it, the SRs found there ({@code STORAGE_REPOSITORY} entries: folders named by a UUID, with
     * their VHD count).
     */
    @Override
    public List<ProbeEntry> probe(Map<String, String> deviceConfig, DriverContext context) {
        NfsLocation at = NfsLocation.of(deviceConfig, false);
        if (at.serverPath().isEmpty()) {
            List<ProbeEntry> exports = new ArrayList<>();
            for (Nfs3Exports.Export export : exports(at)) {
                exports.add(new ProbeEntry(ProbeEntry.Kind.EXPORT, export.path(), export.path(),
                        Map.of(SERVER_KEY, at.server(), "clients",
                                export.groups().isEmpty() ? "*" : String.join(",", export.groups()))));
            }
            return exports;
        }
        List<ProbeEntry> found = new ArrayList<>();
        for (ProbeEntry sr : files.probe(location(at))) {
            Map<String, String> attributes = new HashMap<>(sr.attributes());
            attributes.put(SERVER_KEY, at.server());
            attributes.put(SERVER_PATH_KEY, at.serverPath().get());
            found.add(new ProbeEntry(sr.kind(), sr.id(), sr.name(), attributes));
        }
        return found;
    }

    /**
     * The folder {@code serverpath} names, on its export. The path is mounted as an export first; if the server
     * refuses it, the longest export that contains it is mounted and the rest is a folder inside it.
     */
    private Path location(NfsLocation at) {
        String path = at.serverPath().orElseThrow();
        try {
            return nfs.mount(at.uri(path), Map.of()).getPath("/");
        } catch (NoSuchFileException | AccessDeniedException refused) {
            List<String> exported = exports(at).stream().map(Nfs3Exports.Export::path).toList();
            Optional<String> container = exported.stream()
                    .filter(e -> !e.equals(path) && (e.equals("/") || path.startsWith(e + "/")))
                    .max((a, b) -> Integer.compare(a.length(), b.length()));
            if (container.isPresent()) {
                Nfs3FileSystem fs = mount(at, container.get());
                return fs.getPath("/", path.substring(container.get().length()));
            }
            if (!exported.contains(path)) {
                throw new StorageException(NfsErrorCode.NFS_EXPORT_NOT_FOUND, "NFS server " + at.server()
                        + " does not export " + path + "; it exports " + exported);
            }
            throw new StorageException(NfsErrorCode.NFS_EXPORT_REFUSED, "NFS server " + at.server()
                    + " refuses to let this gateway mount " + path + ": " + refused.getReason());
        } catch (IOException e) {
            throw failure(at, path, e);
        }
    }

    private Nfs3FileSystem mount(NfsLocation at, String export) {
        try {
            return nfs.mount(at.uri(export), Map.of());
        } catch (NoSuchFileException | AccessDeniedException refused) {
            throw new StorageException(NfsErrorCode.NFS_EXPORT_REFUSED, "NFS server " + at.server()
                    + " refuses to let this gateway mount " + export + ": " + refused.getReason());
        } catch (IOException e) {
            throw failure(at, export, e);
        }
    }

    private List<Nfs3Exports.Export> exports(NfsLocation at) {
        try {
            return Nfs3Exports.list(at.server());
        } catch (IOException e) {
            throw new StorageException(NfsErrorCode.NFS_SERVER_UNREACHABLE, "Cannot list the exports of NFS server "
                    + at.server() + ": " + e.getMessage());
        }
    }

    private static StorageException failure(NfsLocation at, String export, IOException e) {
        if (e instanceof Nfs3FileSystemException nfsFailure && nfsFailure.status() == 0) {
            return new StorageException(NfsErrorCode.NFS_SERVER_UNREACHABLE, "Cannot mount " + export
                    + " from NFS server " + at.server() + ": " + e.getMessage());
        }
        return new StorageException(StandardErrorCode.STORAGE_FAILURE, "Cannot mount " + export + " from NFS server "
                + at.server() + ": " + e.getMessage());
    }

    /** The device-config of an NFS SR, checked. */
    record NfsLocation(String server, Optional<String> serverPath) {

        static NfsLocation of(Map<String, String> deviceConfig, boolean pathRequired) {
            String server = Optional.ofNullable(deviceConfig.get(SERVER_KEY)).map(String::trim).orElse("");
            if (server.isEmpty() || !server.matches("[A-Za-z0-9.:_-]+")) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "device-config '" + SERVER_KEY + "' must be a host name or address: " + server);
            }
            String version = Optional.ofNullable(deviceConfig.get(VERSION_KEY)).map(String::trim).orElse("3");
            if (!version.equals("3")) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "device-config '" + VERSION_KEY
                        + "' must be 3: this driver speaks NFSv3 only; got " + version);
            }
            Optional<String> path = Optional.ofNullable(deviceConfig.get(SERVER_PATH_KEY)).map(String::trim)
                    .filter(p -> !p.isEmpty()).map(NfsLocation::normalize);
            if (pathRequired && path.isEmpty()) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "device-config '" + SERVER_PATH_KEY + "' is required");
            }
            return new NfsLocation(server, path);
        }

        private static String normalize(String path) {
            if (!path.startsWith("/")) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "device-config '" + SERVER_PATH_KEY + "' must be absolute: " + path);
            }
            List<String> names = Stream.of(path.split("/")).filter(n -> !n.isEmpty() && !n.equals(".")).toList();
            if (names.contains("..")) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "device-config '" + SERVER_PATH_KEY + "' must not contain '..': " + path);
            }
            return "/" + String.join("/", names);
        }

        URI uri(String export) {
            try {
                return new URI(Nfs3FileSystemProvider.SCHEME, server, export, null);
            } catch (URISyntaxException e) {
                throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "Not a usable NFS location: " + server + ":" + export);
            }
        }
    }
}
