package org.storagegateway.nfs;

import java.io.IOException;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Lists a directory page by page with READDIR (32 KiB of entries per call, a few hundred names), filtering each name.
 * "." and ".." are skipped. Like the JDK's stream, it is weakly consistent and has one iterator.
 */
final class Nfs3DirectoryStream implements DirectoryStream<Path> {

    private final Nfs3Client client;
    private final Nfs3Path dir;
    private final byte[] fh;
    private final Filter<? super Path> filter;
    private volatile boolean closed;
    private boolean iterated;

    Nfs3DirectoryStream(Nfs3Client client, Nfs3Path dir, byte[] fh, Filter<? super Path> filter) {
        this.client = client;
        this.dir = dir;
        this.fh = fh;
        this.filter = filter;
    }

    @Override
    public synchronized Iterator<Path> iterator() {
        if (closed) {
            throw new ClosedDirectoryStreamException();
        }
        if (iterated) {
            throw new IllegalStateException("iterator already obtained");
        }
        iterated = true;
        return new Iterator<>() {
            private final Deque<Path> ready = new ArrayDeque<>();
            private long cookie;
            private long verifier;
            private boolean eof;

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && !eof && !closed) {
                    fetch();
                }
                return !ready.isEmpty() && !closed;
            }

            @Override
            public Path next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.pollFirst();
            }

            private void fetch() {
                try {
                    Nfs3Client.DirPage page = client.readdir(fh, cookie, verifier, dir);
                    verifier = page.cookieVerifier();
                    for (int i = 0; i < page.names().size(); i++) {
                        String name = page.names().get(i);
                        cookie = page.cookies().get(i);
                        if (name.equals(".") || name.equals("..")) {
                            continue;
                        }
                        Path entry = dir.resolve(name);
                        if (filter == null || filter.accept(entry)) {
                            ready.addLast(entry);
                        }
                    }
                    eof = page.eof() || page.names().isEmpty();
                } catch (IOException e) {
                    throw new DirectoryIteratorException(e);
                }
            }
        };
    }

    @Override
    public void close() {
        closed = true;
    }
}
