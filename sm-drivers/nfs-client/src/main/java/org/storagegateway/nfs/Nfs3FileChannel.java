package org.storagegateway.nfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileChannel} on one NFS file, holding its file handle: each positional read or write is one READ or WRITE
 * call per {@code ioSize} bytes, with no name lookup.
 *
 * <p>Durability follows the kernel client. UNSTABLE WRITEs are kept until a COMMIT ({@link #force}, {@link #close},
 * or every {@value #MAX_UNCOMMITTED} bytes) returns the same write verifier as the WRITEs; a different verifier means
 * the server restarted and lost them, so they are sent again FILE_SYNC. FILE_SYNC WRITEs (the first one after open
 * or force in {@code auto} mode, all of them in {@code file_sync} mode or with {@code SYNC}/{@code DSYNC}) are stable
 * when they return, and {@code force} sends nothing for them.
 *
 * <p>{@link #size()} answers from the attributes of this channel's own replies (the LOOKUP or CREATE that opened it,
 * then its own writes and truncates) for {@code attrCacheMillis}, then asks GETATTR. Memory mapping and locks are
 * not supported (NFSv3 locks need the separate NLM protocol).
 *
 * <p>Read-ahead: a read smaller than {@value #READ_AHEAD} bytes fetches {@value #READ_AHEAD} bytes in one READ and
 * keeps them; the next small reads inside that window are served from it for {@code attrCacheMillis} (the same
 * freshness as the size). Opening a VHD (footer copy, header, BAT, batmap: four reads in the first few KiB) costs one
 * READ instead of four. Any write or truncate through this channel drops the window.
 */
final class Nfs3FileChannel extends FileChannel {

    /** Uncommitted bytes kept per channel before a COMMIT is forced. */
    static final int MAX_UNCOMMITTED = 32 << 20;
    /** Size of the read-ahead window fetched for a small read. */
    static final int READ_AHEAD = 64 << 10;

    /** Bytes read ahead: {@code data[0..length)} is the file at {@code offset}; {@code eof} if the file ends there. */
    private record Window(long offset, byte[] data, int length, boolean eof, long fetchedAt) {
    }

    private record Pending(long offset, byte[] data) {
    }

    private final Nfs3Client client;
    private final Nfs3Path path;
    private final byte[] fh;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final boolean directory;
    private final int stable;
    private final boolean autoStable;
    private final long attrCacheNanos;
    private final Runnable afterClose;

    private final Object sizeLock = new Object();
    private long knownSize;
    private long knownAt;
    private boolean sizeKnown;

    private final Object positionLock = new Object();
    private long position;

    private volatile Window window;
    /** Counts writes and truncates, so that a window fetched while one ran is not kept. */
    private final AtomicLong changes = new AtomicLong();

    private final Object writeLock = new Object();
    private final List<Pending> pending = new ArrayList<>();
    private long pendingBytes;
    private long verifier;
    private boolean hasVerifier;
    private boolean needCommit;
    private boolean wroteSinceSync;
    private long resent;

    /**
     * @param stable     the {@code stable_how} of WRITEs
     * @param autoStable the first WRITE after open or force is FILE_SYNC whatever {@code stable} says
     * @param attrs      the attributes the opening call returned (its size seeds the size cache)
     */
    Nfs3FileChannel(Nfs3Client client, Nfs3Path path, byte[] fh, boolean readable, boolean writable, boolean append,
            boolean directory, int stable, boolean autoStable, long attrCacheMillis, Nfs3FileAttributes attrs,
            Runnable afterClose) {
        this.client = client;
        this.path = path;
        this.fh = fh;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.directory = directory;
        this.stable = stable;
        this.autoStable = autoStable;
        this.attrCacheNanos = attrCacheMillis * 1_000_000L;
        this.afterClose = afterClose;
        if (attrs != null) {
            rememberSize(attrs.size());
        }
    }

    byte[] fileHandle() {
        return fh.clone();
    }

    /** Unstable writes sent again because the server's write verifier changed (it restarted): for tests. */
    long resentWrites() {
        synchronized (writeLock) {
            return resent;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (positionLock) {
            int n = read(dst, position);
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        synchronized (positionLock) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer b = dsts[i];
                int want = b.remaining();
                int n = read(b);
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                total += n;
                if (n < want) {
                    break;
                }
            }
            return total;
        }
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position");
        }
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        if (directory) {
            throw new Nfs3FileSystemException(path.toString(), null, "Is a directory", Nfs3Status.ISDIR);
        }
        if (dst.hasRemaining() && dst.remaining() < READ_AHEAD) {
            return readAhead(dst, pos);
        }
        int total = 0;
        while (dst.hasRemaining()) {
            int want = Math.min(dst.remaining(), client.readSize());
            Nfs3Client.ReadResult r;
            if (dst.hasArray() && !dst.isReadOnly()) {
                r = client.read(fh, pos + total, dst.array(), dst.arrayOffset() + dst.position(), want, path);
                dst.position(dst.position() + r.bytes());
            } else {
                byte[] tmp = new byte[want];
                r = client.read(fh, pos + total, tmp, 0, want, path);
                dst.put(tmp, 0, r.bytes());
            }
            total += r.bytes();
            if (r.eof() || r.bytes() == 0) {
                if (total == 0 && r.eof()) {
                    return -1;
                }
                break;
            }
        }
        return total;
    }

    /** A small read, from the read-ahead window (fetched first if it does not cover {@code pos}). */
    private int readAhead(ByteBuffer dst, long pos) throws IOException {
        Window w = window;
        if (w == null || pos < w.offset() || pos + dst.remaining() > w.offset() + w.length() && !w.eof()
                || pos > w.offset() + w.length() || System.nanoTime() - w.fetchedAt() >= attrCacheNanos) {
            byte[] data = new byte[Math.min(READ_AHEAD, client.readSize())];
            long fetchedAt = System.nanoTime();
            long changesBefore = changes.get();
            Nfs3Client.ReadResult r = client.read(fh, pos, data, 0, data.length, path);
            w = new Window(pos, data, r.bytes(), r.eof(), fetchedAt);
            if (attrCacheNanos > 0) {
                window = w;
                if (changes.get() != changesBefore) {
                    window = null;
                }
            }
        }
        int from = (int) (pos - w.offset());
        int n = Math.min(dst.remaining(), w.length() - from);
        if (n <= 0) {
            return w.eof() ? -1 : 0;
        }
        dst.put(w.data(), from, n);
        return n;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writes

    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (positionLock) {
            ensureOpen();
            if (append) {
                position = client.getattr(fh, path).size(); // always fresh: others may append too
            }
            int n = write(src, position);
            position += n;
            return n;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        synchronized (positionLock) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += write(srcs[i]);
            }
            return total;
        }
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position");
        }
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        synchronized (writeLock) {
            dropWindow();
            try {
                return writeLocked(src, pos);
            } finally {
                dropWindow();
            }
        }
    }

    /** A read-ahead window fetched before or during a change is stale: drop it, and any fetch under way. */
    private void dropWindow() {
        changes.incrementAndGet();
        window = null;
    }

    /** The WRITE calls of one write (caller holds writeLock). */
    private int writeLocked(ByteBuffer src, long pos) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), client.writeSize());
            ByteBuffer chunk = src.slice();
            chunk.limit(n);
            int how = autoStable && !wroteSinceSync ? Nfs3Client.FILE_SYNC : stable;
            wroteSinceSync = true;
            Nfs3Client.WriteResult w = client.write(fh, pos + total, chunk, how, path);
            if (w.count() <= 0 || w.count() > n) {
                throw new Nfs3FileSystemException(path.toString(), null,
                        "server accepted " + w.count() + " of " + n + " bytes", Nfs3Status.IO);
            }
            chunk.limit(w.count());
            afterWrite(pos + total, chunk, w);
            src.position(src.position() + w.count());
            total += w.count();
            grewTo(pos + total);
        }
        return total;
    }

    /** Keeps UNSTABLE bytes until they are committed (caller holds writeLock). */
    private void afterWrite(long offset, ByteBuffer written, Nfs3Client.WriteResult w) throws IOException {
        if (w.committed() == Nfs3Client.FILE_SYNC) {
            return;
        }
        needCommit = true;
        if (w.committed() != Nfs3Client.UNSTABLE) {
            return; // DATA_SYNC: data is stable, metadata (size, mtime) needs a COMMIT
        }
        if (hasVerifier && w.verifier() != verifier) {
            resendPending(); // the server restarted between two of our WRITEs
        }
        verifier = w.verifier();
        hasVerifier = true;
        byte[] copy = new byte[written.remaining()];
        written.duplicate().get(copy);
        pending.add(new Pending(offset, copy));
        pendingBytes += copy.length;
        if (pendingBytes >= MAX_UNCOMMITTED) {
            commit();
        }
    }

    /** COMMIT, and resend FILE_SYNC whatever a server restart may have dropped (caller holds writeLock). */
    private void commit() throws IOException {
        wroteSinceSync = false;
        if (!needCommit) {
            return;
        }
        long v = client.commit(fh, path);
        if (hasVerifier && v != verifier) {
            resendPending();
        }
        pending.clear();
        pendingBytes = 0;
        hasVerifier = false;
        needCommit = false;
    }

    private void resendPending() throws IOException {
        for (Pending p : pending) {
            resent++;
            int done = 0;
            while (done < p.data().length) {
                int n = Math.min(p.data().length - done, client.writeSize());
                Nfs3Client.WriteResult w = client.write(fh, p.offset() + done, ByteBuffer.wrap(p.data(), done, n),
                        Nfs3Client.FILE_SYNC, path);
                if (w.count() <= 0) {
                    throw new Nfs3FileSystemException(path.toString(), null,
                            "server accepted no bytes while resending after a server restart", Nfs3Status.IO);
                }
                done += w.count();
            }
        }
        pending.clear();
        pendingBytes = 0;
    }

    // ------------------------------------------------------------------------------------------------------------

    @Override
    public long position() throws IOException {
        ensureOpen();
        synchronized (positionLock) {
            return position;
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position");
        }
        ensureOpen();
        synchronized (positionLock) {
            position = newPosition;
        }
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        synchronized (sizeLock) {
            if (sizeKnown && System.nanoTime() - knownAt < attrCacheNanos) {
                return knownSize;
            }
        }
        long size = client.getattr(fh, path).size();
        rememberSize(size);
        return size;
    }

    private void rememberSize(long size) {
        synchronized (sizeLock) {
            knownSize = size;
            knownAt = System.nanoTime();
            sizeKnown = true;
        }
    }

    /** After a write of ours up to {@code end}: a known size only grows (the cache age is not renewed). */
    private void grewTo(long end) {
        synchronized (sizeLock) {
            if (sizeKnown && end > knownSize) {
                knownSize = end;
            }
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size");
        }
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        synchronized (positionLock) {
            synchronized (writeLock) {
                dropWindow();
                commit(); // a later resend must not bring back bytes past the new end
                long current = client.getattr(fh, path).size();
                if (size < current) {
                    client.setSize(fh, size, path);
                    current = size;
                }
                rememberSize(current);
                dropWindow();
            }
            if (position > size) {
                position = size;
            }
        }
        return this;
    }

    /**
     * COMMIT. On a directory this is a no-op: NFSv3 servers make CREATE, REMOVE, RENAME, LINK... stable before they
     * reply, so there is nothing left to flush (and COMMIT on a directory answers NFS3ERR_ISDIR).
     */
    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        if (directory) {
            return;
        }
        synchronized (writeLock) {
            if (!writable) {
                client.commit(fh, path); // like fsync on a read-only descriptor: whatever the server holds unstable
                return;
            }
            commit();
        }
    }

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        ensureOpen();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(count, 1), client.readSize()));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = read(buf, pos + done);
            if (n <= 0) {
                break;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                target.write(buf);
            }
            done += n;
        }
        return done;
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
        ensureOpen();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(count, 1), client.writeSize()));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = src.read(buf);
            if (n <= 0) {
                break;
            }
            buf.flip();
            done += write(buf, pos + done);
        }
        return done;
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) {
        throw new UnsupportedOperationException("memory mapping needs a kernel NFS client");
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) {
        throw new UnsupportedOperationException("NFSv3 byte-range locks need the NLM protocol, which this client lacks");
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) {
        throw new UnsupportedOperationException("NFSv3 byte-range locks need the NLM protocol, which this client lacks");
    }

    /** Commits what is still unstable (close-to-open consistency, like the kernel client's flush on close). */
    @Override
    protected void implCloseChannel() throws IOException {
        try {
            if (writable && !directory) {
                synchronized (writeLock) {
                    commit();
                }
            }
        } finally {
            if (afterClose != null) {
                afterClose.run();
            }
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "Nfs3FileChannel[" + path.toUri() + "]";
    }
}
