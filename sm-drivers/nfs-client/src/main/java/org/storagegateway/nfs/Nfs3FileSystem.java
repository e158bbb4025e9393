package org.storagegateway.nfs;

import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One mounted NFSv3 export. Paths are relative to the export's root ({@code getPath("/sr/disk.vhd")}); a relative
 * path is taken relative to the root too. Thread-safe.
 *
 * <p>Closing it only forgets the mount: the client library shares one TCP connection per server among all mounts,
 * and no MOUNT state is held on the server (the client unmounts right after MNT).
 */
public final class Nfs3FileSystem extends FileSystem {

    private final Nfs3FileSystemProvider provider;
    private final String host;
    private final int uriPort;
    private final String exportPath;
    private final Nfs3Options options;
    private final Nfs3Path root;
    private final Nfs3Client client;
    private volatile boolean open = true;

    /** Opens the connection to the server (a test passes one that answers null: paths only, no I/O). */
    interface Connector {
        Nfs3Client connect(Nfs3FileSystem fs) throws IOException;
    }

    Nfs3FileSystem(Nfs3FileSystemProvider provider, String host, int uriPort, String exportPath, Nfs3Options options,
            Connector connector) throws IOException {
        this.provider = provider;
        this.host = host;
        this.uriPort = uriPort;
        this.exportPath = exportPath;
        this.options = options;
        this.root = new Nfs3Path(this, true, new String[0]);
        this.client = connector.connect(this);
        if (client != null && uriPort != -1 && uriPort != client.nfsPort()) {
            throw new Nfs3FileSystemException(root.toUri().toString(), null, "rpcbind registers NFSv3 on port "
                    + client.nfsPort() + ", not " + uriPort + " (this client always asks rpcbind)", 0);
        }
    }

    /** The server name or address, as given in the URI. */
    public String host() {
        return host;
    }

    /** The port given in the URI, or -1. */
    int uriPort() {
        return uriPort;
    }

    /** The exported directory on the server, e.g. {@code /srv/nfs/sr}. */
    public String exportPath() {
        return exportPath;
    }

    public Nfs3Options options() {
        return options;
    }

    /** NFS calls sent by this mount so far (not rpcbind or MOUNT): lets callers count round trips. */
    public long rpcCount() {
        return client == null ? 0 : client.rpcCount();
    }

    Nfs3Path root() {
        return root;
    }

    Nfs3Client client() {
        if (!open) {
            throw new ClosedFileSystemException();
        }
        if (client == null) {
            throw new IllegalStateException("this file system is not connected to a server");
        }
        return client;
    }

    @Override
    public Nfs3FileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            provider.forget(this);
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return List.of(root);
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        try {
            return List.of(provider.getFileStore(root));
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return Set.of("basic", "posix");
    }

    @Override
    public Nfs3Path getPath(String first, String... more) {
        return Nfs3Path.parse(this, first, more);
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        int colon = syntaxAndPattern.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected syntax:pattern, got " + syntaxAndPattern);
        }
        String syntax = syntaxAndPattern.substring(0, colon);
        String pattern = syntaxAndPattern.substring(colon + 1);
        Pattern re;
        if (syntax.equalsIgnoreCase("glob")) {
            re = Pattern.compile(Globs.toRegex(pattern));
        } else if (syntax.equalsIgnoreCase("regex")) {
            re = Pattern.compile(pattern);
        } else {
            throw new UnsupportedOperationException("syntax '" + syntax + "' not recognized");
        }
        return path -> re.matcher(path.toString()).matches();
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        throw new UnsupportedOperationException("AUTH_SYS has numeric ids only");
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("NFSv3 has no change notification");
    }

    @Override
    public String toString() {
        return root.toUri().toString();
    }
}
