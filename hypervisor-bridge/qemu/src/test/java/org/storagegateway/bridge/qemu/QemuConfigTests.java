package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuConfigTests {
    private static final Path RUN = Path.of("/tmp/vm-1");

    /** The value that follows {@code option}, for options that appear once. */
    private static String valueOf(List<String> args, String option) {
        int index = args.indexOf(option);
        assertThat(index).as("option %s present", option).isNotNegative();
        return args.get(index + 1);
    }

    private static List<String> valuesOf(List<String> args, String option) {
        return java.util.stream.IntStream.range(0, args.size() - 1)
                .filter(i -> args.get(i).equals(option)).mapToObj(i -> args.get(i + 1)).toList();
    }

    @Test
    void defaultsAreATcgQ35WithEightRootPortsScsiAndQmp() {
        List<String> args = QemuConfig.builder().build().commandLine(RUN);

        assertThat(args.get(0)).isEqualTo("qemu-system-x86_64");
        assertThat(valueOf(args, "-machine")).isEqualTo("q35,accel=tcg");
        assertThat(args).doesNotContain("-cpu", "-S", "-kernel");
        assertThat(valueOf(args, "-m")).isEqualTo("256");
        assertThat(args).contains("-nodefaults", "-nographic", "-no-reboot");
        assertThat(valueOf(args, "-qmp")).isEqualTo("unix:/tmp/vm-1/qmp.sock,server=on,wait=off");
        assertThat(valueOf(args, "-serial")).isEqualTo("chardev:console0");
        List<String> devices = valuesOf(args, "-device");
        assertThat(devices.stream().filter(d -> d.startsWith("pcie-root-port,"))).hasSize(8)
                .contains("pcie-root-port,id=rp0,chassis=1,bus=pcie.0", "pcie-root-port,id=rp7,chassis=8,bus=pcie.0");
        assertThat(devices).contains("virtio-scsi-pci,id=scsi0,bus=pcie.0");
        assertThat(devices).noneMatch(d -> d.startsWith("virtio-serial"));
    }

    @Test
    void kvmIsUsedOnlyWhenAskedFor() {
        List<String> args = QemuConfig.builder().kvm(true).build().commandLine(RUN);

        assertThat(valueOf(args, "-machine")).isEqualTo("q35,accel=kvm");
        assertThat(valueOf(args, "-cpu")).isEqualTo("host");
    }

    @Test
    void guestBootAgentChannelAndPausedStart() {
        QemuConfig config = QemuConfig.builder()
                .name("vm-a")
                .kernel(Path.of("/g/vmlinux"), Path.of("/g/initrd.gz"))
                .agentChannel("org.storagegateway.agent")
                .rootPorts(2)
                .scsiController(false)
                .startPaused(true)
                .extraArguments(List.of("-msg", "timestamp=on"))
                .build();
        List<String> args = config.commandLine(RUN);

        assertThat(valueOf(args, "-kernel")).isEqualTo("/g/vmlinux");
        assertThat(valueOf(args, "-initrd")).isEqualTo("/g/initrd.gz");
        assertThat(valueOf(args, "-append")).isEqualTo("console=ttyS0 quiet panic=-1");
        assertThat(valuesOf(args, "-device")).contains("virtio-serial-pci,id=vser0,bus=pcie.0",
                "virtserialport,bus=vser0.0,chardev=agent0,name=org.storagegateway.agent");
        assertThat(valuesOf(args, "-chardev")).contains("socket,id=agent0,path=/tmp/vm-1/agent.sock,server=on,wait=off");
        assertThat(valuesOf(args, "-device")).noneMatch(d -> d.startsWith("virtio-scsi"));
        assertThat(config.rootPortIds()).containsExactly("rp0", "rp1");
        assertThat(args).contains("-S");
        assertThat(args.subList(args.size() - 2, args.size())).containsExactly("-msg", "timestamp=on");
        assertThat(valueOf(args, "-name")).isEqualTo("vm-a,debug-threads=on");
    }

    @Test
    void commasInPathsAreDoubledInsideOptionLists() {
        List<String> args = QemuConfig.builder().agentChannel("a").build().commandLine(Path.of("/tmp/a,b"));

        assertThat(valueOf(args, "-qmp")).isEqualTo("unix:/tmp/a,,b/qmp.sock,server=on,wait=off");
        assertThat(valuesOf(args, "-chardev")).contains("file,id=console0,path=/tmp/a,,b/console.log");
    }

    @Test
    void rejectsValuesQemuWouldMisread() {
        assertThatThrownBy(() -> QemuConfig.builder().name("a,b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuConfig.builder().agentChannel("has space")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuConfig.builder().rootPorts(31)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuConfig.builder().memoryMiB(8)).isInstanceOf(IllegalArgumentException.class);
        assertThat(QemuConfig.builder().rootPorts(0).build().rootPortIds()).isEqualTo(Collections.emptyList());
    }
}
