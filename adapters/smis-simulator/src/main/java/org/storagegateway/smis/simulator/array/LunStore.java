package org.storagegateway.smis.simulator.array;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data behind the volumes: one sparse file per volume, {@code <state>/luns/<DeviceID>.lun}, as long as the
 * volume. Creating or growing one allocates no disk blocks; what a later iSCSI target writes is what takes space.
 */
public final class LunStore {
    private static final Logger LOG = LoggerFactory.getLogger(LunStore.class);
    private static final String SUFFIX = ".lun";

    private final Path dir;

    public LunStore(Path stateDir) throws IOException {
        this.dir = stateDir.resolve("luns");
        Files.createDirectories(dir);
    }

    public Path file(String deviceId) {
        return dir.resolve(deviceId + SUFFIX);
    }

    /** Create a volume's file with its size; an existing file is replaced. */
    public void create(String deviceId, long sizeBytes) throws IOException {
        Path f = file(deviceId);
        Files.deleteIfExists(f);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(sizeBytes);
            raf.getFD().sync();
        }
        AtomicFiles.syncDirectory(dir);
    }

    /** Grow or shrink a volume's file. */
    public void resize(String deviceId, long sizeBytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file(deviceId).toFile(), "rw")) {
            raf.setLength(sizeBytes);
            raf.getFD().sync();
        }
    }

    /**
     * Copy a volume's data into another volume's file, keeping holes (GNU cp finds them with SEEK_DATA, so a large
     * sparse volume copies in the time its written extents take), then give the target its own length.
     */
    public void copy(String sourceDeviceId, String targetDeviceId, long targetSizeBytes) throws IOException {
        Path source = file(sourceDeviceId);
        Path target = file(targetDeviceId);
        Process cp = new ProcessBuilder("cp", "--sparse=always", "--", source.toString(), target.toString())
                .redirectErrorStream(true).start();
        String output = new String(cp.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (cp.waitFor() != 0) {
                throw new IOException("cp " + source + " " + target + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            cp.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying " + source, e);
        }
        resize(targetDeviceId, targetSizeBytes);
    }

    public void delete(String deviceId) throws IOException {
        Files.deleteIfExists(file(deviceId));
        AtomicFiles.syncDirectory(dir);
    }

    /**
     * Make the files match the volumes after a restart: create missing files, fix lengths left by a crash between a
     * resize and the state write, and remove files of volumes that no longer exist.
     *
     * @param sizes the size of every volume, by DeviceID
     */
    public void reconcile(Map<String, Long> sizes) throws IOException {
        Set<String> seen = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String deviceId = name.substring(0, name.length() - SUFFIX.length());
                Long size = sizes.get(deviceId);
                if (size == null) {
                    LOG.info("Removing {}: no volume {} exists", f, deviceId);
                    Files.delete(f);
                } else {
                    seen.add(deviceId);
                    if (Files.size(f) != size) {
                        LOG.info("Setting the length of {} to the volume's size {}", f, size);
                        resize(deviceId, size);
                    }
                }
            }
        }
        for (Map.Entry<String, Long> e : sizes.entrySet()) {
            if (!seen.contains(e.getKey())) {
                LOG.warn("The file of volume {} is missing; creating an empty one", e.getKey());
                create(e.getKey(), e.getValue());
            }
        }
    }
}
