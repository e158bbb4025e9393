package org.storagegateway.driver.nfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.storagegateway.nfs.Ganesha;
import org.storagegateway.nfs.GaneshaExtension;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CloneRequest;
import org.storagegateway.spi.model.CloneResult;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.testing.FakeDriverContext;
import org.storagegateway.vhd.IndependentTools;

/**
 * The {@code nfs} driver against a real nfs-ganesha on loopback: SRs created from XenServer's device-config land in
 * {@code <serverpath>/<sr-uuid>/} on the exported disk, and sr-probe lists the exports and the SRs on one, with typed
 * errors for what cannot be reached.
 */
@ExtendWith(GaneshaExtension.class)
class NfsSrDriverTests {
    private static final long MIB = 1L << 20;
    private static NfsSrDriverFactory driver;
    private static Ganesha ganesha;

    @BeforeAll
    static void activate(Ganesha server) {
        ganesha = server;
        driver = new NfsSrDriverFactory();
        driver.activate();
    }

    @AfterAll
    static void deactivate() {
        // The NFS transport is class-loader wide and is stopped by deactivate(): the last thing in this JVM.
        if (driver != null) {
            driver.deactivate();
        }
    }

    @Test
    void anSrCreatedWithServerAndServerPathIsAFolderOfVhdFilesOnTheExport() throws IOException {
        String srUuid = uuid();
        StorageRepository sr = open(srUuid, ganesha.localExport().toString());
        sr.create();
        sr.attach();
        String vdi = sr.createVdi(new CreateVdiRequest(uuid(), uuid(), 64 * MIB)).uuid();
        CloneResult clone = open(srUuid, ganesha.localExport().toString())
                .cloneVdi(new CloneRequest(uuid(), vdi, uuid(), uuid()));

        Path folder = ganesha.localExport().resolve(srUuid);
        assertThat(folder.resolve(vdi + ".vhd")).isRegularFile();
        assertThat(folder.resolve(clone.created().uuid() + ".vhd")).isRegularFile();
        assertThat(folder.resolve(clone.baseCopy().orElseThrow().uuid() + ".vhd")).isRegularFile();
        if (IndependentTools.qemuImgAvailable()) {
            assertThat(IndependentTools.qemuImgInfo(folder.resolve(clone.baseCopy().orElseThrow().uuid() + ".vhd")))
                    .isEqualTo(new IndependentTools.QemuInfo("vpc", 64 * MIB));
        }
        assertThat(open(srUuid, ganesha.localExport().toString()).scan()).hasSize(3);
    }

    @Test
    void aServerPathInsideAnExportHoldsTheSrsFolder() throws IOException {
        Path inside = Files.createDirectories(ganesha.localExport().resolve("nested").resolve("srs"));
        String srUuid = uuid();
        StorageRepository sr = open(srUuid, inside.toString() + "/");
        sr.create();
        sr.createVdi(new CreateVdiRequest(uuid(), uuid(), 4 * MIB));
        assertThat(inside.resolve(srUuid)).isDirectory();
        try (var files = Files.list(inside.resolve(srUuid))) {
            assertThat(files.toList()).hasSize(1);
        }
    }

    @Test
    void probeWithoutServerPathListsTheServersExports() {
        assertThat(driver.probe(Map.of("server", "127.0.0.1"), new FakeDriverContext()))
                .contains(new ProbeEntry(ProbeEntry.Kind.EXPORT, ganesha.localExport().toString(),
                        ganesha.localExport().toString(), Map.of("server", "127.0.0.1", "clients", "*")));
    }

