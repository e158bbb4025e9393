package org.storagegateway.soap;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.jws.WebService;

import org.storagegateway.engine.GatewayOperations;
import org.storagegateway.engine.vm.VirtualMachineOperations;
import org.storagegateway.soap.contract.DeviceConfig;
import org.storagegateway.soap.contract.DirectKernelBoot;
import org.storagegateway.soap.contract.Driver;
import org.storagegateway.soap.contract.ExternalFault;
import org.storagegateway.soap.contract.Host;
import org.storagegateway.soap.contract.InsufficientResourcesFault;
import org.storagegateway.soap.contract.InternalFault;
import org.storagegateway.soap.contract.StorageGateway;
import org.storagegateway.soap.contract.StorageRepository;
import org.storagegateway.soap.contract.Task;
import org.storagegateway.soap.contract.UnsupportedFault;
import org.storagegateway.soap.contract.UserFault;
import org.storagegateway.soap.contract.VdiMapEntry;
import org.storagegateway.soap.contract.VirtualBlockDevice;
import org.storagegateway.soap.contract.VirtualDisk;
import org.storagegateway.soap.contract.VirtualDiskDatapath;
import org.storagegateway.soap.contract.VirtualMachine;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * The SOAP operations: each checks what the schema cannot, calls {@link GatewayOperations} and maps the result, or
 * turns the failure into the typed fault of its kind (see {@link Faults}).
 */
@WebService(
        serviceName = SoapServer.SERVICE_LOCAL_NAME,
        portName = SoapServer.PORT_LOCAL_NAME,
        targetNamespace = SoapServer.NAMESPACE,
        endpointInterface = "org.storagegateway.soap.contract.StorageGateway",
        wsdlLocation = SoapServer.WSDL_LOCATION)
final class StorageGatewayEndpoint implements StorageGateway {

    private final GatewayOperations operations;
    private final Optional<VirtualMachineOperations> virtualMachines;

    StorageGatewayEndpoint(GatewayOperations operations) {
        this(operations, Optional.empty());
    }

    StorageGatewayEndpoint(GatewayOperations operations, Optional<VirtualMachineOperations> virtualMachines) {
        this.operations = Objects.requireNonNull(operations, "operations is null");
        this.virtualMachines = Objects.requireNonNull(virtualMachines, "virtualMachines is null");
    }

