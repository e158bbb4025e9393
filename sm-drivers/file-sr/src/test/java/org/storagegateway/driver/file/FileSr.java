package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.spi.testing.FakeDriverContext;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdChain;

/**
 * A file SR in a temporary folder, opened the way the host opens it: one fresh view per call, one factory (and so one
 * lock per SR) for the whole test. Also reads and writes VDI content through the VHD library, as tapdisk would.
 */
final class FileSr {
    static final long MIB = 1024L * 1024;
    static final long GIB = 1024 * MIB;

    final FileSrDriverFactory factory = new FileSrDriverFactory();
    final FakeDriverContext context = new FakeDriverContext();
    final Path location;
    final String srUuid;

    private FileSr(Path location, String srUuid) {
        this.location = location;
        this.srUuid = srUuid;
    }

    /** Open an SR under {@code location} and run create and attach on it. */
    static FileSr created(Path location) {
        FileSr sr = new FileSr(location, newUuid());
        sr.view().create();
        sr.view().attach();
        return sr;
    }

    /** The SR without create: its folder does not exist yet. */
    static FileSr notCreated(Path location) {
        return new FileSr(location, newUuid());
    }

    static String newUuid() {
        return UUID.randomUUID().toString();
    }

    /** A fresh view, as the host opens one per call. */
    StorageRepository view() {
        return view(context);
    }

    /** A fresh view with its own host context. */
    StorageRepository view(FakeDriverContext callContext) {
        return factory.open(new RepositoryConfig(srUuid, "name", Map.of("path", location.toString())), callContext);
    }

    Path folder() {
        return location.resolve(srUuid);
    }

    Path file(String vdiUuid) {
        return folder().resolve(vdiUuid + ".vhd");
    }

    VdiInfo createVdi(long size) {
        return view().createVdi(new CreateVdiRequest(newUuid(), newUuid(), size));
    }

    static CloneRequest copyOf(String sourceUuid) {
        return new CloneRequest(newUuid(), sourceUuid, newUuid(), newUuid());
    }

    /** The names of all entries of the SR folder. */
    SortedSet<String> listing() {
        try (Stream<Path> entries = Files.list(folder())) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, VdiInfo> scanByUuid() {
        return view().scan().stream().collect(Collectors.toMap(VdiInfo::uuid, v -> v));
    }

    /** Write {@code data} at {@code offset} of the VDI, through its whole chain. */
    void write(String vdiUuid, long offset, byte[] data) {
        try (VhdChain chain = VhdChain.open(file(vdiUuid), OpenMode.READ_WRITE)) {
            chain.write(offset, data, 0, data.length);
            chain.flush();
        }
    }

    /** Read the whole virtual disk of the VDI through its chain. */
    byte[] read(String vdiUuid) {
        try (VhdChain chain = VhdChain.open(file(vdiUuid), OpenMode.READ_ONLY)) {
            byte[] all = new byte[Math.toIntExact(chain.virtualSize())];
            chain.read(0, all, 0, all.length);
            return all;
        }
    }

    static int depth(Path leaf) {
        return VhdChain.depth(leaf);
    }

    /** Deterministic non-zero bytes. */
    static byte[] pattern(int length, long seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                data[i] = 1;
            }
        }
        return data;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Run {@code call}, expect a {@link StorageException} with {@code code}, and return it. */
    static StorageException failure(ErrorCode code, ThrowingCallable call) {
        StorageException e = catchThrowableOfType(StorageException.class, call);
        assertThat(e).as("a StorageException is thrown").isNotNull();
        assertThat(e.errorCode()).as("error code of: %s", e.getMessage()).isEqualTo(code);
        return e;
    }
}
