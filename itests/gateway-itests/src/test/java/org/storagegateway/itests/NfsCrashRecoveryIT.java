package org.storagegateway.itests;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.provider.Arguments;
import org.storagegateway.nfs.Ganesha;
import org.storagegateway.nfs.GaneshaExtension;
import org.storagegateway.nfs.Nfs3FileSystem;

/**
 * {@link CrashRecoveryIT} on an {@code nfs} SR on nfs-ganesha: the gateway is killed at one crash point of each
 * operation while its driver works over NFS, restarted, and checked the same way on the exported disk. The data is
 * written through NFS too.
 */
@ExtendWith(GaneshaExtension.class)
class NfsCrashRecoveryIT extends CrashRecoveryIT {
    private static Ganesha ganesha;
    private static Nfs3FileSystem nfs;

    /**
     * One crash point inside the storage steps of create, clone, snapshot, delete and coalesce (the whole matrix runs
     * on the file SR; the driver code is the same, so this checks what NFS changes: the steps' durability and the
     * files, such as the staging file a create leaves on the export).
     */
    static Stream<Arguments> crashPoints() {
        return Stream.of(
                Arguments.of(Operation.CREATE, "file.create.staged"),
                Arguments.of(Operation.CLONE, "file.copy.leaf-replaced"),
                Arguments.of(Operation.SNAPSHOT, "file.copy.child-created"),
                Arguments.of(Operation.DELETE, "file.delete.unlinked"),
                Arguments.of(Operation.COALESCE_LEAF, "file.gc.merged"));
    }

    @BeforeAll
    static void mount(Ganesha server, Nfs3FileSystem export) {
        ganesha = server;
        nfs = export;
    }

    @Override
    String storageRepository(ZeepClient zeep) throws Exception {
        return zeep.call("createStorageRepository", Map.of("type", "nfs", "nameLabel", "NFS crash test",
                "deviceConfig", Map.of("server", "127.0.0.1", "serverpath", ganesha.localExport().toString())))
                .get("uuid").asText();
    }

    @Override
    Path srFolder(Path home, String srUuid) {
        return ganesha.localExport().resolve(srUuid);
    }

    @Override
    Path vhdToWrite(Path home, String srUuid, String vdiUuid) {
        return nfs.getPath("/", srUuid, vdiUuid + ".vhd");
    }
}
