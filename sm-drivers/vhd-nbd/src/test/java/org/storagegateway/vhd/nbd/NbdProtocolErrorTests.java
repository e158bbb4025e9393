package org.storagegateway.vhd.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.vhd.VhdImage;

/**
 * Malformed and out-of-range requests get the NBD error the protocol names; QEMU never sends them, so a raw socket
 * does. (QEMU's client checks the well-formed paths in {@link VhdChainOverNbdTests}.)
 */
class NbdProtocolErrorTests {
    private static final long SIZE = 4 << 20;

    @TempDir
    Path dir;
    private VhdChainExport export;
    private NbdServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (export != null) {
            export.close();
        }
    }

    private RawClient connect(boolean readOnly) throws IOException {
        Path file = dir.resolve("disk.vhd");
        VhdImage.createDynamic(file, SIZE, UUID.randomUUID());
        export = VhdChainExport.open("disk", file, readOnly);
        server = NbdServer.start(dir.resolve("disk.sock"), export);
        return new RawClient(server.socket());
    }

    @Test
    void outOfRangeRequestsGetEinvalOrEnospc() throws IOException {
        try (RawClient client = connect(false)) {
            client.go("disk");
            assertThat(client.request(0, NbdProtocol.CMD_READ, SIZE - 512, 1024, null)).isEqualTo(NbdProtocol.EINVAL);
            assertThat(client.request(0, NbdProtocol.CMD_WRITE, SIZE - 512, 1024, new byte[1024]))
                    .isEqualTo(NbdProtocol.ENOSPC);
            assertThat(client.request(0, NbdProtocol.CMD_READ, -512, 512, null)).isEqualTo(NbdProtocol.EINVAL);
            assertThat(client.request(0, NbdProtocol.CMD_TRIM, SIZE, 512, null)).isEqualTo(NbdProtocol.EINVAL);
            assertThat(client.request(0, NbdProtocol.CMD_READ, 0, 0, null)).as("empty").isEqualTo(NbdProtocol.EINVAL);
            assertThat(client.request(0, NbdProtocol.CMD_READ, 0, (64 << 20), null)).isEqualTo(NbdProtocol.EOVERFLOW);
            // The connection still works afterwards.
            assertThat(client.request(0, NbdProtocol.CMD_WRITE, 512, 4, new byte[] {1, 2, 3, 4})).isZero();
            assertThat(client.request(0, NbdProtocol.CMD_FLUSH, 0, 0, null)).isZero();
        }
    }

    @Test
    void unknownCommandsAndFlagsGetEinval() throws IOException {
        try (RawClient client = connect(false)) {
            client.go("disk");
            assertThat(client.request(0, 42, 0, 512, null)).isEqualTo(NbdProtocol.EINVAL);
            assertThat(client.request(1 << 7, NbdProtocol.CMD_READ, 0, 512, null)).isEqualTo(NbdProtocol.EINVAL);
            assertThat(client.request(0, NbdProtocol.CMD_FLUSH, 0, 512, null)).isEqualTo(NbdProtocol.EINVAL);
            assertThat(client.request(0, NbdProtocol.CMD_BLOCK_STATUS, 0, 512, null))
                    .as("no meta context negotiated").isEqualTo(NbdProtocol.EINVAL);
        }
    }

    @Test
    void writesToAReadOnlyExportGetEperm() throws IOException {
        try (RawClient client = connect(true)) {
            client.go("disk");
            assertThat(client.request(0, NbdProtocol.CMD_WRITE, 0, 512, new byte[512])).isEqualTo(NbdProtocol.EPERM);
            assertThat(client.request(0, NbdProtocol.CMD_TRIM, 0, 512, null)).isEqualTo(NbdProtocol.EPERM);
            assertThat(client.request(0, NbdProtocol.CMD_READ, 0, 512, null)).isZero();
        }
    }

    @Test
    void unknownExportsAreRefusedAndListed() throws IOException {
        try (RawClient client = connect(false)) {
            assertThat(client.option(NbdProtocol.OPT_LIST, new byte[0])).isEqualTo(NbdProtocol.REP_SERVER);
            assertThat(client.optionReply()).isEqualTo(NbdProtocol.REP_ACK);
            byte[] name = "nope".getBytes(StandardCharsets.UTF_8);
            ByteBuffer go = ByteBuffer.allocate(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0);
            assertThat(client.option(NbdProtocol.OPT_GO, go.array())).isEqualTo(NbdProtocol.REP_ERR_UNKNOWN);
            assertThat(client.option(NbdProtocol.OPT_GO, new byte[] {0, 0})).isEqualTo(NbdProtocol.REP_ERR_INVALID);
            assertThat(client.option(99, new byte[0])).isEqualTo(NbdProtocol.REP_ERR_UNSUP);
            client.go("disk");
            assertThat(client.request(0, NbdProtocol.CMD_READ, 0, 512, null)).isZero();
        }
    }

    @Test
    void aRequestWithoutTheMagicEndsTheConnection() throws IOException {
        try (RawClient client = connect(false)) {
            client.go("disk");
            client.send(ByteBuffer.allocate(28).putInt(0x12345678).flip());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.request(0, NbdProtocol.CMD_READ, 0, 512,
                    null)).isInstanceOf(IOException.class);
        }
    }

    /** Just enough of a client to send what QEMU would not. */
    private static final class RawClient implements AutoCloseable {
        private final SocketChannel channel;
        private long cookie;

        RawClient(Path socket) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer greeting = read(18);
            assertThat(greeting.getLong()).isEqualTo(NbdProtocol.NBDMAGIC);
            assertThat(greeting.getLong()).isEqualTo(NbdProtocol.IHAVEOPT);
            send(ByteBuffer.allocate(4).putInt(NbdProtocol.CLIENT_FIXED_NEWSTYLE | NbdProtocol.CLIENT_NO_ZEROES).flip());
        }

        /** Send an option; return the type of its first reply. */
        int option(int option, byte[] data) throws IOException {
            send(ByteBuffer.allocate(16 + data.length).putLong(NbdProtocol.IHAVEOPT).putInt(option).putInt(data.length)
                    .put(data).flip());
            return optionReply();
        }

        int optionReply() throws IOException {
            ByteBuffer head = read(20);
            assertThat(head.getLong()).isEqualTo(NbdProtocol.OPTION_REPLY_MAGIC);
            head.getInt();
            int type = head.getInt();
            read(head.getInt());
            return type;
        }

        void go(String export) throws IOException {
            byte[] name = export.getBytes(StandardCharsets.UTF_8);
            ByteBuffer go = ByteBuffer.allocate(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0);
            int type = option(NbdProtocol.OPT_GO, go.array());
            while (type == NbdProtocol.REP_INFO) {
                type = optionReply();
            }
            assertThat(type).isEqualTo(NbdProtocol.REP_ACK);
        }

        /** Send a request (simple replies); return the reply's error, after reading a read's data. */
        int request(int flags, int type, long offset, long length, byte[] payload) throws IOException {
            long sent = ++cookie;
            ByteBuffer request = ByteBuffer.allocate(28 + (payload == null ? 0 : payload.length));
            request.putInt(NbdProtocol.REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(sent)
                    .putLong(offset).putInt((int) length);
            if (payload != null) {
                request.put(payload);
            }
            send(request.flip());
            ByteBuffer reply = read(16);
            assertThat(reply.getInt()).isEqualTo(NbdProtocol.SIMPLE_REPLY_MAGIC);
            int error = reply.getInt();
            assertThat(reply.getLong()).isEqualTo(sent);
            if (error == 0 && type == NbdProtocol.CMD_READ) {
                read((int) length);
            }
            return error;
        }

        void send(ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        ByteBuffer read(int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException("server closed the connection");
                }
            }
            return buffer.flip();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