    @Override
    public List<Driver> listDrivers()
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listDrivers", operations::listDrivers, all(ContractMapper::driver));
    }

    @Override
    public List<StorageRepository> listStorageRepositories()
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listStorageRepositories", operations::listStorageRepositories,
                all(ContractMapper::storageRepository));
    }

    @Override
    public StorageRepository createStorageRepository(
            String type, String nameLabel, DeviceConfig deviceConfig, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("createStorageRepository",
                () -> operations.createStorageRepository(required(type, "type"), required(nameLabel, "nameLabel"),
                        ContractMapper.deviceConfig(deviceConfig), ContractMapper.optional(idempotencyKey)),
                ContractMapper::storageRepository);
    }

    @Override
    public List<VirtualDisk> listVirtualDisks(String srUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listVirtualDisks", () -> operations.listVirtualDisks(required(srUuid, "srUuid")),
                all(ContractMapper::virtualDisk));
    }

    @Override
    public VirtualDisk getVirtualDisk(String vdiUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("getVirtualDisk", () -> operations.getVirtualDisk(required(vdiUuid, "vdiUuid")),
                ContractMapper::virtualDisk);
    }

    @Override
    public VirtualDisk createVirtualDisk(String srUuid, String nameLabel, long virtualSizeBytes, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("createVirtualDisk", () -> {
            if (virtualSizeBytes < 1) {
                throw new IllegalArgumentException("virtualSizeBytes must be at least 1: " + virtualSizeBytes);
            }
            return operations.createVirtualDisk(required(srUuid, "srUuid"), required(nameLabel, "nameLabel"),
                    virtualSizeBytes, ContractMapper.optional(idempotencyKey));
        }, ContractMapper::virtualDisk);
    }

    @Override
    public VirtualDisk cloneVirtualDisk(String vdiUuid, String nameLabel, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("cloneVirtualDisk", () -> operations.cloneVirtualDisk(required(vdiUuid, "vdiUuid"),
                required(nameLabel, "nameLabel"), ContractMapper.optional(idempotencyKey)),
                ContractMapper::virtualDisk);
    }

    @Override
    public VirtualDisk snapshotVirtualDisk(String vdiUuid, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("snapshotVirtualDisk", () -> operations.snapshotVirtualDisk(required(vdiUuid, "vdiUuid"),
                ContractMapper.optional(idempotencyKey)), ContractMapper::virtualDisk);
    }

    @Override
    public VirtualDisk resizeVirtualDisk(String vdiUuid, long virtualSizeBytes, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("resizeVirtualDisk", () -> {
            if (virtualSizeBytes < 1) {
                throw new IllegalArgumentException("virtualSizeBytes must be at least 1: " + virtualSizeBytes);
            }
            return operations.resizeVirtualDisk(required(vdiUuid, "vdiUuid"), virtualSizeBytes,
                    ContractMapper.optional(idempotencyKey));
        }, ContractMapper::virtualDisk);
    }

    @Override
    public Task deleteVirtualDisk(String vdiUuid, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("deleteVirtualDisk", () -> operations.deleteVirtualDisk(required(vdiUuid, "vdiUuid"),
                ContractMapper.optional(idempotencyKey)), ContractMapper::task);
    }

    @Override
    public Task getTask(String taskUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("getTask", () -> operations.getTask(required(taskUuid, "taskUuid")), ContractMapper::task);
    }

    @Override
    public Task cancelTask(String taskUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("cancelTask", () -> operations.cancelTask(required(taskUuid, "taskUuid")),
                ContractMapper::task);
    }

    // ---- storage-admin operations on the array behind an SR

    @Override
    public List<org.storagegateway.soap.contract.StorageSystem> listStorageSystems(String srUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listStorageSystems", () -> operations.listStorageSystems(required(srUuid, "srUuid")),
                all(ContractMapper::storageSystem));
    }

    @Override
    public List<org.storagegateway.soap.contract.StoragePool> listStoragePools(String srUuid, String systemId)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listStoragePools", () -> operations.listStoragePools(required(srUuid, "srUuid"),
                required(systemId, "systemId")), all(ContractMapper::storagePool));
    }

    @Override
    public List<org.storagegateway.soap.contract.Lun> listLuns(String srUuid, String poolId)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listLuns", () -> operations.listLuns(required(srUuid, "srUuid"), required(poolId, "poolId")),
                all(ContractMapper::lun));
    }

    @Override
    public List<org.storagegateway.soap.contract.TargetPort> listTargetPorts(String srUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listTargetPorts", () -> operations.listTargetPorts(required(srUuid, "srUuid")),
                all(ContractMapper::targetPort));
    }

    @Override
    public org.storagegateway.soap.contract.Lun createLun(String srUuid, String poolId, String name,
            long sizeBytes, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("createLun", () -> operations.createLun(required(srUuid, "srUuid"), required(poolId, "poolId"),
                required(name, "name"), sizeBytes, ContractMapper.optional(idempotencyKey)), ContractMapper::lun);
    }

    @Override
    public Task deleteLun(String srUuid, String lunId, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("deleteLun", () -> operations.deleteLun(required(srUuid, "srUuid"), required(lunId, "lunId"),
                ContractMapper.optional(idempotencyKey)), ContractMapper::task);
    }

    @Override
    public org.storagegateway.soap.contract.Lun resizeLun(String srUuid, String lunId, long sizeBytes,
            String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("resizeLun", () -> operations.resizeLun(required(srUuid, "srUuid"), required(lunId, "lunId"),
                sizeBytes, ContractMapper.optional(idempotencyKey)), ContractMapper::lun);
    }

    @Override
    public org.storagegateway.soap.contract.IscsiDatapath exposeLun(String srUuid, String lunId,
            String initiatorIqn, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("exposeLun", () -> operations.exposeLun(required(srUuid, "srUuid"), required(lunId, "lunId"),
                required(initiatorIqn, "initiatorIqn"), ContractMapper.optional(idempotencyKey)),
                ContractMapper::iscsiDatapath);
    }

    @Override
    public Task hideLun(String srUuid, String lunId, String initiatorIqn, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("hideLun", () -> operations.hideLun(required(srUuid, "srUuid"), required(lunId, "lunId"),
                required(initiatorIqn, "initiatorIqn"), ContractMapper.optional(idempotencyKey)),
                ContractMapper::task);
    }

    // ---- sr-probe

    @Override
    public List<org.storagegateway.soap.contract.ProbeEntry> probeStorageRepository(String type,
            DeviceConfig deviceConfig)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("probeStorageRepository", () -> operations.probeStorageRepository(required(type, "type"),
                ContractMapper.deviceConfig(deviceConfig)), all(ContractMapper::probeEntry));
    }

    // ---- VDI datapath, VM, VBD and migrate operations (the hypervisor bridge)

    @Override
    public VirtualDiskDatapath attachVirtualDisk(String vdiUuid, String hostUuid, Boolean readOnly)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("attachVirtualDisk", () -> vms().attachVirtualDisk(required(vdiUuid, "vdiUuid"),
                required(hostUuid, "hostUuid"), Boolean.TRUE.equals(readOnly)), VirtualMachineMapper::datapath);
    }

    @Override
    public VirtualDisk detachVirtualDisk(String vdiUuid, String hostUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("detachVirtualDisk", () -> {
            vms().detachVirtualDisk(required(vdiUuid, "vdiUuid"), required(hostUuid, "hostUuid"));
            return operations.getVirtualDisk(vdiUuid);
        }, ContractMapper::virtualDisk);
    }

    @Override
    public List<Host> listHosts()
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listHosts", () -> virtualMachines.map(VirtualMachineOperations::listHosts).orElse(List.of()),
                all(VirtualMachineMapper::host));
    }

    @Override
    public List<VirtualMachine> listVirtualMachines()
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("listVirtualMachines", () -> vms().listVirtualMachines(),
                all(VirtualMachineMapper::virtualMachine));
    }

    @Override
    public VirtualMachine getVirtualMachine(String vmUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("getVirtualMachine", () -> vms().getVirtualMachine(required(vmUuid, "vmUuid")),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualMachine createVirtualMachine(String nameLabel, int memoryMiB, int vcpus,
            DirectKernelBoot directKernelBoot, DeviceConfig platform)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("createVirtualMachine", () -> vms().createVirtualMachine(required(nameLabel, "nameLabel"),
                memoryMiB, vcpus, VirtualMachineMapper.boot(directKernelBoot), ContractMapper.deviceConfig(platform)),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualMachine destroyVirtualMachine(String vmUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("destroyVirtualMachine", () -> vms().destroyVirtualMachine(required(vmUuid, "vmUuid")),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualMachine startVirtualMachine(String vmUuid, String hostUuid, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("startVirtualMachine", () -> vms().startVirtualMachine(required(vmUuid, "vmUuid"),
                required(hostUuid, "hostUuid"), ContractMapper.optional(idempotencyKey)),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualMachine shutdownVirtualMachine(String vmUuid, Boolean hard, Integer timeoutSeconds)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("shutdownVirtualMachine", () -> vms().shutdownVirtualMachine(required(vmUuid, "vmUuid"),
                Boolean.TRUE.equals(hard), VirtualMachineMapper.seconds(timeoutSeconds, 60)),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualMachine pauseVirtualMachine(String vmUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("pauseVirtualMachine", () -> vms().pauseVirtualMachine(required(vmUuid, "vmUuid")),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualMachine unpauseVirtualMachine(String vmUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("unpauseVirtualMachine", () -> vms().unpauseVirtualMachine(required(vmUuid, "vmUuid")),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualBlockDevice destroyVirtualBlockDevice(String vbdUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("destroyVirtualBlockDevice", () -> vms().destroyVirtualBlockDevice(required(vbdUuid, "vbdUuid")),
                VirtualMachineMapper::virtualBlockDevice);
    }

    @Override
    public VirtualBlockDevice createVirtualBlockDevice(String vmUuid, String vdiUuid,
            org.storagegateway.soap.contract.VbdBus bus, Boolean readOnly)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("createVirtualBlockDevice", () -> vms().createVirtualBlockDevice(required(vmUuid, "vmUuid"),
                required(vdiUuid, "vdiUuid"), VirtualMachineMapper.bus(bus), Boolean.TRUE.equals(readOnly)),
                VirtualMachineMapper::virtualBlockDevice);
    }

    @Override
    public VirtualBlockDevice plugVirtualBlockDevice(String vbdUuid)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("plugVirtualBlockDevice", () -> vms().plugVirtualBlockDevice(required(vbdUuid, "vbdUuid")),
                VirtualMachineMapper::virtualBlockDevice);
    }

    @Override
    public VirtualBlockDevice unplugVirtualBlockDevice(String vbdUuid, Boolean force, Integer timeoutSeconds)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("unplugVirtualBlockDevice", () -> vms().unplugVirtualBlockDevice(required(vbdUuid, "vbdUuid"),
                Boolean.TRUE.equals(force), VirtualMachineMapper.seconds(timeoutSeconds, 30)),
                VirtualMachineMapper::virtualBlockDevice);
    }

    @Override
    public VirtualMachine snapshotVirtualMachine(String vmUuid, String nameLabel, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("snapshotVirtualMachine", () -> vms().snapshotVirtualMachine(required(vmUuid, "vmUuid"),
                required(nameLabel, "nameLabel"), ContractMapper.optional(idempotencyKey)),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public VirtualMachine cloneVirtualMachine(String vmUuid, String nameLabel, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("cloneVirtualMachine", () -> vms().cloneVirtualMachine(required(vmUuid, "vmUuid"),
                required(nameLabel, "nameLabel"), ContractMapper.optional(idempotencyKey)),
                VirtualMachineMapper::virtualMachine);
    }

    @Override
    public Task migrateVirtualMachine(String vmUuid, String hostUuid, Long downtimeLimitMs, Long maxBytesPerSecond,
            Integer timeoutSeconds, Boolean async, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("migrateVirtualMachine", () -> vms().migrateVirtualMachine(required(vmUuid, "vmUuid"),
                required(hostUuid, "hostUuid"),
                VirtualMachineMapper.migrationOptions(downtimeLimitMs, maxBytesPerSecond, timeoutSeconds),
                Boolean.TRUE.equals(async), ContractMapper.optional(idempotencyKey)), ContractMapper::task);
    }

    @Override
    public Task migrateSendVirtualMachine(String vmUuid, String hostUuid, List<VdiMapEntry> vdiMap,
            Long maxBytesPerSecond, Integer timeoutSeconds, Boolean async, String idempotencyKey)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        return call("migrateSendVirtualMachine", () -> vms().migrateSendVirtualMachine(required(vmUuid, "vmUuid"),
                required(hostUuid, "hostUuid"), VirtualMachineMapper.vdiMap(vdiMap),
                VirtualMachineMapper.migrationOptions(null, maxBytesPerSecond, timeoutSeconds),
                Boolean.TRUE.equals(async), ContractMapper.optional(idempotencyKey)), ContractMapper::task);
    }

    private VirtualMachineOperations vms() {
        return virtualMachines.orElseThrow(() -> new StorageException(StandardErrorCode.UNSUPPORTED_OPERATION,
                "This gateway drives no hypervisor host"));
    }

    /**
     * Run one operation: {@code engineCall} checks the request and calls the engine, and what it throws becomes the
     * typed fault of its kind; {@code toContract} maps the result, and what it throws is a gateway bug (an
     * InternalFault), never the caller's fault.
     */
    private static <R, T> T call(String operation, Supplier<R> engineCall, Function<? super R, T> toContract)
            throws InsufficientResourcesFault, ExternalFault, InternalFault, UserFault, UnsupportedFault {
        R result;
        try {
            result = engineCall.get();
        } catch (RuntimeException e) {
            throw Faults.raise(operation, e);
        }
        try {
            if (result == null) {
                throw new IllegalStateException("the engine returned null");
            }
            return Objects.requireNonNull(toContract.apply(result), "mapping returned null");
        } catch (RuntimeException e) {
            throw Faults.internal(operation, e);
        }
    }

    private static <R, T> Function<List<R>, List<T>> all(Function<? super R, T> mapper) {
        return list -> list.stream().<T>map(mapper).toList();
    }

    /**
     * Return a required request value. The schema requires it already; this guards calls that bypass validation.
     */
    private static String required(String value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
