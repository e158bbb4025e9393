package org.storagegateway.vhd.nbd;

import static org.storagegateway.vhd.nbd.NbdProtocol.*;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One client of an {@link NbdServer}: the fixed newstyle handshake, then the transmission phase.
 *
 * <p>The reader thread (this runnable) parses requests and reads write payloads; workers carry the requests out
 * and write the replies, one reply at a time on the socket. So several requests are in flight at once, and replies
 * may come in any order, as NBD allows. At most {@link #IN_FLIGHT_BYTES} of payload are buffered per connection:
 * the reader waits for credit before taking more, and the client's requests wait in the socket meanwhile. Payload
 * buffers are pooled and reused.
 */
final class NbdConnection implements Runnable {
    private static final System.Logger LOG = System.getLogger(NbdConnection.class.getName());
    /** Payload bytes buffered at most per connection (a single larger request is still let through alone). */
    static final int IN_FLIGHT_BYTES = 64 << 20;
    private static final int CREDIT_UNIT = 4096;
    private static final int MAX_CREDITS = IN_FLIGHT_BYTES / CREDIT_UNIT;
    private static final int MAX_DESCRIPTORS = 4096;
    /** Payload buffers kept for reuse per connection, each at most {@link #POOLED_BUFFER_MAX} bytes. */
    private static final int POOLED_BUFFERS = 4;
    private static final int POOLED_BUFFER_MAX = 2 << 20;

    private final SocketChannel channel;
    private final NbdExport export;
    private final int workerCount;
    private final Consumer<NbdConnection> onClose;
    private final ReentrantLock replyLock = new ReentrantLock();
    private final Semaphore credits = new Semaphore(MAX_CREDITS);
    private final ArrayBlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(POOLED_BUFFERS);
    private final ByteBuffer requestHeader = ByteBuffer.allocateDirect(28);
    private ExecutorService workers;
    private boolean structuredReplies;
    private boolean baseAllocation;
    private volatile boolean closing;
    private final CountDownLatch finished = new CountDownLatch(1);

    NbdConnection(SocketChannel channel, NbdExport export, int workerCount, Consumer<NbdConnection> onClose) {
        this.channel = channel;
        this.export = export;
        this.workerCount = workerCount;
        this.onClose = onClose;
    }

    @Override
    public void run() {
        try {
            if (handshake()) {
                transmission();
            }
        } catch (ClosedChannelException | EOFException e) {
            // The client went away, or the server is closing.
        } catch (IOException e) {
            if (!closing) {
                LOG.log(Level.WARNING, "NBD client of {0} dropped: {1}", export.name(), e.getMessage());
            }
        } finally {
            finish();
        }
    }

    /** Wait until the connection has ended (its requests done, the export flushed, the socket closed). */
    boolean awaitFinished(long timeout, TimeUnit unit) {
        try {
            return finished.await(timeout, unit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** End the connection: requests under way finish first; the socket is closed. */
    void close() {
        closing = true;
        try {
            // Unblocks the reader; workers still finish their requests (their replies then fail quietly).
            channel.shutdownInput();
        } catch (IOException e) {
            closeChannel();
        }
    }

    private void finish() {
        ExecutorService running = workers;
        if (running != null) {
            running.shutdown();
            try {
                if (!running.awaitTermination(60, TimeUnit.SECONDS)) {
                    LOG.log(Level.WARNING, "NBD requests of {0} still running after 60 s", export.name());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!export.readOnly()) {
                try {
                    export.flush();
                } catch (NbdException e) {
                    LOG.log(Level.WARNING, "Flushing {0} at disconnect: {1}", export.name(), e.getMessage());
                }
            }
        }
        closeChannel();
        onClose.accept(this);
        finished.countDown();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    // ---- handshake

    /** Negotiate options; true once the client entered the transmission phase. */
    private boolean handshake() throws IOException {
        ByteBuffer greeting = ByteBuffer.allocate(18);
        greeting.putLong(NBDMAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip();
        writeFully(greeting);
        int clientFlags = readFully(4).getInt();
        if ((clientFlags & ~(CLIENT_FIXED_NEWSTYLE | CLIENT_NO_ZEROES)) != 0) {
            throw new ProtocolViolation("unknown client flags " + Integer.toHexString(clientFlags));
        }
        boolean noZeroes = (clientFlags & CLIENT_NO_ZEROES) != 0;
        while (true) {
            ByteBuffer head = readFully(16);
            if (head.getLong() != IHAVEOPT) {
                throw new ProtocolViolation("option without IHAVEOPT");
            }
            int option = head.getInt();
            long length = Integer.toUnsignedLong(head.getInt());
            if (length > MAX_OPTION_LENGTH) {
                if (length > 16 * MAX_OPTION_LENGTH) {
                    throw new ProtocolViolation("option " + option + " of " + length + " bytes");
                }
                skip(length);
                optionReply(option, REP_ERR_TOO_BIG, error("option data too long"));
                continue;
            }
            ByteBuffer data = readFully((int) length);
            switch (option) {
                case OPT_EXPORT_NAME -> {
                    String name = StandardCharsets.UTF_8.decode(data).toString();
                    if (!knownExport(name)) {
                        // The option has no error reply: the server must hang up.
                        throw new ProtocolViolation("unknown export '" + name + "'");
                    }
                    ByteBuffer reply = ByteBuffer.allocate(noZeroes ? 10 : 134);
                    reply.putLong(export.size()).putShort((short) transmissionFlags()).position(reply.capacity()).flip();
                    writeFully(reply);
                    return true;
                }
                case OPT_GO, OPT_INFO -> {
                    if (info(option, data)) {
                        return true;
                    }
                }
                case OPT_LIST -> {
                    if (length != 0) {
                        optionReply(option, REP_ERR_INVALID, error("LIST takes no data"));
                    } else {
                        byte[] name = export.name().getBytes(StandardCharsets.UTF_8);
                        optionReply(option, REP_SERVER, ByteBuffer.allocate(4 + name.length).putInt(name.length).put(name)
                                .flip());
                        optionReply(option, REP_ACK, ByteBuffer.allocate(0));
                    }
                }
                case OPT_ABORT -> {
                    optionReply(option, REP_ACK, ByteBuffer.allocate(0));
                    return false;
                }
                case OPT_STRUCTURED_REPLY -> {
                    if (length != 0) {
                        optionReply(option, REP_ERR_INVALID, error("STRUCTURED_REPLY takes no data"));
                    } else {
                        structuredReplies = true;
                        optionReply(option, REP_ACK, ByteBuffer.allocate(0));
                    }
                }
                case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(option, data);
                case OPT_STARTTLS -> optionReply(option, REP_ERR_UNSUP, error("TLS is not offered on a unix socket"));
                default -> optionReply(option, REP_ERR_UNSUP, error("option " + option + " is not supported"));
            }
        }
    }

    /** NBD_OPT_INFO or NBD_OPT_GO; true if GO succeeded. */
    private boolean info(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            optionReply(option, REP_ERR_INVALID, error("truncated request"));
            return false;
        }
        long nameLength = Integer.toUnsignedLong(data.getInt());
        if (nameLength + 6 > data.limit()) {
            optionReply(option, REP_ERR_INVALID, error("name longer than the option"));
            return false;
        }
        String name = string(data, (int) nameLength);
        int requests = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != 2 * requests) {
            optionReply(option, REP_ERR_INVALID, error("information requests do not fill the option"));
            return false;
        }
        boolean blockSize = false;
        for (int i = 0; i < requests; i++) {
            blockSize |= data.getShort() == INFO_BLOCK_SIZE;
        }
        if (!knownExport(name)) {
            optionReply(option, REP_ERR_UNKNOWN, error("no export '" + name + "'"));
            return false;
        }
        optionReply(option, REP_INFO, ByteBuffer.allocate(12).putShort((short) INFO_EXPORT).putLong(export.size())
                .putShort((short) transmissionFlags()).flip());
        if (blockSize) {
            optionReply(option, REP_INFO, ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE).putInt(1)
                    .putInt(PREFERRED_BLOCK).putInt(MAX_PAYLOAD).flip());
        }
        optionReply(option, REP_ACK, ByteBuffer.allocate(0));
        return option == OPT_GO;
    }

    /** NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT: only {@code base:allocation} exists. */
    private void metaContext(int option, ByteBuffer data) throws IOException {
        boolean set = option == OPT_SET_META_CONTEXT;
        if (set && !structuredReplies) {
            optionReply(option, REP_ERR_INVALID, error("negotiate structured replies first"));
            return;
        }
        if (data.remaining() < 8) {
            optionReply(option, REP_ERR_INVALID, error("truncated request"));
            return;
        }
        long nameLength = Integer.toUnsignedLong(data.getInt());
        if (nameLength + 8 > data.limit()) {
            optionReply(option, REP_ERR_INVALID, error("name longer than the option"));
            return;
        }
        String name = string(data, (int) nameLength);
        long queries = Integer.toUnsignedLong(data.getInt());
        boolean wanted = !set && queries == 0;
        for (long i = 0; i < queries; i++) {
            if (data.remaining() < 4) {
                optionReply(option, REP_ERR_INVALID, error("truncated query"));
                return;
            }
            long queryLength = Integer.toUnsignedLong(data.getInt());
            if (queryLength > data.remaining()) {
                optionReply(option, REP_ERR_INVALID, error("query longer than the option"));
                return;
            }
            String query = string(data, (int) queryLength);
            wanted |= query.equals(BASE_ALLOCATION) || (!set && query.equals("base:"));
        }
        if (data.hasRemaining()) {
            optionReply(option, REP_ERR_INVALID, error("trailing bytes after the queries"));
            return;
        }
        if (!knownExport(name)) {
            optionReply(option, REP_ERR_UNKNOWN, error("no export '" + name + "'"));
            return;
        }
        if (set) {
            baseAllocation = wanted;
        }
        if (wanted) {
            byte[] context = BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            optionReply(option, REP_META_CONTEXT, ByteBuffer.allocate(4 + context.length)
                    .putInt(set ? BASE_ALLOCATION_ID : 0).put(context).flip());
        }
        optionReply(option, REP_ACK, ByteBuffer.allocate(0));
    }

    private boolean knownExport(String name) {
        // The empty name is the default export.
        return name.isEmpty() || name.equals(export.name());
    }

    private int transmissionFlags() {
        int flags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES
                | FLAG_SEND_DF;
        return export.readOnly() ? flags | FLAG_READ_ONLY : flags;
    }

    private void optionReply(int option, int type, ByteBuffer data) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(20);
        head.putLong(OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(data.remaining()).flip();
        writeFully(head, data);
    }

    private static ByteBuffer error(String message) {
        return ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8));
    }

    private static String string(ByteBuffer data, int length) {
        byte[] bytes = new byte[length];
        data.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- transmission

    private void transmission() throws IOException {
        AtomicCounter named = new AtomicCounter(export.name());
        workers = new ThreadPoolExecutor(workerCount, workerCount, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, named.next());
                    thread.setDaemon(true);
                    return thread;
                });
        while (true) {
            requestHeader.clear();
            readFully(requestHeader);
            requestHeader.flip();
            if (requestHeader.getInt() != REQUEST_MAGIC) {
                throw new ProtocolViolation("request without the request magic");
            }
            int flags = Short.toUnsignedInt(requestHeader.getShort());
            int type = Short.toUnsignedInt(requestHeader.getShort());
            long cookie = requestHeader.getLong();
            long offset = requestHeader.getLong();
            long length = Integer.toUnsignedLong(requestHeader.getInt());
            switch (type) {
                case CMD_DISC -> {
                    return;
                }
                case CMD_WRITE -> {
                    if (length > MAX_PAYLOAD) {
                        skip(length);
                        submit(new Request(type, flags, cookie, offset, length, null, 0));
                        continue;
                    }
                    int credit = acquireCredit(length);
                    byte[] payload = takeBuffer((int) length);
                    readFully(ByteBuffer.wrap(payload, 0, (int) length));
                    submit(new Request(type, flags, cookie, offset, length, payload, credit));
                }
                case CMD_READ -> {
                    int credit = length <= MAX_PAYLOAD ? acquireCredit(length) : 0;
                    submit(new Request(type, flags, cookie, offset, length, null, credit));
                }
                default -> submit(new Request(type, flags, cookie, offset, length, null, 0));
            }
        }
    }

    private void submit(Request request) {
        workers.execute(() -> serve(request));
    }

    private int acquireCredit(long length) {
        int credit = (int) Math.min(MAX_CREDITS, 1 + length / CREDIT_UNIT);
        credits.acquireUninterruptibly(credit);
        return credit;
    }

    private byte[] takeBuffer(int length) {
        byte[] buffer = buffers.poll();
        if (buffer == null || buffer.length < length) {
            return new byte[Math.max(length, 64 << 10)];
        }
        return buffer;
    }

    private void release(Request request, byte[] buffer) {
        if (buffer != null && buffer.length <= POOLED_BUFFER_MAX) {
            buffers.offer(buffer);
        }
        credits.release(request.credit);
    }

    /** A parsed request; {@code payload} holds a write's data. */
    private record Request(int type, int flags, long cookie, long offset, long length, byte[] payload, int credit) {
    }

    /** Carry out one request and send its reply; runs on a worker. */
    private void serve(Request request) {
        byte[] buffer = request.payload;
        try {
            switch (request.type) {
                case CMD_READ -> {
                    if (request.length > MAX_PAYLOAD) {
                        throw new NbdException(EOVERFLOW, "read of " + request.length + " bytes exceeds the maximum");
                    }
                    check(request, CMD_FLAG_FUA | CMD_FLAG_DF, EINVAL);
                    buffer = takeBuffer((int) request.length);
                    export.read(request.offset, buffer, (int) request.length);
                    replyData(request, buffer);
                }
                case CMD_WRITE -> {
                    check(request, CMD_FLAG_FUA, ENOSPC);
                    if (buffer == null) {
                        throw new NbdException(EOVERFLOW, "write of " + request.length + " bytes exceeds the maximum");
                    }
                    writable();
                    export.write(request.offset, buffer, (int) request.length, (request.flags & CMD_FLAG_FUA) != 0);
                    replySimple(request, 0);
                }
                case CMD_FLUSH -> {
                    if (request.flags != 0 || request.offset != 0 || request.length != 0) {
                        throw new NbdException(EINVAL, "flush takes no flags, offset or length");
                    }
                    export.flush();
                    replySimple(request, 0);
                }
                case CMD_TRIM -> {
                    // A hint only: the data of a differencing disk's parents would show through a discarded sector.
                    check(request, CMD_FLAG_FUA, EINVAL);
                    writable();
                    if ((request.flags & CMD_FLAG_FUA) != 0) {
                        export.flush();
                    }
                    replySimple(request, 0);
                }
                case CMD_WRITE_ZEROES -> {
                    check(request, CMD_FLAG_FUA | CMD_FLAG_NO_HOLE, ENOSPC);
                    writable();
                    export.writeZeroes(request.offset, request.length, (request.flags & CMD_FLAG_FUA) != 0);
                    replySimple(request, 0);
                }
                case CMD_BLOCK_STATUS -> {
                    check(request, CMD_FLAG_REQ_ONE, EINVAL);
                    if (!baseAllocation) {
                        throw new NbdException(EINVAL, "no meta context was negotiated");
                    }
                    replyBlockStatus(request);
                }
                default -> throw new NbdException(EINVAL, "unknown command " + request.type);
            }
        } catch (NbdException e) {
            replyError(request, e);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "NBD request on " + export.name() + " failed", e);
            replyError(request, new NbdException(EIO, "internal error"));
        } finally {
            release(request, buffer);
        }
    }

    /** Refuse unknown flags and ranges outside the export (with {@code rangeError}) and empty requests. */
    private void check(Request request, int allowedFlags, int rangeError) {
        if ((request.flags & ~allowedFlags) != 0) {
            throw new NbdException(EINVAL, "flags " + Integer.toHexString(request.flags) + " not valid here");
        }
        long size = export.size();
        if (request.length == 0) {
            throw new NbdException(EINVAL, "empty request");
        }
        if (request.offset < 0 || request.offset > size || request.length > size - request.offset) {
            throw new NbdException(rangeError, "range [" + Long.toUnsignedString(request.offset) + ", +"
                    + request.length + ") is outside the export of " + size + " bytes");
        }
    }

    private void writable() {
        if (export.readOnly()) {
            throw new NbdException(EPERM, "the export is read-only");
        }
    }

    private void replySimple(Request request, int error) {
        ByteBuffer head = ByteBuffer.allocate(16);
        head.putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(request.cookie).flip();
        send(head, null);
    }

    private void replyData(Request request, byte[] data) {
        ByteBuffer payload = ByteBuffer.wrap(data, 0, (int) request.length);
        if (!structuredReplies) {
            ByteBuffer head = ByteBuffer.allocate(16);
            head.putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(request.cookie).flip();
            send(head, payload);
            return;
        }
        ByteBuffer head = ByteBuffer.allocate(28);
        head.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) REPLY_FLAG_DONE).putShort((short) REPLY_TYPE_OFFSET_DATA)
                .putLong(request.cookie).putInt((int) (8 + request.length)).putLong(request.offset).flip();
        send(head, payload);
    }

    private void replyBlockStatus(Request request) {
        boolean one = (request.flags & CMD_FLAG_REQ_ONE) != 0;
        ByteBuffer descriptors = ByteBuffer.allocate(4 + 8 * (one ? 1 : MAX_DESCRIPTORS));
        descriptors.putInt(BASE_ALLOCATION_ID);
        export.allocation(request.offset, request.length, (length, allocated) -> {
            descriptors.putInt((int) length).putInt(allocated ? 0 : STATE_HOLE | STATE_ZERO);
            return descriptors.hasRemaining();
        });
        descriptors.flip();
        ByteBuffer head = ByteBuffer.allocate(20);
        head.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) REPLY_FLAG_DONE).putShort((short) REPLY_TYPE_BLOCK_STATUS)
                .putLong(request.cookie).putInt(descriptors.remaining()).flip();
        send(head, descriptors);
    }

    private void replyError(Request request, NbdException failure) {
        if (!structuredReplies || (request.type != CMD_READ && request.type != CMD_BLOCK_STATUS)) {
            replySimple(request, failure.error());
            return;
        }
        byte[] message = String.valueOf(failure.getMessage()).getBytes(StandardCharsets.UTF_8);
        int messageLength = Math.min(message.length, 4096);
        ByteBuffer chunk = ByteBuffer.allocate(20 + 6 + messageLength);
        chunk.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) REPLY_FLAG_DONE).putShort((short) REPLY_TYPE_ERROR)
                .putLong(request.cookie).putInt(6 + messageLength).putInt(failure.error())
                .putShort((short) messageLength).put(message, 0, messageLength).flip();
        send(chunk, null);
    }

    /** Write one reply whole; replies of different workers never interleave. */
    private void send(ByteBuffer head, ByteBuffer payload) {
        replyLock.lock();
        try {
            if (payload == null) {
                writeFully(head);
            } else {
                writeFully(head, payload);
            }
        } catch (IOException e) {
            // The client is gone; the reader notices and ends the connection.
            closeChannel();
        } finally {
            replyLock.unlock();
        }
    }

    // ---- socket helpers

    private ByteBuffer readFully(int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(buffer);
        return buffer.flip();
    }

    private void readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("the client closed the connection");
            }
        }
    }

    private void skip(long length) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate((int) Math.min(length, 1 << 16));
        for (long left = length; left > 0; left -= sink.position()) {
            sink.clear().limit((int) Math.min(sink.capacity(), left));
            readFully(sink);
        }
    }

    private void writeFully(ByteBuffer... buffers) throws IOException {
        for (ByteBuffer buffer : buffers) {
            while (buffer.hasRemaining()) {
                channel.write(buffers);
            }
        }
    }

    /** A client broke the protocol: the connection is dropped. */
    private static final class ProtocolViolation extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String message) {
            super(message);
        }
    }

    /** Names worker threads. */
    private static final class AtomicCounter {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        AtomicCounter(String name) {
            this.prefix = "nbd-" + name + "-worker-";
        }

        String next() {
            return prefix + count.incrementAndGet();
        }
    }
}
