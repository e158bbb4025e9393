package org.storagegateway.nfs;

import com.emc.ecs.nfsclient.network.NetMgr;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsTime;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.spi.FileSystemProvider;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * JSR-203 provider for {@code nfs3://host[:port]/export/path}: java.nio code (Files, FileChannel, DirectoryStream,
 * FileStore) runs unchanged on an NFSv3 export through a user-space client, with no kernel NFS client and no mount.
 *
 * <p>Not registered with ServiceLoader on purpose: a driver bundle creates one instance and mounts exports with
 * {@link #newFileSystem(URI, Map)} (the URI's path is the export), then gets paths from the file system or with
 * {@link #getPath(URI)}. {@code FileChannel.open(path, ...)} and every {@code Files} method dispatch here through
 * {@code path.getFileSystem().provider()}.
 *
 * <p>Mapping onto NFSv3 (RFC 1813): open = LOOKUP (CREATE GUARDED for {@code CREATE_NEW}); read/write = READ/WRITE on
 * the handle kept by the channel; {@code force} = COMMIT; move = RENAME (atomic on the server, replaces an existing
 * target); createLink = LINK; delete = REMOVE, or RMDIR for a directory; createDirectory = MKDIR; readAttributes =
 * LOOKUP's attributes; checkAccess = ACCESS; isSameFile = (fsid, fileid); getFileStore = FSSTAT; directory listing =
 * READDIR.
 */
public final class Nfs3FileSystemProvider extends FileSystemProvider {

    public static final String SCHEME = "nfs3";

    private static final int DEFAULT_FILE_MODE = 0644;
    private static final int DEFAULT_DIR_MODE = 0755;
    private static final int COPY_BUFFER = 1 << 20;

    /**
     * A mounted export. Equality is written out, here and in every record of this library that is compared: on JDK 17
     * the bootstrap behind a record's generated {@code equals}/{@code hashCode} keeps the last record type it adapted
     * to in a JDK-wide method-handle cache ({@code MethodHandle.asTypeCache} of {@code ObjectMethods}' shared
     * handles), which pins the class loader of a driver bundle after the bundle is removed.
     */
    private record Key(String host, int port, String export) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.host.equals(host) && key.port == port && key.export.equals(export);
        }

        @Override
        public int hashCode() {
            return (host.hashCode() * 31 + port) * 31 + export.hashCode();
        }
    }

    private final Map<Key, Nfs3FileSystem> mounts = new ConcurrentHashMap<>();

    @Override
    public String getScheme() {
        return SCHEME;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Mounts

    /**
     * Mounts the export named by the URI's path, e.g. {@code nfs3://127.0.0.1/srv/nfs}. Options: see
     * {@link Nfs3Options}. The port, if given, must be the one rpcbind reports for NFSv3.
     *
     * @throws FileSystemAlreadyExistsException if this provider already mounted the export
     * @throws IOException                      if rpcbind, MOUNT or NFS do not answer, or the export is refused
     */
    @Override
    public Nfs3FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        Key key = key(uri);
        synchronized (mounts) {
            if (mounts.containsKey(key)) {
                throw new FileSystemAlreadyExistsException(uri.toString());
            }
            Nfs3Options options = Nfs3Options.from(env);
            Nfs3FileSystem fs = new Nfs3FileSystem(this, key.host(), key.port(), key.export(), options,
                    f -> Nfs3Client.mount(f, key.host(), key.export(), options));
            mounts.put(key, fs);
            return fs;
        }
    }

    /** The mounted export of this URI, or a new mount of it. */
    public Nfs3FileSystem mount(URI uri, Map<String, ?> env) throws IOException {
        Key key = key(uri);
        synchronized (mounts) {
            Nfs3FileSystem fs = mounts.get(key);
            return fs != null ? fs : newFileSystem(uri, env);
        }
    }

    /** The file system whose export is exactly the URI's path. */
    @Override
    public Nfs3FileSystem getFileSystem(URI uri) {
        Nfs3FileSystem fs = mounts.get(key(uri));
        if (fs == null) {
            throw new FileSystemNotFoundException(uri.toString());
        }
        return fs;
    }

    /** A path from {@code nfs3://host[:port]/export/rest}, on the mounted export that is the longest prefix. */
    @Override
    public Nfs3Path getPath(URI uri) {
        Key full = key(uri);
        Nfs3FileSystem best = null;
        for (Map.Entry<Key, Nfs3FileSystem> e : mounts.entrySet()) {
            Key k = e.getKey();
            if (!k.host().equals(full.host()) || k.port() != full.port()) {
                continue;
            }
            String ex = k.export();
            boolean prefix = full.export().equals(ex) || ex.equals("/")
                    || full.export().startsWith(ex.endsWith("/") ? ex : ex + "/");
            if (prefix && (best == null || ex.length() > best.exportPath().length())) {
                best = e.getValue();
            }
        }
        if (best == null) {
            throw new FileSystemNotFoundException("no mounted export holds " + uri);
        }
        String rest = best.exportPath().equals("/") ? full.export() : full.export().substring(best.exportPath().length());
        return best.getPath(rest.isEmpty() ? "/" : rest);
    }

    /** Registers a file system that never talks to a server: for tests of the path and URI logic. */
    Nfs3FileSystem unconnected(URI uri) throws IOException {
        Key key = key(uri);
        Nfs3FileSystem fs = new Nfs3FileSystem(this, key.host(), key.port(), key.export(), Nfs3Options.defaults(),
                f -> null);
        mounts.put(key, fs);
        return fs;
    }

    /**
     * Forget every mount and stop the client library's transport: its connections and netty threads, which are
     * process-wide within this class loader. For the owner of the class loader (a driver bundle that embeds this
     * library) when it stops; no mount of any provider in the class loader works afterwards.
     */
    public void shutdown() {
        synchronized (mounts) {
            mounts.values().forEach(Nfs3FileSystem::close);
            mounts.clear();
        }
        NetMgr.getInstance().shutdown();
    }

    void forget(Nfs3FileSystem fs) {
        mounts.values().remove(fs);
    }

    private static Key key(URI uri) {
        if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("URI scheme is not '" + SCHEME + "': " + uri);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("URI has no host: " + uri);
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("URI has a query or fragment: " + uri);
        }
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        StringBuilder norm = new StringBuilder();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException("URI path has '..': " + uri);
            }
            norm.append('/').append(part);
        }
        return new Key(uri.getHost().toLowerCase(Locale.ROOT), uri.getPort(), norm.length() == 0 ? "/" : norm.toString());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Channels

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Nfs3Path p = nfs(path);
        Nfs3Client c = p.getFileSystem().client();
        boolean read = options.contains(StandardOpenOption.READ);
        boolean append = options.contains(StandardOpenOption.APPEND);
        boolean write = options.contains(StandardOpenOption.WRITE) || append;
        if (!read && !write) {
            read = true;
        }
        if (append && read) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        for (OpenOption o : options) {
            if (!(o instanceof StandardOpenOption) && o != LinkOption.NOFOLLOW_LINKS) {
                throw new UnsupportedOperationException("unsupported open option " + o);
            }
        }
        boolean createNew = write && options.contains(StandardOpenOption.CREATE_NEW);
        boolean create = write && !createNew && options.contains(StandardOpenOption.CREATE);
        boolean follow = !options.contains(LinkOption.NOFOLLOW_LINKS);
        Nfs3Options mountOptions = p.getFileSystem().options();
        int stable = options.contains(StandardOpenOption.SYNC) ? Nfs3Client.FILE_SYNC
                : options.contains(StandardOpenOption.DSYNC) ? Nfs3Client.DATA_SYNC
                : mountOptions.writes() == Nfs3Options.Writes.FILE_SYNC ? Nfs3Client.FILE_SYNC : Nfs3Client.UNSTABLE;
        boolean autoStable = stable == Nfs3Client.UNSTABLE && mountOptions.writes() == Nfs3Options.Writes.AUTO;
        long attrCache = mountOptions.attrCacheMillis();
        int mode = mode(attrs, DEFAULT_FILE_MODE);

        Nfs3Client.Node node;
        if (createNew) {
            node = c.inParent(p, d -> c.create(d, mode, true, p));
        } else if (create) {
            try {
                node = c.lookup(p, follow);
            } catch (NoSuchFileException missing) {
                try {
                    node = c.inParent(p, d -> c.create(d, mode, true, p));
                } catch (FileAlreadyExistsException race) {
                    node = c.lookup(p, follow);
                }
            }
        } else {
            node = c.lookup(p, follow);
        }
        Nfs3FileAttributes a = node.attrs();
        if (a.isSymbolicLink()) {
            throw new Nfs3FileSystemException(p.toString(), null,
                    "Too many levels of symbolic links or unable to access attributes of symbolic link", 0);
        }
        if (a.isDirectory()) {
            if (write) {
                throw new Nfs3FileSystemException(p.toString(), null, "Is a directory", Nfs3Status.ISDIR);
            }
            return new Nfs3FileChannel(c, p, node.fh(), true, false, false, true, stable, false, attrCache, a, null);
        }
        if (write && options.contains(StandardOpenOption.TRUNCATE_EXISTING) && !createNew && a.size() > 0) {
            a = c.setSize(node.fh(), 0, p); // null if the server sent no attributes: size() will ask
        }
        Runnable afterClose = null;
        if (options.contains(StandardOpenOption.DELETE_ON_CLOSE)) {
            afterClose = () -> {
                try {
                    delete(p);
                } catch (IOException ignored) {
                    // best effort, like the JDK
                }
            };
        }
        return new Nfs3FileChannel(c, p, node.fh(), read, write, append, false, stable, autoStable, attrCache, a,
                afterClose);
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return newFileChannel(path, options, attrs);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Directories

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        Nfs3Path p = nfs(dir);
        Nfs3Client c = p.getFileSystem().client();
        Nfs3Client.Node node = c.lookup(p, true);
        if (!node.attrs().isDirectory()) {
            throw new NotDirectoryException(p.toString());
        }
        return new Nfs3DirectoryStream(c, p, node.fh(), filter);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        Nfs3Path p = nfs(dir);
        if (p.toAbsolutePath().normalize().getNameCount() == 0) {
            throw new FileAlreadyExistsException(p.toString());
        }
        Nfs3Client c = p.getFileSystem().client();
        int mode = mode(attrs, DEFAULT_DIR_MODE);
        c.inParent(p, d -> c.mkdir(d, mode, p));
    }

    @Override
    public void delete(Path path) throws IOException {
        Nfs3Path p = nfs(path);
        Nfs3Path abs = p.toAbsolutePath().normalize();
        if (abs.getNameCount() == 0) {
            throw new Nfs3FileSystemException(p.toString(), null, "the export's root cannot be deleted",
                    Nfs3Status.INVAL);
        }
        Nfs3Client c = p.getFileSystem().client();
        c.inParent(p, d -> {
            int s = c.remove(d, p);
            if (s == Nfs3Status.OK) {
                return null;
            }
            boolean maybeDirectory = s == Nfs3Status.ISDIR || s == Nfs3Status.PERM || s == Nfs3Status.ACCES
                    || s == Nfs3Status.INVAL || s == Nfs3Status.NOTSUPP || s == Nfs3Status.EXIST;
            if (!maybeDirectory || (s != Nfs3Status.ISDIR && !c.lookup(p, false).attrs().isDirectory())) {
                Nfs3Client.throwIfError(s, p, null);
            }
            int r = c.rmdir(d, p);
            Nfs3Client.throwIfError(r == Nfs3Status.EXIST ? Nfs3Status.NOTEMPTY : r, p, null);
            c.invalidate(abs);
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Rename, link, copy

    /**
     * RENAME. Without {@code ATOMIC_MOVE} the JDK contract is kept: an existing target is an error unless
     * {@code REPLACE_EXISTING}, and moving a file onto itself does nothing. With {@code ATOMIC_MOVE} this is one
     * RENAME, atomic on the server, which replaces an existing target (a file by a file, or an empty directory by a
     * directory), like {@code rename(2)}. Moves between two mounted exports copy then delete (never atomic).
     */
    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Nfs3Path s = nfs(source);
        Nfs3Path t = nfs(target);
        Set<CopyOption> opts = Set.of(options);
        boolean atomic = opts.contains(StandardCopyOption.ATOMIC_MOVE);
        boolean replace = opts.contains(StandardCopyOption.REPLACE_EXISTING);
        if (s.getFileSystem() != t.getFileSystem()) {
            if (atomic) {
                throw new AtomicMoveNotSupportedException(s.toString(), t.toString(), "different NFS mounts");
            }
            moveByCopy(s, t, replace);
            return;
        }
        Nfs3Client c = s.getFileSystem().client();
        Nfs3Path sAbs = s.toAbsolutePath().normalize();
        Nfs3Path tAbs = t.toAbsolutePath().normalize();
        if (sAbs.getNameCount() == 0 || tAbs.getNameCount() == 0) {
            throw new Nfs3FileSystemException(s.toString(), t.toString(), "the export's root cannot be moved",
                    Nfs3Status.INVAL);
        }
        if (!atomic) {
            Nfs3Client.Node sn = c.lookup(s, false);
            Nfs3Client.Node tn = lookupOrNull(c, t, false);
            if (tn != null) {
                if (sn.attrs().fileKey().equals(tn.attrs().fileKey())) {
                    return; // same file: no effect
                }
                if (!replace) {
                    throw new FileAlreadyExistsException(t.toString());
                }
            }
        }
        int st = renameOnce(c, s, t, true);
        if (st == Nfs3Status.OK) {
            c.invalidate(sAbs);
            c.invalidate(tAbs);
            return;
        }
        if (st == Nfs3Status.XDEV) {
            if (atomic) {
                throw new AtomicMoveNotSupportedException(s.toString(), t.toString(), "Invalid cross-device link");
            }
            moveByCopy(s, t, replace);
            return;
        }
        if ((st == Nfs3Status.ISDIR || st == Nfs3Status.NOTDIR) && replace && !atomic) {
            delete(t); // a file onto an empty directory or the reverse: the JDK deletes the target first
            st = renameOnce(c, s, t, false);
        }
        if (st == Nfs3Status.EXIST || st == Nfs3Status.NOTEMPTY) {
            throw new DirectoryNotEmptyException(t.toString());
        }
        if (st == Nfs3Status.NOENT) {
            throw new NoSuchFileException(s.toString());
        }
        Nfs3Client.throwIfError(st, s, t);
        c.invalidate(sAbs);
        c.invalidate(tAbs);
    }

    private static int renameOnce(Nfs3Client c, Nfs3Path s, Nfs3Path t, boolean useCache) throws IOException {
        Nfs3Client.Dir from = c.parentOf(s, useCache);
        Nfs3Client.Dir to = c.parentOf(t, useCache);
        int st = c.rename(from, to, s, t);
        if ((st == Nfs3Status.STALE || st == Nfs3Status.BADHANDLE) && (from.fromCache() || to.fromCache())) {
            c.invalidate(from.path());
            c.invalidate(to.path());
            return renameOnce(c, s, t, false);
        }
        return st;
    }

    private void moveByCopy(Nfs3Path s, Nfs3Path t, boolean replace) throws IOException {
        Nfs3FileAttributes a = s.getFileSystem().client().lookup(s, false).attrs();
        if (a.isDirectory()) {
            try (DirectoryStream<Path> ds = newDirectoryStream(s, null)) {
                if (ds.iterator().hasNext()) {
                    throw new DirectoryNotEmptyException(s.toString());
                }
            }
        }
        copy(s, t, replace
                ? new CopyOption[] {StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES,
                    LinkOption.NOFOLLOW_LINKS}
                : new CopyOption[] {StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS});
        delete(s);
    }

    /** LINK: a second name for {@code existing} (not followed if it is a symbolic link, like {@code link(2)}). */
    @Override
    public void createLink(Path link, Path existing) throws IOException {
        Nfs3Path l = nfs(link);
        Nfs3Path e = nfs(existing);
        if (l.getFileSystem() != e.getFileSystem()) {
            throw new Nfs3FileSystemException(l.toString(), e.toString(), "Invalid cross-device link",
                    Nfs3Status.XDEV);
        }
        Nfs3Client c = l.getFileSystem().client();
        byte[] fh = c.lookup(e, false).fh();
        c.inParent(l, d -> {
            c.link(fh, d, l, e);
            return null;
        });
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        Nfs3Path l = nfs(link);
        Nfs3Client c = l.getFileSystem().client();
        String to = target.toString();
        c.inParent(l, d -> c.symlink(d, to, l));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        Nfs3Path l = nfs(link);
        Nfs3Client c = l.getFileSystem().client();
        Nfs3Client.Node n = c.lookup(l, false);
        if (!n.attrs().isSymbolicLink()) {
            throw new NotLinkException(l.toString());
        }
        return l.getFileSystem().getPath(c.readlink(n.fh(), l));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        Nfs3Path s = nfs(source);
        Nfs3Path t = nfs(target);
        Set<CopyOption> opts = Set.of(options);
        boolean replace = opts.contains(StandardCopyOption.REPLACE_EXISTING);
        boolean follow = !opts.contains(LinkOption.NOFOLLOW_LINKS);
        Nfs3Client sc = s.getFileSystem().client();
        Nfs3Client tc = t.getFileSystem().client();
        Nfs3Client.Node sn = sc.lookup(s, follow);
        Nfs3Client.Node tn = lookupOrNull(tc, t, false);
        if (tn != null) {
            if (s.getFileSystem() == t.getFileSystem() && sn.attrs().fileKey().equals(tn.attrs().fileKey())) {
                return;
            }
            if (!replace) {
                throw new FileAlreadyExistsException(t.toString());
            }
            delete(t);
        }
        Nfs3FileAttributes a = sn.attrs();
        if (a.isDirectory()) {
            createDirectory(t);
        } else if (a.isSymbolicLink()) {
            createSymbolicLink(t, readSymbolicLink(s));
            return;
        } else {
            try (FileChannel in = newFileChannel(s, Set.of(StandardOpenOption.READ));
                    FileChannel out = newFileChannel(t, Set.of(StandardOpenOption.WRITE,
                            StandardOpenOption.CREATE_NEW))) {
                ByteBuffer buf = ByteBuffer.allocate(COPY_BUFFER);
                long pos = 0;
                while (true) {
                    buf.clear();
                    int n = in.read(buf, pos);
                    if (n <= 0) {
                        break;
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        pos += out.write(buf, pos);
                    }
                }
            }
        }
        if (opts.contains(StandardCopyOption.COPY_ATTRIBUTES)) {
            Nfs3Client.Node created = tc.lookup(t, false);
            tc.setattr(created.fh(), new NfsSetAttributes((long) a.mode(), null, null,
                    new NfsTime(a.lastAccessTime().toMillis()), new NfsTime(a.lastModifiedTime().toMillis())), t);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Attributes

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        Nfs3Path a = nfs(path);
        if (a.equals(path2)) {
            return true;
        }
        if (!(path2 instanceof Nfs3Path b) || !a.getFileSystem().host().equals(b.getFileSystem().host())) {
            return false;
        }
        Nfs3FileAttributes x = a.getFileSystem().client().lookup(a, true).attrs();
        Nfs3FileAttributes y = b.getFileSystem().client().lookup(b, true).attrs();
        return x.fileKey().equals(y.fileKey());
    }

    @Override
    public boolean isHidden(Path path) {
        Path name = nfs(path).getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        Nfs3Path p = nfs(path);
        Nfs3Client c = p.getFileSystem().client();
        return new Nfs3FileStore(c, p.getFileSystem(), c.lookup(p, true).fh(), p);
    }

    /**
     * No modes: LOOKUP (existence). Otherwise one ACCESS call: READ → ACCESS3_READ; WRITE → MODIFY (and EXTEND,
     * DELETE for a directory); EXECUTE → EXECUTE (LOOKUP for a directory).
     */
    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        Nfs3Path p = nfs(path);
        Nfs3Client c = p.getFileSystem().client();
        Nfs3Client.Node n = c.lookup(p, true);
        if (modes.length == 0) {
            return;
        }
        boolean dir = n.attrs().isDirectory();
        int mask = 0;
        for (AccessMode m : modes) {
            mask |= switch (m) {
                case READ -> Nfs3Client.ACCESS_READ;
                case WRITE -> dir ? Nfs3Client.ACCESS_MODIFY | Nfs3Client.ACCESS_EXTEND | Nfs3Client.ACCESS_DELETE
                        : Nfs3Client.ACCESS_MODIFY | Nfs3Client.ACCESS_EXTEND;
                case EXECUTE -> dir ? Nfs3Client.ACCESS_LOOKUP : Nfs3Client.ACCESS_EXECUTE;
            };
        }
        int granted = c.access(n.fh(), mask, p);
        if (granted != mask) {
            throw new AccessDeniedException(p.toString());
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        Nfs3Path p = nfs(path);
        if (type == BasicFileAttributeView.class || type == PosixFileAttributeView.class) {
            return (V) new AttributeView(p, followLinks(options), type == BasicFileAttributeView.class ? "basic" : "posix");
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        if (type != BasicFileAttributes.class && type != PosixFileAttributes.class
                && type != Nfs3FileAttributes.class) {
            throw new UnsupportedOperationException("attributes " + type.getName() + " not supported");
        }
        Nfs3Path p = nfs(path);
        return (A) p.getFileSystem().client().lookup(p, followLinks(options)).attrs();
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
            throws IOException {
        int colon = attributes.indexOf(':');
        String view = colon < 0 ? "basic" : attributes.substring(0, colon);
        String names = colon < 0 ? attributes : attributes.substring(colon + 1);
        if (!view.equals("basic") && !view.equals("posix")) {
            throw new UnsupportedOperationException("view '" + view + "' not supported");
        }
        Nfs3FileAttributes a = readAttributes(path, Nfs3FileAttributes.class, options);
        Map<String, Object> all = new HashMap<>();
        all.put("lastModifiedTime", a.lastModifiedTime());
        all.put("lastAccessTime", a.lastAccessTime());
        all.put("creationTime", a.creationTime());
        all.put("size", a.size());
        all.put("isRegularFile", a.isRegularFile());
        all.put("isDirectory", a.isDirectory());
        all.put("isSymbolicLink", a.isSymbolicLink());
        all.put("isOther", a.isOther());
        all.put("fileKey", a.fileKey());
        if (view.equals("posix")) {
            all.put("permissions", a.permissions());
            all.put("owner", a.owner());
            all.put("group", a.group());
        }
        if (names.equals("*")) {
            return all;
        }
        Map<String, Object> out = new HashMap<>();
        for (String n : names.split(",")) {
            if (!all.containsKey(n)) {
                throw new IllegalArgumentException("'" + n + "' not recognized");
            }
            out.put(n, all.get(n));
        }
        return out;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        int colon = attribute.indexOf(':');
        String view = colon < 0 ? "basic" : attribute.substring(0, colon);
        String name = colon < 0 ? attribute : attribute.substring(colon + 1);
        AttributeView v = new AttributeView(nfs(path), followLinks(options), view);
        switch (view + ":" + name) {
            case "basic:lastModifiedTime", "posix:lastModifiedTime" -> v.setTimes((FileTime) value, null, null);
            case "basic:lastAccessTime", "posix:lastAccessTime" -> v.setTimes(null, (FileTime) value, null);
            case "basic:creationTime", "posix:creationTime" -> v.setTimes(null, null, (FileTime) value);
            case "posix:permissions" -> v.setPermissions((Set<PosixFilePermission>) value);
            case "posix:owner" -> v.setOwner((UserPrincipal) value);
            case "posix:group" -> v.setGroup((GroupPrincipal) value);
            default -> throw new UnsupportedOperationException("'" + attribute + "' cannot be set");
        }
    }

    /** basic and posix views; setters are one SETATTR each (creation time is ignored, NFSv3 has none). */
    private final class AttributeView implements PosixFileAttributeView {
        private final Nfs3Path path;
        private final boolean follow;
        private final String name;

        AttributeView(Nfs3Path path, boolean follow, String name) {
            this.path = path;
            this.follow = follow;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public PosixFileAttributes readAttributes() throws IOException {
            return path.getFileSystem().client().lookup(path, follow).attrs();
        }

        @Override
        public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime)
                throws IOException {
            if (lastModifiedTime == null && lastAccessTime == null) {
                return;
            }
            set(new NfsSetAttributes(null, null, null,
                    lastAccessTime == null ? NfsTime.DO_NOT_CHANGE : new NfsTime(lastAccessTime.to(TimeUnit.MILLISECONDS)),
                    lastModifiedTime == null ? NfsTime.DO_NOT_CHANGE
                            : new NfsTime(lastModifiedTime.to(TimeUnit.MILLISECONDS))));
        }

        @Override
        public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
            set(new NfsSetAttributes((long) Nfs3FileAttributes.toMode(perms), null, null, NfsTime.DO_NOT_CHANGE,
                    NfsTime.DO_NOT_CHANGE));
        }

        @Override
        public UserPrincipal getOwner() throws IOException {
            return readAttributes().owner();
        }

        @Override
        public void setOwner(UserPrincipal owner) throws IOException {
            set(new NfsSetAttributes(null, numericId(owner), null, NfsTime.DO_NOT_CHANGE, NfsTime.DO_NOT_CHANGE));
        }

        @Override
        public void setGroup(GroupPrincipal group) throws IOException {
            set(new NfsSetAttributes(null, null, numericId(group), NfsTime.DO_NOT_CHANGE, NfsTime.DO_NOT_CHANGE));
        }

        private void set(NfsSetAttributes sa) throws IOException {
            Nfs3Client c = path.getFileSystem().client();
            c.setattr(c.lookup(path, follow).fh(), sa, path);
        }
    }

    private static long numericId(UserPrincipal p) {
        try {
            return Long.parseLong(p.getName());
        } catch (NumberFormatException e) {
            throw new UnsupportedOperationException("only numeric owners are supported: " + p.getName(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    static boolean followLinks(LinkOption... options) {
        return !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
    }

    private static Nfs3Client.Node lookupOrNull(Nfs3Client c, Nfs3Path p, boolean follow) throws IOException {
        try {
            return c.lookup(p, follow);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static int mode(FileAttribute<?>[] attrs, int dflt) {
        int mode = dflt;
        for (FileAttribute<?> a : attrs) {
            if (a.name().equals("posix:permissions") || a.name().equals("unix:permissions")) {
                mode = Nfs3FileAttributes.toMode((Set<PosixFilePermission>) a.value());
            } else {
                throw new UnsupportedOperationException("'" + a.name() + "' cannot be set at creation");
            }
        }
        return mode;
    }

    private static Nfs3Path nfs(Path p) {
        if (p == null) {
            throw new NullPointerException("path");
        }
        if (!(p instanceof Nfs3Path n)) {
            throw new ProviderMismatchException("not an nfs3 path: " + p);
        }
        return n;
    }
}
