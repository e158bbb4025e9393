package org.storagegateway.vhd.nbd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An NBD server for one export on a unix-domain socket: fixed newstyle handshake, structured replies, the
 * {@code base:allocation} meta context, and several requests in flight per connection ({@link NbdConnection}).
 *
 * <p>Each accepted client gets its own threads. {@link #close()} stops accepting, closes every connection after its
 * requests under way have finished, and removes the socket file; it does not close the export.
 */
public final class NbdServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());
    /** Requests a connection runs at once; more wait in the socket. */
    static final int WORKERS_PER_CONNECTION = 2;

    private final Path socket;
    private final NbdExport export;
    private final ServerSocketChannel listener;
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private NbdServer(Path socket, NbdExport export, ServerSocketChannel listener) {
        this.socket = socket;
        this.export = export;
        this.listener = listener;
        this.acceptor = new Thread(this::acceptLoop, "nbd-accept-" + export.name());
        this.acceptor.setDaemon(true);
    }

    /**
     * Serve {@code export} on a new unix socket at {@code socket}; a stale socket file there is replaced.
     *
     * @throws UncheckedIOException if the socket cannot be bound
     */
    public static NbdServer start(Path socket, NbdExport export) {
        Objects.requireNonNull(export, "export");
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                listener.bind(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                listener.close();
                throw e;
            }
            NbdServer server = new NbdServer(socket, export, listener);
            server.acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on " + socket + ": " + e.getMessage(), e);
        }
    }

    public Path socket() {
        return socket;
    }

    public NbdExport export() {
        return export;
    }

    /** The address QEMU understands: {@code nbd+unix:///<export>?socket=<path>}. */
    public String uri() {
        return "nbd+unix:///" + export.name() + "?socket=" + socket;
    }

    /** Clients connected now. */
    public int connections() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "NBD server on {0} stops accepting: {1}", socket, e.getMessage());
                }
                return;
            }
            NbdConnection connection = new NbdConnection(channel, export, WORKERS_PER_CONNECTION, connections::remove);
            connections.add(connection);
            if (closed) {
                connection.close();
                return;
            }
            Thread reader = new Thread(connection, "nbd-" + export.name() + "-" + connectionCount.incrementAndGet());
            reader.setDaemon(true);
            reader.start();
        }
    }

    /**
     * Stop accepting, end every connection once its requests under way are done (and the export flushed), and remove
     * the socket file. Returns when the connections have ended.
     */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Closing the NBD socket {0}: {1}", socket, e.getMessage());
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Set<NbdConnection> open = Set.copyOf(connections);
        open.forEach(NbdConnection::close);
        for (NbdConnection connection : open) {
            if (!connection.awaitFinished(60, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "An NBD client of {0} did not finish within 60 s", export.name());
            }
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot remove the NBD socket {0}: {1}", socket, e.getMessage());
        }
    }
}
