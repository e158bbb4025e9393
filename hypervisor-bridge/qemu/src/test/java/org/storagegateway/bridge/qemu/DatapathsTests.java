package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.BridgeException;
import org.storagegateway.spi.model.Datapath;

/** The storage drivers' datapath descriptors, as QEMU block nodes. */
class DatapathsTests {
    private static final String IQN = "iqn.2026-11.org.storagegateway:host-1";

    @Test
    void aLocalFileIsAFileNode() {
        DiskSource source = Datapaths.toDiskSource(new Datapath.LocalFile("/srv/sr/vdi.raw"), IQN);
        assertThat(source).isEqualTo(new DiskSource.File(Path.of("/srv/sr/vdi.raw")));
        assertThat(DiskHotplug.protocolNodeOptions(source, "n-proto", false))
                .containsEntry("driver", "file").containsEntry("filename", "/srv/sr/vdi.raw").containsEntry("read-only", false);
    }

    @Test
    void anNbdUriNamesTheExportAndTheUnixSocket() {
        DiskSource source = Datapaths.toDiskSource(new Datapath.Nbd("nbd+unix:///vdi-42?socket=/run/sg/nbd/sr1.sock"), IQN);
        assertThat(source).isEqualTo(new DiskSource.Nbd(Path.of("/run/sg/nbd/sr1.sock"), "vdi-42"));
        assertThat(DiskHotplug.protocolNodeOptions(source, "n-proto", true))
                .containsEntry("driver", "nbd").containsEntry("export", "vdi-42")
                .containsEntry("server", Map.of("type", "unix", "path", "/run/sg/nbd/sr1.sock"))
                .containsEntry("read-only", true);
    }

    @Test
    void anNbdUriWithoutExportOrSocketIsRefused() {
        for (String uri : new String[] {"nbd+unix:///?socket=/run/x.sock", "nbd+unix:///vdi", "nbd+unix:///vdi?socket="}) {
            assertThatThrownBy(() -> Datapaths.toDiskSource(new Datapath.Nbd(uri), IQN))
                    .isInstanceOfSatisfying(BridgeException.class, e -> assertThat(e.error()).isEqualTo(BridgeError.INVALID_ARGUMENT));
        }
    }

    @Test
    void anIscsiLunGoesToQemusOwnInitiatorWithTheHostsIqn() {
        DiskSource source = Datapaths.toDiskSource(new Datapath.Iscsi("127.0.0.1:3260", "iqn.2026-11.org.example:t1", 1), IQN);
        assertThat(DiskHotplug.protocolNodeOptions(source, "n-proto", false))
                .containsEntry("driver", "iscsi").containsEntry("transport", "tcp").containsEntry("portal", "127.0.0.1:3260")
                .containsEntry("target", "iqn.2026-11.org.example:t1").containsEntry("lun", 1)
                .containsEntry("initiator-name", IQN);
    }
}
