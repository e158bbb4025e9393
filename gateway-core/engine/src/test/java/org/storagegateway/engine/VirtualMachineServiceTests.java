package org.storagegateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.bridge.Boot;
import org.storagegateway.bridge.BridgeError;
import org.storagegateway.bridge.VbdBus;
import org.storagegateway.bridge.VmPowerState;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.TaskState;
import org.storagegateway.engine.vm.VirtualMachineService;
import org.storagegateway.engine.vm.VirtualMachineView;
import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * The VM service's records and typed faults, without a hypervisor: what needs a running VM is covered end to end by
 * the itests' VmScenariosIT.
 */
class VirtualMachineServiceTests {
    private static final String UNKNOWN = "00000000-0000-4000-8000-000000000000";

    private final InMemoryGatewayStore store = new InMemoryGatewayStore();
    private GatewayEngine engine;
    private VirtualMachineService vms;

    @TempDir
    Path folder;

    @BeforeEach
    void start() {
        engine = new GatewayEngine(store, new FakeDriverRegistry(), Clock.systemUTC());
        engine.start();
        vms = engine.virtualMachines(List.of());
    }

    @AfterEach
    void stop() {
        vms.close();
        engine.close();
    }

    @Test
    void aCreatedVmIsAHaltedRecordWithItsBootAndPlatform() throws Exception {
        Path kernel = Files.writeString(folder.resolve("vmlinux"), "k");
        VirtualMachineView vm = vms.createVirtualMachine("web", 256, 1,
                Optional.of(new Boot.DirectKernel(kernel.toString(), null, "console=ttyS0")), Map.of("k", "v"));
        assertThat(vm.powerState()).isEqualTo(VmPowerState.HALTED);
        assertThat(vm.residentOn()).isEmpty();
        assertThat(vm.platform()).containsExactly(Map.entry("k", "v"));
        assertThat(vms.listVirtualMachines()).extracting(VirtualMachineView::uuid).containsExactly(vm.uuid());
        assertThat(vms.destroyVirtualMachine(vm.uuid()).uuid()).isEqualTo(vm.uuid());
        assertThat(vms.listVirtualMachines()).isEmpty();
    }

    @Test
    void badRecordsAreInvalidArguments() {
        assertCode(() -> vms.createVirtualMachine("tiny", 8, 1, Optional.empty(), Map.of()),
                BridgeError.INVALID_ARGUMENT);
        assertCode(() -> vms.createVirtualMachine("x", 256, 1,
                Optional.of(new Boot.DirectKernel("relative/vmlinux", null, "")), Map.of()),
                BridgeError.INVALID_ARGUMENT);
        assertCode(() -> vms.createVirtualMachine("x", 256, 1,
                Optional.of(new Boot.DirectKernel(folder.resolve("missing").toString(), null, "")), Map.of()),
                BridgeError.INVALID_ARGUMENT);
    }

    @Test
    void unknownVmsVbdsHostsAndVdisHaveTheirOwnCodes() {
        String vm = vms.createVirtualMachine("vm", 64, 1, Optional.empty(), Map.of()).uuid();
        assertCode(() -> vms.getVirtualMachine(UNKNOWN), BridgeError.HANDLE_INVALID);
        assertCode(() -> vms.plugVirtualBlockDevice(UNKNOWN), BridgeError.HANDLE_INVALID);
        assertCode(() -> vms.startVirtualMachine(vm, UNKNOWN, Optional.empty()), BridgeError.HANDLE_INVALID);
        assertCode(() -> vms.attachVirtualDisk(UNKNOWN, UNKNOWN, false), BridgeError.HANDLE_INVALID);
        assertCode(() -> vms.createVirtualBlockDevice(vm, UNKNOWN, VbdBus.VIRTIO, false),
                StandardErrorCode.VDI_NOT_FOUND);
    }

    @Test
    void powerStateChecksComeBeforeAnyWork() {
        String vm = vms.createVirtualMachine("vm", 64, 1, Optional.empty(), Map.of()).uuid();
        assertCode(() -> vms.shutdownVirtualMachine(vm, true, Duration.ofSeconds(1)), BridgeError.VM_BAD_POWER_STATE);
        assertCode(() -> vms.migrateVirtualMachine(vm, UNKNOWN, org.storagegateway.bridge.MigrationOptions.DEFAULTS,
                false, Optional.empty()), BridgeError.VM_BAD_POWER_STATE);
        assertCode(() -> vms.migrateSendVirtualMachine(vm, UNKNOWN, Map.of(),
                org.storagegateway.bridge.MigrationOptions.DEFAULTS, false, Optional.empty()),
                BridgeError.VM_BAD_POWER_STATE);
    }

    @Test
    void vmTasksAProcessLeftRunningAreRolledBackAtTheNextStart() {
        engine.close();
        TaskRecord left = TaskRecord.pending(UUID.randomUUID().toString(), VirtualMachineService.VM_START,
                "gateway:" + UUID.randomUUID(), "f", Optional.of(UNKNOWN), Optional.empty(), Instant.now())
                .withState(TaskState.RUNNING);
        store.useTransaction(tx -> tx.tasks().save(left));

        engine = new GatewayEngine(store, new FakeDriverRegistry(), Clock.systemUTC());
        engine.start();

        TaskRecord after = store.inTransaction(tx -> tx.tasks().find(left.uuid())).orElseThrow();
        assertThat(after.state()).isEqualTo(TaskState.INTERRUPTED);
        assertThat(after.resolution()).contains(TaskRecord.Resolution.ROLLED_BACK.name());
    }

    private static void assertCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode expected) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StorageException.class, e -> {
            assertThat(e.errorCode().code()).isEqualTo(expected.code());
            assertThat(e.errorCode().name()).isEqualTo(expected.name());
        });
    }
}
