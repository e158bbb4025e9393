package org.storagegateway.driver.file;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.vhd.nbd.NbdServer;
import org.storagegateway.vhd.nbd.VhdChainExport;

/**
 * The NBD exports of the attached VDIs, owned by the driver component: one unix socket per VDI, in a runtime folder
 * only this process may enter (mode 0700), named {@code <vdi-uuid>.sock}; the export name is the VDI's UUID.
 *
 * <p>Operations that change a chain under an attached VDI (snapshot, clone, resize, coalesce) run inside
 * {@link #whileQuiesced}: the export waits for the requests under way, flushes and closes its chain, and reopens it
 * from the VDI's file once the change is done.
 */
final class NbdExports {
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    private final Path requestedRuntime;
    private Path runtime;

    private record Served(VhdChainExport export, NbdServer server) {
    }

    /** Sockets go to a new private folder under the system's temporary folder, made on first attach. */
    NbdExports() {
        this(null);
    }

    /** Sockets go to {@code runtime} (made if missing, mode 0700). */
    NbdExports(Path runtime) {
        this.requestedRuntime = runtime;
    }

    /**
     * Serve the chain of {@code leaf} as export {@code vdiUuid}, or return the export already serving it (reopening
     * its chain if a quiesce could not). A read-only export is not widened: a writable attach of it is refused.
     */
    synchronized Datapath.Nbd attach(String vdiUuid, Path leaf, boolean readOnly) {
        Served existing = served.get(vdiUuid);
        if (existing != null) {
            if (existing.export().readOnly() && !readOnly) {
                throw new StorageException(StandardErrorCode.VDI_IN_USE,
                        "VDI " + vdiUuid + " is attached read-only; detach it before attaching it writable");
            }
            if (existing.export().files().isEmpty()) {
                // A quiesce could not reopen the chain: try again.
                existing.export().whileQuiesced(() -> null);
            }
            return new Datapath.Nbd(existing.server().uri());
        }
        VhdChainExport export = VhdChainExport.open(vdiUuid, leaf, readOnly);
        try {
            NbdServer server = NbdServer.start(runtime().resolve(vdiUuid + ".sock"), export);
            served.put(vdiUuid, new Served(export, server));
            return new Datapath.Nbd(server.uri());
        } catch (RuntimeException e) {
            export.close();
            if (e instanceof UncheckedIOException io) {
                throw new StorageException(StandardErrorCode.STORAGE_FAILURE,
                        "Cannot serve VDI " + vdiUuid + " over NBD: " + io.getCause().getMessage());
            }
            throw e;
        }
    }

    /** Whether {@code vdiUuid} is attached. */
    boolean attached(String vdiUuid) {
        return served.containsKey(vdiUuid);
    }

    /** Stop serving {@code vdiUuid}: its clients are disconnected once their requests are done, then it is flushed. */
    void detach(String vdiUuid) {
        Served gone = served.remove(vdiUuid);
        if (gone != null) {
            gone.server().close();
            gone.export().close();
        }
    }

    /** Run {@code change} with the export of {@code vdiUuid} quiesced, if it is attached. */
    <T> T whileQuiesced(String vdiUuid, Supplier<T> change) {
        Served attached = served.get(vdiUuid);
        return attached == null ? change.get() : attached.export().whileQuiesced(change);
    }

    /** Run {@code change} with every export whose chain (its files, leaf first) {@code chainMatches} quiesced. */
    <T> T whileQuiescedWhere(Predicate<List<Path>> chainMatches, Supplier<T> change) {
        List<VhdChainExport> affected = new ArrayList<>();
        for (Served candidate : served.values()) {
            if (chainMatches.test(candidate.export().files())) {
                affected.add(candidate.export());
            }
        }
        // Quiesced one inside the other, always in the same order.
        affected.sort(Comparator.comparing(VhdChainExport::name));
        Supplier<T> nested = change;
        for (VhdChainExport export : affected) {
            Supplier<T> inner = nested;
            nested = () -> export.whileQuiesced(inner);
        }
        return nested.get();
    }

    /** Detach everything; the component is going away. */
    void closeAll() {
        for (String vdiUuid : List.copyOf(served.keySet())) {
            detach(vdiUuid);
        }
    }

    private Path runtime() {
        if (runtime == null) {
            try {
                var privateFolder = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
                runtime = requestedRuntime == null
                        ? Files.createTempDirectory("storage-gateway-nbd-", privateFolder)
                        : Files.createDirectories(requestedRuntime, privateFolder);
            } catch (IOException e) {
                throw new StorageException(StandardErrorCode.STORAGE_FAILURE,
                        "Cannot create the folder for NBD sockets: " + e.getMessage());
            }
        }
        return runtime;
    }
}
