package org.storagegateway.nfs;

import com.emc.ecs.nfsclient.mount.MountException;
import com.emc.ecs.nfsclient.nfs.NfsCreateMode;
import com.emc.ecs.nfsclient.nfs.NfsDirectoryEntry;
import com.emc.ecs.nfsclient.nfs.NfsFsInfo;
import com.emc.ecs.nfsclient.nfs.NfsFsStat;
import com.emc.ecs.nfsclient.nfs.NfsGetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsResponseBase;
import com.emc.ecs.nfsclient.nfs.NfsSetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsTime;
import com.emc.ecs.nfsclient.nfs.NfsWccData;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3CommitResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3CreateResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3FsStatResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3GetAttrResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3LookupResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3MkdirResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3ReadResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3ReaddirResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3ReadlinkResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3SymlinkResponse;
import com.emc.ecs.nfsclient.nfs.nfs3.Nfs3WriteResponse;
import com.emc.ecs.nfsclient.rpc.CredentialUnix;
import com.emc.ecs.nfsclient.rpc.RpcException;
import com.emc.ecs.nfsclient.rpc.RpcStatus;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The NFSv3 calls the provider needs, over the EMC client's "naked" calls (one RPC, no hidden retry, status returned
 * rather than thrown), with every status turned into a typed {@code java.nio.file} exception.
 *
 * <p>Retries: only idempotent calls (GETATTR, LOOKUP, ACCESS, READ, WRITE at a fixed offset, COMMIT, READDIR, FSSTAT,
 * READLINK) are resent after a transport failure, and every call is resent on NFS3ERR_JUKEBOX. CREATE, MKDIR, REMOVE,
 * RMDIR, RENAME and LINK are sent once: a retransmission after a lost reply would answer EXIST or NOENT for work that
 * was done, so the caller sees the transport error instead.
 *
 * <p>Name resolution: LOOKUP component by component from the export's root handle, following relative symbolic links.
 * Directory handles are cached per path for {@code dirCacheMillis} (the kernel client's {@code acdirmin}); the
 * cached entry is dropped when this client removes or renames the directory, and on a stale-handle answer.
 */
final class Nfs3Client {

    static final int UNSTABLE = 0;
    static final int DATA_SYNC = 1;
    static final int FILE_SYNC = 2;

    static final int ACCESS_READ = 0x01;
    static final int ACCESS_LOOKUP = 0x02;
    static final int ACCESS_MODIFY = 0x04;
    static final int ACCESS_EXTEND = 0x08;
    static final int ACCESS_DELETE = 0x10;
    static final int ACCESS_EXECUTE = 0x20;

    private static final int MAX_SYMLINKS = 40;
    private static final int MAX_CACHED_DIRS = 4096;
    private static final int MAX_JUKEBOX_RETRIES = 20;
    private static final int MAX_TRANSPORT_ATTEMPTS = 3;

    /** A resolved object: its handle, its attributes, and the path it was reached by (symbolic links resolved). */
    record Node(byte[] fh, Nfs3FileAttributes attrs, Nfs3Path path) {
    }

    /** The directory that holds a name, for calls that take (dir handle, name). */
    record Dir(byte[] fh, Nfs3Path path, String name, boolean fromCache) {
    }

    record ReadResult(int bytes, boolean eof) {
    }

    record WriteResult(int count, int committed, long verifier) {
    }

    record DirPage(List<String> names, List<Long> cookies, long cookieVerifier, boolean eof) {
    }

    record FsStat(long totalBytes, long freeBytes, long availableBytes) {
    }

    /** Compared by identity only (never {@code equals}: see the record note in {@link Nfs3FileSystemProvider}). */
    private record CachedDir(byte[] fh, long expiresNanos) {
    }

    /** NFS3ERR_NOENT from LOOKUP, with whether the directory looked in was still linked (its nlink above 0). */
    private static final class MissingName extends NoSuchFileException {
        private static final long serialVersionUID = 1L;
        private final boolean directoryLinked;

        MissingName(String file, boolean directoryLinked) {
            super(file);
            this.directoryLinked = directoryLinked;
        }

        boolean directoryLinked() {
            return directoryLinked;
        }
    }

    private interface Rpc<R extends NfsResponseBase> {
        R call() throws IOException;
    }

    @FunctionalInterface
    interface DirOp<T> {
        T apply(Dir dir) throws IOException;
    }

    private final Nfs3FileSystem fs;
    private final Nfs3 nfs;
    private final byte[] rootFh;
    private final int readSize;
    private final int writeSize;
    private final long dirCacheNanos;
    private final ConcurrentHashMap<Nfs3Path, CachedDir> dirs = new ConcurrentHashMap<>();
    private final LongAdder rpcs = new LongAdder();

    private Nfs3Client(Nfs3FileSystem fs, Nfs3 nfs, Nfs3Options options) throws IOException {
        this.fs = fs;
        this.nfs = nfs;
        this.rootFh = nfs.getRootFileHandle();
        this.dirCacheNanos = options.dirCacheMillis() * 1_000_000L;
        NfsFsInfo info = nfs.getNfsFsInfo();
        rpcs.increment();
        this.readSize = clamp(info.rtmax, info.rtpref, options.ioSize());
        this.writeSize = clamp(info.wtmax, info.wtpref, options.ioSize());
    }

    /**
     * Asks rpcbind for the MOUNT and NFS ports, mounts the export (MOUNT3 MNT, then UMNT: the root handle stays
     * valid), and reads FSINFO for the transfer sizes.
     */
    static Nfs3Client mount(Nfs3FileSystem fs, String host, String export, Nfs3Options options) throws IOException {
        Nfs3 nfs;
        String what = "nfs3://" + host + export;
        try {
            nfs = new Nfs3(host, export, new CredentialUnix(options.uid(), options.gid(), null), 1);
        } catch (MountException e) {
            // The server answered: the export is unknown or refused to this client.
            int s = e.getStatus() == null ? -1 : e.getStatus().getValue();
            if (s == Nfs3Status.NOENT || s == Nfs3Status.NOTDIR) {
                throw (IOException) new NoSuchFileException(what, null, "no such export: " + e.getMessage())
                        .initCause(e);
            }
            if (s == Nfs3Status.ACCES || s == Nfs3Status.PERM) {
                throw (IOException) new AccessDeniedException(what, null, "export refused: " + e.getMessage())
                        .initCause(e);
            }
            throw new Nfs3FileSystemException(what, null, "cannot mount: " + e.getMessage(), Math.max(s, 0))
                    .withCause(e);
        } catch (IOException e) {
            throw new Nfs3FileSystemException(what, null,
                    "cannot mount (rpcbind, MOUNT3 or the NFS service did not answer as expected): " + e.getMessage(), 0)
                    .withCause(e);
        }
        return new Nfs3Client(fs, nfs, options);
    }

    private static int clamp(long max, long pref, int wanted) {
        long size = wanted;
        if (max > 0) {
            size = Math.min(size, max);
        }
        if (size <= 0) {
            size = pref > 0 ? pref : 32 * 1024;
        }
        return (int) size;
    }

    int nfsPort() {
        return nfs.getPort();
    }

    int readSize() {
        return readSize;
    }

    int writeSize() {
        return writeSize;
    }

    /** RPCs sent so far (MOUNT and rpcbind excluded): for tests and measurements. */
    long rpcCount() {
        return rpcs.sum();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Transport

    private <R extends NfsResponseBase> R call(String op, boolean idempotent, Object file, Rpc<R> rpc)
            throws IOException {
        int attempt = 0;
        int jukebox = 0;
        while (true) {
            attempt++;
            R r;
            try {
                rpcs.increment();
                r = rpc.call();
            } catch (RpcException e) {
                boolean network = RpcStatus.NETWORK_ERROR.equals(e.getStatus());
                if (idempotent && network && attempt < MAX_TRANSPORT_ATTEMPTS) {
                    pause(100L * attempt);
                    continue;
                }
                throw new Nfs3FileSystemException(String.valueOf(file), null,
                        op + " failed: " + e.getMessage(), 0).withCause(e);
            }
            if (r.getState() == Nfs3Status.JUKEBOX && jukebox++ < MAX_JUKEBOX_RETRIES) {
                attempt--;
                pause(20L * jukebox);
                continue;
            }
            return r;
        }
    }

    private static void pause(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to resend an NFS call");
        }
    }

    private static void check(NfsResponseBase r, Object file, Object other) throws IOException {
        int s = r.getState();
        if (s != Nfs3Status.OK) {
            throw Nfs3Status.toException(s, String.valueOf(file), other == null ? null : String.valueOf(other));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Name resolution

    /** Resolves an absolute or relative path (relative to the export root). */
    Node lookup(Nfs3Path path, boolean followLast) throws IOException {
        Nfs3Path abs = path.toAbsolutePath().normalize();
        String[] names = abs.names();
        if (names.length == 0) {
            return new Node(rootFh, getattr(rootFh, abs), abs);
        }
        Nfs3Path parent = abs.getParent();
        byte[] dirFh = names.length == 1 ? rootFh : cachedDir(parent);
        if (dirFh != null) {
            try {
                Node n = lookupIn(dirFh, parent, names[names.length - 1], abs);
                if (!followLast || !n.attrs().isSymbolicLink()) {
                    return n;
                }
            } catch (MissingName e) {
                if (dirFh == rootFh || e.directoryLinked()) {
                    throw e;
                }
                // The cached directory may have been removed by another client (a removed directory can keep
                // answering LOOKUPs until the server forgets it): unless the reply shows it still linked, the miss is
                // confirmed from the root.
                invalidate(parent);
            } catch (Nfs3FileSystemException e) {
                if (!e.isStaleHandle() || dirFh == rootFh) {
                    throw e;
                }
                invalidate(parent);
            }
        }
        return walk(abs, followLast);
    }

    Nfs3Path realPath(Nfs3Path path, boolean followLast) throws IOException {
        return lookup(path, followLast).path();
    }

    private Node walk(Nfs3Path abs, boolean followLast) throws IOException {
        Deque<String> todo = new ArrayDeque<>(Arrays.asList(abs.names()));
        List<String> real = new ArrayList<>();
        List<byte[]> handles = new ArrayList<>();
        handles.add(rootFh);
        Nfs3FileAttributes attrs = null;
        int links = 0;
        boolean viaLink = false;
        while (!todo.isEmpty()) {
            String name = todo.pollFirst();
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (!real.isEmpty()) {
                    real.remove(real.size() - 1);
                    handles.remove(handles.size() - 1);
                }
                attrs = null;
                continue;
            }
            Nfs3Path dirPath = pathOf(real);
            Node child = lookupIn(handles.get(handles.size() - 1), dirPath, name, abs);
            if (child.attrs().isSymbolicLink() && (!todo.isEmpty() || followLast)) {
                if (++links > MAX_SYMLINKS) {
                    throw new Nfs3FileSystemException(abs.toString(), null, "Too many levels of symbolic links", 0);
                }
                String target = readlink(child.fh(), child.path());
                if (target.startsWith("/")) {
                    throw new Nfs3FileSystemException(abs.toString(), null, "symbolic link " + child.path()
                            + " has the absolute target " + target + ", which has no meaning without a mount point", 0);
                }
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) {
                    if (!parts[i].isEmpty()) {
                        todo.addFirst(parts[i]);
                    }
                }
                viaLink = true;
                continue;
            }
            real.add(name);
            handles.add(child.fh());
            attrs = child.attrs();
            if (!todo.isEmpty() && !viaLink && attrs.isDirectory()) {
                cachePut(pathOf(real), child.fh());
            }
        }
        Nfs3Path realPath = pathOf(real);
        byte[] fh = handles.get(handles.size() - 1);
        return new Node(fh, attrs != null ? attrs : getattr(fh, realPath), realPath);
    }

    private Nfs3Path pathOf(List<String> names) {
        return new Nfs3Path(fs, true, names.toArray(new String[0]));
    }

    private Node lookupIn(byte[] dirFh, Nfs3Path dirPath, String name, Nfs3Path reported) throws IOException {
        Nfs3LookupResponse r = call("LOOKUP", true, reported, () -> nfs.getLookup(nfs.makeLookupRequest(dirFh, name)));
        if (r.getState() == Nfs3Status.NOENT) {
            // The directory's post-operation attributes tell whether it is still linked in the namespace.
            NfsGetAttributes dir = r.getDirectoryAttributes();
            throw new MissingName(reported.toString(), dir != null && dir.isLoaded() && dir.getNlink() > 0);
        }
        check(r, reported, null);
        Nfs3Path childPath = dirPath.resolve(name);
        Nfs3FileAttributes a = Nfs3FileAttributes.of(r.getAttributes());
        byte[] fh = r.getFileHandle();
        return new Node(fh, a != null ? a : getattr(fh, childPath), childPath);
    }

    /**
     * The directory holding {@code path}'s last name (symbolic links in the directory part followed), from the cache
     * when allowed.
     */
    Dir parentOf(Nfs3Path path, boolean useCache) throws IOException {
        Nfs3Path abs = path.toAbsolutePath().normalize();
        Nfs3Path parent = abs.getParent();
        if (parent == null) {
            throw new Nfs3FileSystemException(abs.toString(), null, "the export's root has no parent directory",
                    Nfs3Status.INVAL);
        }
        String name = abs.getFileName().toString();
        if (parent.getNameCount() == 0) {
            return new Dir(rootFh, parent, name, false);
        }
        if (useCache) {
            byte[] fh = cachedDir(parent);
            if (fh != null) {
                return new Dir(fh, parent, name, true);
            }
        }
        Node n;
        try {
            n = walk(parent, true);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(abs.toString());
        }
        if (!n.attrs().isDirectory()) {
            throw new NotDirectoryException(parent.toString());
        }
        if (n.path().equals(parent)) {
            cachePut(parent, n.fh()); // not when reached through a symbolic link: lookup() would report that path
        }
        return new Dir(n.fh(), parent, name, false);
    }

    /** Runs a (directory handle, name) call; a stale cached directory handle is looked up again once. */
    <T> T inParent(Nfs3Path path, DirOp<T> op) throws IOException {
        Dir d = parentOf(path, true);
        try {
            return op.apply(d);
        } catch (Nfs3FileSystemException e) {
            if (!e.isStaleHandle() || !d.fromCache()) {
                throw e;
            }
            invalidate(d.path());
            return op.apply(parentOf(path, false));
        }
    }

    private byte[] cachedDir(Nfs3Path dir) {
        if (dirCacheNanos <= 0) {
            return null;
        }
        CachedDir c = dirs.get(dir);
        if (c == null) {
            return null;
        }
        if (c.expiresNanos() - System.nanoTime() < 0) {
            dirs.computeIfPresent(dir, (d, current) -> current == c ? null : current); // identity: see CachedDir
            return null;
        }
        return c.fh();
    }

    private void cachePut(Nfs3Path dir, byte[] fh) {
        if (dirCacheNanos <= 0) {
            return;
        }
        if (dirs.size() >= MAX_CACHED_DIRS) {
            dirs.clear();
        }
        dirs.put(dir, new CachedDir(fh, System.nanoTime() + dirCacheNanos));
    }

    /** Forgets the cached handles of {@code path} and of everything below it. */
    void invalidate(Nfs3Path path) {
        if (dirs.isEmpty()) {
            return;
        }
        Nfs3Path abs = path.toAbsolutePath().normalize();
        dirs.keySet().removeIf(p -> p.startsWith(abs));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Calls on a handle

    Nfs3FileAttributes getattr(byte[] fh, Object file) throws IOException {
        Nfs3GetAttrResponse r = call("GETATTR", true, file, () -> nfs.getAttr(nfs.makeGetAttrRequest(fh)));
        check(r, file, null);
        return Nfs3FileAttributes.of(r.getAttributes());
    }

    /** The subset of {@code mask} (ACCESS3_* bits) the server grants to this client's credential. */
    int access(byte[] fh, int mask, Object file) throws IOException {
        var r = call("ACCESS", true, file, () -> nfs.getAccess(nfs.makeAccessRequest(fh, mask)));
        check(r, file, null);
        return (int) r.getAccess() & mask;
    }

    /** One READ of at most {@link #readSize()} bytes into {@code dst[off..]}. */
    ReadResult read(byte[] fh, long offset, byte[] dst, int off, int len, Object file) throws IOException {
        int n = Math.min(len, readSize);
        Nfs3ReadResponse r = call("READ", true, file,
                () -> nfs.getRead(nfs.makeReadRequest(fh, offset, n), dst, off));
        check(r, file, null);
        return new ReadResult(r.getBytesRead(), r.isEof());
    }

    /** One WRITE of the buffer's remaining bytes (at most {@link #writeSize()}); the buffer is not consumed. */
    WriteResult write(byte[] fh, long offset, ByteBuffer data, int stable, Object file) throws IOException {
        ByteBuffer payload = data.slice();
        Nfs3WriteResponse r = call("WRITE", true, file,
                () -> nfs.sendWrite(nfs.makeWriteRequest(fh, offset, new ArrayList<>(List.of(payload.duplicate())), stable)));
        check(r, file, null);
        return new WriteResult(r.getCount(), r.getCommitted(), r.getVerf());
    }

    /** COMMIT of the whole file; answers the server's write verifier. */
    long commit(byte[] fh, Object file) throws IOException {
        Nfs3CommitResponse r = call("COMMIT", true, file, () -> nfs.sendCommit(nfs.makeCommitRequest(fh, 0, 0)));
        check(r, file, null);
        return r.getVerf();
    }

    Nfs3FileAttributes setattr(byte[] fh, NfsSetAttributes attrs, Object file) throws IOException {
        var r = call("SETATTR", true, file, () -> nfs.setAttr(nfs.makeSetAttrRequest(fh, attrs, null)));
        check(r, file, null);
        NfsWccData wcc = r.getObjectWccData();
        return wcc == null ? null : Nfs3FileAttributes.of(wcc.getAttributes());
    }

    /** SETATTR size; answers the attributes after the change when the server sent them (else null). */
    Nfs3FileAttributes setSize(byte[] fh, long size, Object file) throws IOException {
        return setattr(fh, new NfsSetAttributes(null, null, null, size, NfsTime.DO_NOT_CHANGE, NfsTime.DO_NOT_CHANGE), file);
    }

    String readlink(byte[] fh, Object file) throws IOException {
        Nfs3ReadlinkResponse r = call("READLINK", true, file, () -> nfs.getReadlink(nfs.makeReadlinkRequest(fh)));
        check(r, file, null);
        return r.getData();
    }

    DirPage readdir(byte[] fh, long cookie, long cookieVerifier, Object file) throws IOException {
        Nfs3ReaddirResponse r = call("READDIR", true, file,
                () -> nfs.getReaddir(nfs.makeReaddirRequest(fh, cookie, cookieVerifier, 32 * 1024)));
        check(r, file, null);
        List<String> names = new ArrayList<>();
        List<Long> cookies = new ArrayList<>();
        for (NfsDirectoryEntry e : r.getEntries()) {
            names.add(e.getFileName());
            cookies.add(e.getCookie());
        }
        return new DirPage(names, cookies, r.getCookieverf(), r.isEof());
    }

    FsStat fsstat(byte[] fh, Object file) throws IOException {
        Nfs3FsStatResponse r = call("FSSTAT", true, file, () -> nfs.getFsStat(nfs.makeFsStatRequest(fh)));
        check(r, file, null);
        NfsFsStat s = r.getFsStat();
        return new FsStat(s.tbytes, s.fbytes, s.bytes);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Calls on a (directory, name) pair: sent once

    /**
     * CREATE in {@code d}. GUARDED fails with FileAlreadyExistsException when the name exists; UNCHECKED opens an
     * existing regular file (no size in the attributes, so nothing is truncated).
     */
    Node create(Dir d, int mode, boolean guarded, Object file) throws IOException {
        NfsSetAttributes sa = new NfsSetAttributes();
        sa.setMode((long) mode);
        Nfs3CreateResponse r = call("CREATE", false, file, () -> nfs.sendCreate(
                nfs.makeCreateRequest(guarded ? NfsCreateMode.GUARDED : NfsCreateMode.UNCHECKED, d.fh(), d.name(),
                        sa, null)));
        check(r, file, null);
        return created(d, r.getFileHandle(), Nfs3FileAttributes.of(r.getAttributes()));
    }

    Node mkdir(Dir d, int mode, Object file) throws IOException {
        NfsSetAttributes sa = new NfsSetAttributes();
        sa.setMode((long) mode);
        Nfs3MkdirResponse r = call("MKDIR", false, file, () -> nfs.sendMkdir(nfs.makeMkdirRequest(d.fh(), d.name(), sa)));
        check(r, file, null);
        Node n = created(d, r.getFileHandle(), Nfs3FileAttributes.of(r.getAttributes()));
        cachePut(n.path(), n.fh());
        return n;
    }

    Node symlink(Dir d, String target, Object file) throws IOException {
        NfsSetAttributes sa = new NfsSetAttributes();
        sa.setMode(0777L);
        Nfs3SymlinkResponse r = call("SYMLINK", false, file,
                () -> nfs.sendSymlink(nfs.makeSymlinkRequest(target, d.fh(), d.name(), sa)));
        check(r, file, null);
        return created(d, r.getFileHandle(), Nfs3FileAttributes.of(r.getAttributes()));
    }

    /** A CREATE/MKDIR/SYMLINK reply may omit the new handle or its attributes ({@code post_op_fh3}). */
    private Node created(Dir d, byte[] fh, Nfs3FileAttributes attrs) throws IOException {
        Nfs3Path p = d.path().resolve(d.name());
        if (fh == null || fh.length == 0) {
            return lookupIn(d.fh(), d.path(), d.name(), p);
        }
        return new Node(fh, attrs != null ? attrs : getattr(fh, p), p);
    }

    /** REMOVE; answers the raw status so that the caller can fall back to RMDIR. */
    int remove(Dir d, Object file) throws IOException {
        return call("REMOVE", false, file, () -> nfs.sendRemove(nfs.makeRemoveRequest(d.fh(), d.name()))).getState();
    }

    int rmdir(Dir d, Object file) throws IOException {
        return call("RMDIR", false, file, () -> nfs.sendRmdir(nfs.makeRmdirRequest(d.fh(), d.name()))).getState();
    }

    int rename(Dir from, Dir to, Object file, Object other) throws IOException {
        return call("RENAME", false, file, () -> nfs.sendRename(
                nfs.makeRenameRequest(from.fh(), from.name(), to.fh(), to.name()))).getState();
    }

    void link(byte[] fh, Dir to, Object link, Object existing) throws IOException {
        var r = call("LINK", false, link, () -> nfs.sendLink(nfs.makeLinkRequest(fh, to.fh(), to.name())));
        check(r, link, existing);
    }

    static void throwIfError(int status, Object file, Object other) throws IOException {
        if (status != Nfs3Status.OK) {
            throw Nfs3Status.toException(status, String.valueOf(file), other == null ? null : String.valueOf(other));
        }
    }
}
