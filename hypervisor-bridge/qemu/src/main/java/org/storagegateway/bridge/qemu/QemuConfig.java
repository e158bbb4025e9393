package org.storagegateway.bridge.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a QEMU process looks like: a q35 machine with {@link #rootPorts()} empty {@code pcie-root-port}s
 * for disk hot-plug, an optional virtio-scsi controller, an optional virtio-serial agent channel,
 * the serial console in a log file and QMP on a unix socket. Built with {@link #builder()}.
 *
 * <p>The fixed device ids are part of the contract with {@link DiskHotplug}: root ports
 * {@code rp0..rp<n-1>}, SCSI controller {@value #SCSI_CONTROLLER_ID}, virtio-serial bus
 * {@value #SERIAL_BUS_ID}.
 */
public final class QemuConfig {
    public static final String DEFAULT_BINARY = "qemu-system-x86_64";
    public static final String ROOT_PORT_PREFIX = "rp";
    public static final String SCSI_CONTROLLER_ID = "scsi0";
    public static final String SERIAL_BUS_ID = "vser0";
    public static final String QMP_SOCKET = "qmp.sock";
    public static final String AGENT_SOCKET = "agent.sock";
    public static final String CONSOLE_LOG = "console.log";
    public static final String QEMU_LOG = "qemu.log";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern PORT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    /** How the guest CPUs run. TCG everywhere by default: KVM only when asked for. */
    public enum Accelerator { TCG, KVM }

    private final Path binary;
    private final String name;
    private final Accelerator accelerator;
    private final int memoryMiB;
    private final int cpus;
    private final int rootPorts;
    private final boolean scsiController;
    private final String agentChannel;
    private final Path kernel;
    private final Path initrd;
    private final String kernelArguments;
    private final boolean startPaused;
    private final boolean incoming;
    private final Path runDirectory;
    private final List<String> extraArguments;
    private final Duration startTimeout;
    private final Duration commandTimeout;

    private QemuConfig(Builder b) {
        this.binary = b.binary;
        this.name = b.name;
        this.accelerator = b.accelerator;
        this.memoryMiB = b.memoryMiB;
        this.cpus = b.cpus;
        this.rootPorts = b.rootPorts;
        this.scsiController = b.scsiController;
        this.agentChannel = b.agentChannel;
        this.kernel = b.kernel;
        this.initrd = b.initrd;
        this.kernelArguments = b.kernelArguments;
        this.startPaused = b.startPaused;
        this.incoming = b.incoming;
        this.runDirectory = b.runDirectory;
        this.extraArguments = List.copyOf(b.extraArguments);
        this.startTimeout = b.startTimeout;
        this.commandTimeout = b.commandTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@value #DEFAULT_BINARY} from the PATH, if there is one. */
    public static Optional<Path> findDefaultBinary() {
        return ProcessLauncher.findOnPath(DEFAULT_BINARY);
    }

    /**
     * The QEMU argument vector (binary first) for a process whose sockets and logs live in {@code runDirectory}.
     */
    public List<String> commandLine(Path runDirectory) {
        List<String> args = new ArrayList<>();
        args.add(binary.toString());
        args.addAll(List.of("-name", name + ",debug-threads=on"));
        args.addAll(List.of("-machine", "q35,accel=" + (accelerator == Accelerator.KVM ? "kvm" : "tcg")));
        if (accelerator == Accelerator.KVM) {
            args.addAll(List.of("-cpu", "host"));
        }
        args.addAll(List.of("-m", Integer.toString(memoryMiB), "-smp", Integer.toString(cpus)));
        args.addAll(List.of("-nodefaults", "-no-user-config", "-nographic", "-no-reboot"));
        args.addAll(List.of("-qmp", "unix:" + optionValue(runDirectory.resolve(QMP_SOCKET)) + ",server=on,wait=off"));
        args.addAll(List.of("-chardev", "file,id=console0,path=" + optionValue(runDirectory.resolve(CONSOLE_LOG)), "-serial", "chardev:console0"));
        for (int i = 0; i < rootPorts; i++) {
            // One port per hot-pluggable disk; q35 cannot hot-plug into pcie.0 itself.
            args.addAll(List.of("-device", "pcie-root-port,id=" + ROOT_PORT_PREFIX + i + ",chassis=" + (i + 1) + ",bus=pcie.0"));
        }
        if (scsiController) {
            args.addAll(List.of("-device", "virtio-scsi-pci,id=" + SCSI_CONTROLLER_ID + ",bus=pcie.0"));
        }
        if (agentChannel != null) {
            args.addAll(List.of("-device", "virtio-serial-pci,id=" + SERIAL_BUS_ID + ",bus=pcie.0"));
            args.addAll(List.of("-chardev", "socket,id=agent0,path=" + optionValue(runDirectory.resolve(AGENT_SOCKET)) + ",server=on,wait=off"));
            args.addAll(List.of("-device", "virtserialport,bus=" + SERIAL_BUS_ID + ".0,chardev=agent0,name=" + agentChannel));
        }
        if (kernel != null) {
            args.addAll(List.of("-kernel", kernel.toString()));
            if (initrd != null) {
                args.addAll(List.of("-initrd", initrd.toString()));
            }
            args.addAll(List.of("-append", kernelArguments));
        }
        if (startPaused || incoming) {
            args.add("-S");
        }
        if (incoming) {
            // The destination of a live migration: wait for migrate-incoming, which names the channel.
            args.addAll(List.of("-incoming", "defer"));
        }
        args.addAll(extraArguments);
        return args;
    }

    /** A value inside a QEMU option list, where a comma is written as two. */
    private static String optionValue(Path path) {
        return path.toString().replace(",", ",,");
    }

    /** Ids of the hot-plug root ports, in allocation order. */
    public List<String> rootPortIds() {
        List<String> ids = new ArrayList<>(rootPorts);
        for (int i = 0; i < rootPorts; i++) {
            ids.add(ROOT_PORT_PREFIX + i);
        }
        return ids;
    }

    public Path binary() { return binary; }
    public String name() { return name; }
    public Accelerator accelerator() { return accelerator; }
    public int memoryMiB() { return memoryMiB; }
    public int cpus() { return cpus; }
    public int rootPorts() { return rootPorts; }
    public boolean scsiController() { return scsiController; }
    /** The virtio-serial port name of the guest agent channel, if the machine has one. */
    public Optional<String> agentChannel() { return Optional.ofNullable(agentChannel); }
    public Optional<Path> kernel() { return Optional.ofNullable(kernel); }
    public Optional<Path> initrd() { return Optional.ofNullable(initrd); }
    public String kernelArguments() { return kernelArguments; }
    public boolean startPaused() { return startPaused; }
    /** Whether the process waits for an incoming migration ({@code -incoming defer}, CPUs stopped). */
    public boolean incoming() { return incoming; }
    /** The directory given to the builder; empty means a fresh temporary one per process, deleted on close. */
    public Optional<Path> runDirectory() { return Optional.ofNullable(runDirectory); }
    public List<String> extraArguments() { return extraArguments; }
    public Duration startTimeout() { return startTimeout; }
    public Duration commandTimeout() { return commandTimeout; }

    public static final class Builder {
        private Path binary = Path.of(DEFAULT_BINARY);
        private String name = "guest";
        private Accelerator accelerator = Accelerator.TCG;
        private int memoryMiB = 256;
        private int cpus = 1;
        private int rootPorts = 8;
        private boolean scsiController = true;
        private String agentChannel;
        private Path kernel;
        private Path initrd;
        private String kernelArguments = "console=ttyS0 quiet panic=-1";
        private boolean startPaused;
        private boolean incoming;
        private Path runDirectory;
        private final List<String> extraArguments = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(20);
        private Duration commandTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** The QEMU binary; a bare name is looked up on the PATH. Default {@value QemuConfig#DEFAULT_BINARY}. */
        public Builder binary(Path binary) {
            this.binary = Objects.requireNonNull(binary, "binary");
            return this;
        }

        /** The VM name (QEMU {@code -name}, thread names, temporary directory prefix). */
        public Builder name(String name) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("VM name must match " + NAME + ": " + name);
            }
            this.name = name;
            return this;
        }

        public Builder accelerator(Accelerator accelerator) {
            this.accelerator = Objects.requireNonNull(accelerator, "accelerator");
            return this;
        }

        /** Shorthand for {@code accelerator(useKvm ? KVM : TCG)}. */
        public Builder kvm(boolean useKvm) {
            return accelerator(useKvm ? Accelerator.KVM : Accelerator.TCG);
        }

        public Builder memoryMiB(int memoryMiB) {
            if (memoryMiB < 16) {
                throw new IllegalArgumentException("memory must be at least 16 MiB: " + memoryMiB);
            }
            this.memoryMiB = memoryMiB;
            return this;
        }

        public Builder cpus(int cpus) {
            if (cpus < 1) {
                throw new IllegalArgumentException("cpus must be positive: " + cpus);
            }
            this.cpus = cpus;
            return this;
        }

        /** Number of empty PCIe root ports, one per hot-pluggable virtio-blk disk (0..30). Default 8. */
        public Builder rootPorts(int rootPorts) {
            if (rootPorts < 0 || rootPorts > 30) {
                throw new IllegalArgumentException("root ports must be within 0..30: " + rootPorts);
            }
            this.rootPorts = rootPorts;
            return this;
        }

        /** Whether the machine has a virtio-scsi controller for SCSI disks. Default true. */
        public Builder scsiController(boolean scsiController) {
            this.scsiController = scsiController;
            return this;
        }

        /** Adds a virtio-serial port with this name, backed by the unix socket {@value QemuConfig#AGENT_SOCKET}. */
        public Builder agentChannel(String portName) {
            if (portName != null && !PORT_NAME.matcher(portName).matches()) {
                throw new IllegalArgumentException("port name must match " + PORT_NAME + ": " + portName);
            }
            this.agentChannel = portName;
            return this;
        }

        /** Direct kernel boot. The kernel may be a bzImage or an uncompressed ELF vmlinux (booted through PVH). */
        public Builder kernel(Path kernel, Path initrd) {
            this.kernel = Objects.requireNonNull(kernel, "kernel");
            this.initrd = initrd;
            return this;
        }

        /** Kernel command line. Default {@code console=ttyS0 quiet panic=-1}. */
        public Builder kernelArguments(String kernelArguments) {
            this.kernelArguments = Objects.requireNonNull(kernelArguments, "kernelArguments");
            return this;
        }

        /** Start with the CPUs stopped ({@code -S}); QMP {@code cont} starts them. */
        public Builder startPaused(boolean startPaused) {
            this.startPaused = startPaused;
            return this;
        }

        /**
         * Makes the process the destination of a live migration: {@code -incoming defer} with the CPUs
         * stopped. Give it the source's devices, then QMP {@code migrate-incoming}.
         */
        public Builder incoming(boolean incoming) {
            this.incoming = incoming;
            return this;
        }

        /**
         * Keeps sockets and logs in this directory (kept after close). Unix socket paths are limited to
         * 107 bytes, so keep it short. Default: a fresh directory under the temporary directory.
         */
        public Builder runDirectory(Path runDirectory) {
            this.runDirectory = runDirectory;
            return this;
        }

        /** More arguments, appended after the generated ones. */
        public Builder extraArguments(List<String> arguments) {
            this.extraArguments.addAll(arguments);
            return this;
        }

        /** How long QEMU may take to open its QMP socket. Default 20 s. */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
            return this;
        }

        /** Reply timeout of QMP commands issued without an explicit timeout. Default 30 s. */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
            return this;
        }

        public QemuConfig build() {
            if (initrd != null && kernel == null) {
                throw new IllegalArgumentException("an initrd needs a kernel");
            }
            return new QemuConfig(this);
        }
    }
}
