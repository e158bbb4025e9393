package org.storagegateway.bridge.qemu.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Client of the test guest's line agent (see hypervisor-bridge/guest/build-guest.sh), reached through
 * the VM's virtio-serial channel socket. One command at a time; every command gets one reply line.
 *
 * <p>Every command is sent with a tag {@code #<n>} that the agent repeats in its reply. A reply with
 * another tag is the late answer to a command that timed out (or was sent to this guest through
 * another QEMU process before a migration) and is dropped, never taken as the answer to this command.
 */
public final class GuestAgent implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final String EOF = "\u0000eof";

    private final SocketChannel channel;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;
    private long tags;
    private String kernelRelease;

    private GuestAgent(SocketChannel channel) {
        this.channel = channel;
        this.reader = new Thread(this::readLoop, "guest-agent-reader");
        this.reader.setDaemon(true);
    }

    /**
     * Connects to the agent socket (QEMU creates it at start) and waits for the agent's READY line,
     * which the guest sends once its modules are loaded.
     */
    public static GuestAgent connect(Path socket, Duration readyTimeout) {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        SocketChannel channel = null;
        IOException last = null;
        while (channel == null && System.nanoTime() < deadline) {
            if (Files.exists(socket)) {
                try {
                    SocketChannel candidate = SocketChannel.open(StandardProtocolFamily.UNIX);
                    try {
                        candidate.connect(UnixDomainSocketAddress.of(socket));
                        channel = candidate;
                    } catch (IOException e) {
                        candidate.close();
                        last = e;
                    }
                } catch (IOException e) {
                    last = e;
                }
            }
            if (channel == null) {
                sleep(20);
            }
        }
        if (channel == null) {
            throw new GuestAgentException("cannot connect to the agent socket " + socket, last);
        }
        GuestAgent agent = new GuestAgent(channel);
        agent.reader.start();
        try {
            String ready = agent.nextLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), "READY");
            if (!ready.startsWith("READY")) {
                throw new GuestAgentException("expected READY from the agent, got: " + ready);
            }
            agent.kernelRelease = ready.substring("READY".length()).strip();
            return agent;
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /**
     * Connects to the agent of a guest that is already running (its READY line went to an earlier
     * client, for example on the source of a live migration) and checks it answers.
     */
    public static GuestAgent attach(Path socket, Duration timeout) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new GuestAgentException("cannot connect to the agent socket " + socket, e);
        }
        GuestAgent agent = new GuestAgent(channel);
        agent.reader.start();
        try {
            agent.command("PING", timeout);
            return agent;
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /** The guest kernel release the agent reported at start. */
    public String kernelRelease() {
        return kernelRelease;
    }

    public void ping() {
        String answer = command("PING", DEFAULT_TIMEOUT);
        if (!answer.equals("PONG")) {
            throw new GuestAgentException("PING answered " + answer);
        }
    }

    /** The guest's block devices (no ram or loop devices). */
    public List<GuestDisk> list() {
        List<GuestDisk> disks = new ArrayList<>();
        for (String entry : command("LIST", DEFAULT_TIMEOUT).split(" ")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.split(":", -1);
            if (parts.length != 3) {
                throw new GuestAgentException("bad LIST entry: " + entry);
            }
            disks.add(new GuestDisk(parts[0], Long.parseLong(parts[1]), parts[2]));
        }
        return disks;
    }

    /** Writes the {@link GuestPattern} with O_DIRECT and returns the SHA-256 of what was written. */
    public String write(String device, long offset, long length, String seed) {
        return command("WRITE " + device + " " + offset + " " + length + " " + seed, DEFAULT_TIMEOUT);
    }

    /** Reads a range with O_DIRECT and returns its SHA-256. */
    public String read(String device, long offset, long length) {
        return command("READ " + device + " " + offset + " " + length, DEFAULT_TIMEOUT);
    }

    public void sync() {
        command("SYNC", DEFAULT_TIMEOUT);
    }

    /** Asks the guest to power off; the agent answers first, then the guest powers off. */
    public void powerOff() {
        command("POWEROFF", DEFAULT_TIMEOUT);
    }

    /** Polls until the guest lists a disk with this serial. */
    public GuestDisk awaitDisk(String serial, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<GuestDisk> disk = list().stream().filter(d -> d.serial().equals(serial)).findFirst();
            if (disk.isPresent()) {
                return disk.get();
            }
            if (System.nanoTime() > deadline) {
                throw new GuestAgentException("the guest shows no disk with serial " + serial + " after " + timeout.toMillis() + " ms");
            }
            sleep(25);
        }
    }

    /** Polls until the guest no longer lists a disk with this serial. */
    public void awaitDiskGone(String serial, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (list().stream().anyMatch(d -> d.serial().equals(serial))) {
            if (System.nanoTime() > deadline) {
                throw new GuestAgentException("the guest still shows the disk with serial " + serial + " after " + timeout.toMillis() + " ms");
            }
            sleep(25);
        }
    }

    /** Sends one command line and returns the text after "OK". */
    public synchronized String command(String line, Duration timeout) {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("one line only");
        }
        String tag = "#" + (++tags) + " ";
        try {
            ByteBuffer buffer = ByteBuffer.wrap((tag + line + "\n").getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new GuestAgentException("cannot send '" + line + "' to the agent", e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String reply = nextLine(timeout, line);
        while (!reply.startsWith(tag)) {
            // A late reply to an earlier command, or the READY line of a restarted agent: not ours.
            reply = nextLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), line);
        }
        reply = reply.substring(tag.length());
        if (reply.equals("OK") || reply.startsWith("OK ")) {
            return reply.substring(2).strip();
        }
        if (reply.startsWith("ERR")) {
            throw new GuestAgentException("agent refused '" + line + "': " + reply.substring(3).strip());
        }
        throw new GuestAgentException("unexpected agent reply to '" + line + "': " + reply);
    }

    private String nextLine(Duration timeout, String what) {
        String line;
        try {
            line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestAgentException("interrupted while waiting for the agent", e);
        }
        if (line == null) {
            throw new GuestAgentException("no answer from the agent to '" + what + "' within " + timeout.toMillis() + " ms");
        }
        if (line.equals(EOF)) {
            lines.add(EOF);
            throw new GuestAgentException("the agent channel closed while waiting for '" + what + "'");
        }
        return line;
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (channel.read(buffer.clear()) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        lines.add(line.toString(StandardCharsets.UTF_8).strip());
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            }
        } catch (IOException e) {
            // closed
        }
        lines.add(EOF);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestAgentException("interrupted", e);
        }
    }
}
