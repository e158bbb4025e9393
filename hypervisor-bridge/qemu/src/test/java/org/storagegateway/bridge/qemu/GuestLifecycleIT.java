package org.storagegateway.bridge.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.storagegateway.bridge.qemu.guest.GuestAgent;
import org.storagegateway.bridge.qemu.guest.TestGuest;

/** How a guest's end is told apart: an ACPI power-down the bridge asked for, and a guest powering itself off. */
class GuestLifecycleIT {
    private static TestGuest.Image guest;

    @BeforeAll
    static void needGuest() {
        guest = TestGuest.require();
    }

    @Test
    void systemPowerdownShutsTheGuestDownCleanly() {
        try (QemuVm vm = QemuVm.start(TestGuest.vm("life-acpi", guest).build());
             GuestAgent agent = GuestAgent.connect(vm.agentSocket().orElseThrow(), Duration.ofSeconds(90))) {
            agent.ping();
            long start = System.nanoTime();

            QemuExit exit = vm.powerdown(Duration.ofSeconds(30));

            System.out.printf("[figures] system_powerdown to QEMU exit: %.0f ms%n", (System.nanoTime() - start) / 1e6);
            assertThat(exit.reason()).isEqualTo(QemuExit.Reason.REQUESTED);
            assertThat(exit.shutdownReason()).isEqualTo("guest-shutdown");
            assertThat(exit.exitCode()).isZero();
            assertThat(ProcessHandle.of(vm.pid())).isEmpty();
        }
    }

    @Test
    void aGuestThatPowersItselfOffIsNotACrash() throws Exception {
        try (QemuVm vm = QemuVm.start(TestGuest.vm("life-self", guest).build());
             GuestAgent agent = GuestAgent.connect(vm.agentSocket().orElseThrow(), Duration.ofSeconds(90))) {
            agent.powerOff();

            QemuExit exit = vm.exitFuture().get(30, TimeUnit.SECONDS);

            assertThat(exit.reason()).isEqualTo(QemuExit.Reason.GUEST_POWEROFF);
            assertThat(exit.unexpected()).isFalse();
            assertThat(exit.exitCode()).isZero();
        }
    }
}
