package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DiskSpecTests {

    @Test
    void nodeNamesDeriveFromTheDeviceIdAndFitQemusLimit() {
        DiskSpec spec = DiskSpec.rawFile("vbd-0123456789abcdef0123", Path.of("/srv/disk.raw"));

        assertThat(spec.protocolNode()).isEqualTo("vbd-0123456789abcdef0123-proto");
        assertThat(spec.formatNode()).isEqualTo("vbd-0123456789abcdef0123-fmt");
        assertThat(spec.protocolNode()).hasSizeLessThanOrEqualTo(31);
        assertThat(spec.bus()).isEqualTo(DiskBus.VIRTIO_BLK);
        assertThat(spec.format()).isEqualTo(DiskFormat.RAW);
        assertThat(spec.readOnly()).isFalse();
    }

    @Test
    void withersChangeOneThing() {
        DiskSpec spec = DiskSpec.rawFile("d1", Path.of("relative.raw"))
                .onBus(DiskBus.SCSI).withFormat(DiskFormat.QCOW2).withReadOnly(true).withSerial("SER-1");

        assertThat(spec).isEqualTo(new DiskSpec("d1", new DiskSource.File(Path.of("relative.raw").toAbsolutePath()),
                DiskFormat.QCOW2, DiskBus.SCSI, true, "SER-1"));
        assertThat(((DiskSource.File) spec.source()).path()).isAbsolute();
        assertThat(spec.withSource(new DiskSource.Nbd(Path.of("/run/n.sock"), "vdi")).source())
                .isEqualTo(new DiskSource.Nbd(Path.of("/run/n.sock"), "vdi"));
    }

    @Test
    void rejectsIdsAndSerialsQemuOrTheGuestWouldMangle() {
        Path file = Path.of("/d.raw");
        assertThatThrownBy(() -> DiskSpec.rawFile("1starts-with-digit", file)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DiskSpec.rawFile("has space", file)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DiskSpec.rawFile("x".repeat(25), file)).isInstanceOf(IllegalArgumentException.class);
        assertThat(DiskSpec.rawFile("x".repeat(24), file).id()).hasSize(24);
        assertThatThrownBy(() -> DiskSpec.rawFile("d", file).withSerial("x".repeat(21))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DiskSpec.rawFile("d", file).withSerial("a:b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DiskSpec.rawFile("d", file).withSerial("")).isInstanceOf(IllegalArgumentException.class);
    }
}
