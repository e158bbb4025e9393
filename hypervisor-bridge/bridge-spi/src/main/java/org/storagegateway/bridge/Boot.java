package org.storagegateway.bridge;

import java.util.Objects;

/** How a VM boots. */
public sealed interface Boot {

    /** From its disks, through the machine's firmware. */
    record Firmware() implements Boot {}

    /**
     * Direct kernel boot (XenAPI PV-style {@code PV_kernel}, {@code PV_ramdisk}, {@code PV_args}).
     *
     * @param kernel    host path of the kernel image
     * @param initrd    host path of the initial ramdisk, or null
     * @param arguments the kernel command line
     */
    record DirectKernel(String kernel, String initrd, String arguments) implements Boot {
        public DirectKernel {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(arguments, "arguments");
        }
    }
}
