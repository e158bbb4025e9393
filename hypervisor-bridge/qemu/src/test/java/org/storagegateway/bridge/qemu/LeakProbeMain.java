package org.storagegateway.bridge.qemu;

/**
 * Run in a child JVM by {@link QemuProcessIT}: starts a paused QEMU, prints its pid and run directory,
 * then waits to be killed.
 */
public final class LeakProbeMain {
    private LeakProbeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        QemuVm vm = QemuVm.start(QemuConfig.builder().name("leak-probe").startPaused(true).rootPorts(1).build());
        System.out.println("PID " + vm.pid() + " " + vm.runDirectory());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