    @Test
    void probeWithAServerPathListsTheSrsOnItWithTheirDiskCount() throws IOException {
        Path location = Files.createDirectories(ganesha.localExport().resolve("probed"));
        String srUuid = uuid();
        StorageRepository sr = open(srUuid, location.toString());
        sr.create();
        sr.createVdi(new CreateVdiRequest(uuid(), uuid(), 4 * MIB));
        sr.createVdi(new CreateVdiRequest(uuid(), uuid(), 4 * MIB));
        Files.createDirectories(location.resolve("not-an-sr"));

        assertThat(driver.probe(Map.of("server", "127.0.0.1", "serverpath", location.toString()),
                new FakeDriverContext()))
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.kind()).isEqualTo(ProbeEntry.Kind.STORAGE_REPOSITORY);
                    assertThat(entry.id()).isEqualTo(srUuid);
                    assertThat(entry.attributes()).containsEntry("vhd-count", "2").containsEntry("server", "127.0.0.1")
                            .containsEntry("serverpath", location.toString());
                });
    }

    @Test
    void aPathTheServerDoesNotExportIsATypedUserErrorThatNamesTheExports() {
        assertThatThrownBy(() -> open(uuid(), "/no/such/export").create())
                .isInstanceOfSatisfying(StorageException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(NfsErrorCode.NFS_EXPORT_NOT_FOUND);
                    assertThat(e.getMessage()).contains("/no/such/export", ganesha.localExport().toString());
                });
        assertThatThrownBy(() -> driver.probe(Map.of("server", "127.0.0.1", "serverpath", "/no/such/export"),
                new FakeDriverContext()))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(NfsErrorCode.NFS_EXPORT_NOT_FOUND));
    }

    @Test
    void anUnreachableServerIsATypedExternalError() {
        assertThatThrownBy(() -> driver.probe(Map.of("server", "no-such-server.invalid"), new FakeDriverContext()))
                .isInstanceOfSatisfying(StorageException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(NfsErrorCode.NFS_SERVER_UNREACHABLE);
                    assertThat(e.getMessage()).contains("no-such-server.invalid");
                });
        assertThatThrownBy(() -> driver.open(config(uuid(), Map.of("server", "no-such-server.invalid",
                "serverpath", "/srv")), new FakeDriverContext()))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(NfsErrorCode.NFS_SERVER_UNREACHABLE));
    }

    @Test
    void deviceConfigIsCheckedBeforeAnyCall() {
        assertThat(invalid(Map.of("serverpath", "/srv"))).contains("'server'");
        assertThat(invalid(Map.of("server", "127.0.0.1"))).contains("'serverpath' is required");
        assertThat(invalid(Map.of("server", "127.0.0.1", "serverpath", "srv"))).contains("must be absolute");
        assertThat(invalid(Map.of("server", "127.0.0.1", "serverpath", "/srv/../etc"))).contains("'..'");
        assertThat(invalid(Map.of("server", "127.0.0.1", "serverpath", "/srv", "nfsversion", "4")))
                .contains("NFSv3 only");
        assertThat(invalid(Map.of("server", "a b", "serverpath", "/srv"))).contains("host name or address");
    }

    @Test
    void theDescriptorOffersTheFileDriversCapabilitiesUnderTypeNfs() {
        assertThat(driver.descriptor().srType()).isEqualTo("nfs");
        assertThat(driver.descriptor().capabilities())
                .isEqualTo(new org.storagegateway.driver.file.FileSrDriverFactory().descriptor().capabilities());
        assertThat(driver.descriptor().configSchema()).extracting(k -> k.name())
                .containsExactly("server", "serverpath", "nfsversion", "headroom-bytes");
    }

    private static String invalid(Map<String, String> deviceConfig) {
        try {
            driver.open(config(uuid(), deviceConfig), new FakeDriverContext());
        } catch (StorageException e) {
            assertThat(e.errorCode()).isEqualTo(StandardErrorCode.INVALID_ARGUMENT);
            return e.getMessage();
        }
        throw new AssertionError("accepted " + deviceConfig);
    }

    private static StorageRepository open(String srUuid, String serverPath) {
        return driver.open(config(srUuid, Map.of("server", "127.0.0.1", "serverpath", serverPath, "nfsversion", "3")),
                new FakeDriverContext());
    }

    private static RepositoryConfig config(String srUuid, Map<String, String> deviceConfig) {
        return new RepositoryConfig(srUuid, "nfs test", deviceConfig);
    }

    private static String uuid() {
        return UUID.randomUUID().toString();
    }
}
