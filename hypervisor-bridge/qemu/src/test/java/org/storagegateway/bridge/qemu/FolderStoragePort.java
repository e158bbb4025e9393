package org.storagegateway.bridge.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.storagegateway.bridge.StoragePort;
import org.storagegateway.spi.model.Datapath;

/**
 * The test's storage layer: each SR is a folder of raw files ({@code <vdi>.raw}). A plain SR hands out
 * {@link Datapath.LocalFile}s; an NBD SR serves each attached VDI with a real {@code qemu-nbd} on a unix socket and
 * hands out {@link Datapath.Nbd}s. Snapshot and clone copy the file (the bridge calls snapshot while the VM is paused).
 * Every call is logged in {@link #calls()}, and the attachments are tracked, so tests can check that nothing is left.
 */
final class FolderStoragePort implements StoragePort, AutoCloseable {
    private final Map<String, Path> srs = new ConcurrentHashMap<>();
    private final Set<String> nbdSrs = ConcurrentHashMap.newKeySet();
    private final Map<String, Path> vdis = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> attachments = new ConcurrentHashMap<>();
    private final Map<String, Process> nbdServers = new ConcurrentHashMap<>();
    private final Map<String, Datapath> servedAs = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Path socketDirectory;
    private volatile Runnable onSnapshot = () -> { };

    FolderStoragePort(Path socketDirectory) {
        this.socketDirectory = socketDirectory;
    }

    void addSr(String sr, Path folder) {
        srs.put(sr, folder);
    }

    void addNbdSr(String sr, Path folder) {
        srs.put(sr, folder);
        nbdSrs.add(sr);
    }

    /** Hands out this datapath for a VDI (a LUN some target serves from the VDI's file, for example). */
    void serveAs(String vdi, Datapath datapath) {
        servedAs.put(vdi, datapath);
    }

    /** Runs inside every {@link #snapshot} call, before the copy. */
    void onSnapshot(Runnable hook) {
        this.onSnapshot = hook;
    }

    Path file(String vdi) {
        Path file = vdis.get(vdi);
        if (file == null) {
            throw new IllegalArgumentException("no VDI " + vdi);
        }
        return file;
    }

    boolean exists(String vdi) {
        return vdis.containsKey(vdi);
    }

    /** The hosts each VDI is attached to, for VDIs attached anywhere. */
    Map<String, Set<String>> attachments() {
        Map<String, Set<String>> copy = new ConcurrentHashMap<>();
        attachments.forEach((vdi, hosts) -> {
            if (!hosts.isEmpty()) {
                copy.put(vdi, Set.copyOf(hosts));
            }
        });
        return copy;
    }

    /** The qemu-nbd process serving a VDI of an NBD SR. */
    Process nbdServer(String vdi) {
        return nbdServers.get(vdi);
    }

    List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public synchronized Datapath attach(String vdiUuid, String hostUuid, boolean writable) {
        calls.add("attach " + vdiUuid + " " + hostUuid);
        Path file = file(vdiUuid);
        attachments.computeIfAbsent(vdiUuid, v -> new HashSet<>()).add(hostUuid);
        String sr = srOf(file);
        if (servedAs.containsKey(vdiUuid)) {
            return servedAs.get(vdiUuid);
        }
        if (!nbdSrs.contains(sr)) {
            return new Datapath.LocalFile(file.toString());
        }
        Path socket = socketDirectory.resolve(vdiUuid.substring(0, 8) + ".nbd");
        if (!nbdServers.containsKey(vdiUuid)) {
            try {
                Files.deleteIfExists(socket);
                Process server = new ProcessBuilder("qemu-nbd", "--persistent", "--shared=4", "--format=raw", "--cache=none",
                        "--export-name=" + vdiUuid, "--socket=" + socket, file.toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                nbdServers.put(vdiUuid, server);
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!Files.exists(socket)) {
                    if (!server.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("qemu-nbd did not open " + socket);
                    }
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot start qemu-nbd for " + file, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new Datapath.Nbd("nbd+unix:///" + vdiUuid + "?socket=" + socket);
    }

    @Override
    public synchronized void detach(String vdiUuid, String hostUuid) {
        calls.add("detach " + vdiUuid + " " + hostUuid);
        Set<String> hosts = attachments.get(vdiUuid);
        if (hosts != null) {
            hosts.remove(hostUuid);
            if (hosts.isEmpty()) {
                stopServer(vdiUuid);
            }
        }
    }

    @Override
    public String snapshot(String vdiUuid, String nameLabel) {
        calls.add("snapshot " + vdiUuid);
        onSnapshot.run();
        return copy(vdiUuid);
    }

    @Override
    public String clone(String vdiUuid, String nameLabel) {
        calls.add("clone " + vdiUuid);
        return copy(vdiUuid);
    }

    @Override
    public String createVdi(String srUuid, String nameLabel, long virtualSizeBytes) {
        calls.add("create " + srUuid);
        Path folder = srs.get(srUuid);
        if (folder == null) {
            throw new IllegalArgumentException("no SR " + srUuid);
        }
        String vdi = UUID.randomUUID().toString();
        Path file = folder.resolve(vdi + ".raw");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(virtualSizeBytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        vdis.put(vdi, file);
        return vdi;
    }

    @Override
    public long virtualSize(String vdiUuid) {
        try {
            return Files.size(file(vdiUuid));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void destroy(String vdiUuid) {
        calls.add("destroy " + vdiUuid);
        stopServer(vdiUuid);
        Path file = vdis.remove(vdiUuid);
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        for (String vdi : new ArrayList<>(nbdServers.keySet())) {
            stopServer(vdi);
        }
    }

    private String copy(String vdiUuid) {
        Path source = file(vdiUuid);
        String copy = UUID.randomUUID().toString();
        Path target = source.resolveSibling(copy + ".raw");
        try {
            Files.copy(source, target);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        vdis.put(copy, target);
        return copy;
    }

    private String srOf(Path file) {
        return srs.entrySet().stream().filter(e -> file.getParent().equals(e.getValue())).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
    }

    private void stopServer(String vdiUuid) {
        Process server = nbdServers.remove(vdiUuid);
        if (server != null) {
            server.destroyForcibly();
            try {
                server.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
