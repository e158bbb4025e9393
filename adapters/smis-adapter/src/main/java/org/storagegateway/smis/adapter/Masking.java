package org.storagegateway.smis.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMInstance;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.storagegateway.smis.adapter.ArrayObjects.StorageSystem;
import org.storagegateway.smis.adapter.ArrayObjects.Volume;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.TaskMonitor;
import org.storagegateway.spi.model.Datapath;

/**
 * Masking and Mapping (reference §3.5, §3.8, §3.9): exposes a volume to one host initiator with ExposePaths,
 * through the initiator's own view (SCSIProtocolController) if it has one, creating its storage hardware ID first
 * when the array does not know it; hides it with HidePaths. The datapath is read back from the array: the view's
 * Name is the iSCSI target's IQN, the unit's DeviceNumber (hexadecimal) the LUN, and the portal comes from the
 * iSCSI target port bound to its TCP and IP endpoints.
 */
final class Masking {
    static final long ID_TYPE_ISCSI_NAME = 5;
    static final long RC_ID_ALREADY_CREATED = 4096;
    static final int READ_WRITE = 2;
    static final int READ_ONLY = 3;

    private final CimConnection cim;
    private final SmisArray array;

    Masking(SmisArray array) {
        this.array = array;
        this.cim = array.connection();
    }

    /** An iSCSI target port of the array: its endpoint Name and its portal ({@code address:port}). */
    record TargetPort(String name, String portal) {
    }

    /** Expose the volume to the initiator (idempotent) and return how the initiator reaches it. */
    Datapath.Iscsi expose(StorageSystem system, Volume volume, String initiatorIqn, boolean readOnly, Jobs jobs,
                          TaskMonitor monitor) {
        CIMObjectPath hardwareId = hardwareId(system, initiatorIqn).orElseGet(() -> createHardwareId(system,
                initiatorIqn));
        Optional<CIMObjectPath> view = viewOf(hardwareId);
        if (view.isEmpty() || unit(view.get(), volume).isEmpty()) {
            List<CIMArgument<?>> in = new ArrayList<>();
            in.add(new CIMArgument<>("LUNames", CIMDataType.STRING_ARRAY_T, new String[] {volume.naaName()}));
            in.add(new CIMArgument<>("DeviceAccesses", CIMDataType.UINT16_ARRAY_T,
                    new UnsignedInteger16[] {new UnsignedInteger16(readOnly ? READ_ONLY : READ_WRITE)}));
            if (view.isPresent()) {
                in.add(new CIMArgument<>("ProtocolControllers", new CIMDataType("CIM_ProtocolController", 0),
                        new CIMObjectPath[] {view.get()}));
            } else {
                in.add(new CIMArgument<>("InitiatorPortIDs", CIMDataType.STRING_ARRAY_T,
                        new String[] {initiatorIqn}));
            }
            jobs.run(array.service(system, "CIM_ControllerConfigurationService"), "ExposePaths", monitor,
                    "expose volume " + volume.elementName() + " to " + initiatorIqn, in.toArray(new CIMArgument<?>[0]));
            view = viewOf(hardwareId);
        }
        CIMObjectPath spc = view.orElseThrow(() -> new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                "The array exposed volume " + volume.elementName() + " but shows no view for " + initiatorIqn));
        CIMInstance unit = unit(spc, volume).orElseThrow(() -> new StorageException(
                StandardErrorCode.UNRECOGNIZED_STATE, "The array exposed volume " + volume.elementName()
                + " but does not map it in its view"));
        int lun = lun(unit);
        CIMInstance controller = cim.getInstance(spc, "Name", "NameFormat").orElseThrow(() -> new StorageException(
                StandardErrorCode.STORAGE_FAILURE, "The view of " + initiatorIqn + " vanished"));
        String targetIqn = CimValues.text(controller, "Name");
        List<TargetPort> ports = new ArrayList<>();
        for (CIMInstance endpoint : cim.associators(spc, "CIM_SAPAvailableForElement", "CIM_iSCSIProtocolEndpoint",
                "Name", "Role")) {
            portOf(endpoint).ifPresent(ports::add);
        }
        if (ports.isEmpty()) {
            throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, "The view of " + initiatorIqn
                    + " has no iSCSI target port with an IP address");
        }
        return new Datapath.Iscsi(ports.get(0).portal(), targetIqn, lun);
    }

    /** Hide the volume from the initiator; nothing to do when it is not exposed to it. */
    void hide(StorageSystem system, Volume volume, String initiatorIqn, Jobs jobs, TaskMonitor monitor) {
        Optional<CIMObjectPath> hardwareId = hardwareId(system, initiatorIqn);
        Optional<CIMObjectPath> view = hardwareId.flatMap(this::viewOf);
        if (view.isEmpty() || unit(view.get(), volume).isEmpty()) {
            return;
        }
        jobs.run(array.service(system, "CIM_ControllerConfigurationService"), "HidePaths", monitor,
                "hide volume " + volume.elementName() + " from " + initiatorIqn,
                new CIMArgument<>("LUNames", CIMDataType.STRING_ARRAY_T, new String[] {volume.naaName()}),
                new CIMArgument<>("ProtocolControllers", new CIMDataType("CIM_ProtocolController", 0),
                        new CIMObjectPath[] {view.get()}));
    }

    /** The system's iSCSI target ports with their portals. */
    List<TargetPort> targetPorts(StorageSystem system) {
        List<TargetPort> ports = new ArrayList<>();
        for (CIMInstance endpoint : cim.associators(system.path(), "CIM_HostedAccessPoint",
                "CIM_iSCSIProtocolEndpoint", "Name", "Role")) {
            if (CimValues.optionalNumber(endpoint, "Role").orElse(3L) == 3) {
                portOf(endpoint).ifPresent(ports::add);
            }
        }
        return ports;
    }

    private Optional<TargetPort> portOf(CIMInstance iscsiEndpoint) {
        for (CIMInstance tcp : cim.associators(iscsiEndpoint.getObjectPath(), "CIM_BindsTo",
                "CIM_TCPProtocolEndpoint", "PortNumber")) {
            long port = CimValues.optionalNumber(tcp, "PortNumber").orElse(3260L);
            for (CIMInstance ip : cim.associators(tcp.getObjectPath(), "CIM_BindsTo", "CIM_IPProtocolEndpoint",
                    "IPv4Address", "IPv6Address")) {
                Optional<String> v4 = CimValues.optionalText(ip, "IPv4Address").filter(a -> !a.isBlank());
                Optional<String> v6 = CimValues.optionalText(ip, "IPv6Address")
                        .filter(a -> !a.isBlank() && !a.replace(":", "").replace("0", "").isEmpty());
                Optional<String> address = v4.or(() -> v6.map(a -> "[" + a + "]"));
                if (address.isPresent()) {
                    return Optional.of(new TargetPort(CimValues.optionalText(iscsiEndpoint, "Name").orElse(""),
                            address.get() + ":" + port));
                }
            }
        }
        return Optional.empty();
    }

    private Optional<CIMObjectPath> hardwareId(StorageSystem system, String initiatorIqn) {
        for (CIMInstance id : cim.enumerateInstances(system.namespace(), "CIM_StorageHardwareID", "StorageID",
                "IDType")) {
            if (initiatorIqn.equalsIgnoreCase(CimValues.optionalText(id, "StorageID").orElse(""))) {
                return Optional.of(id.getObjectPath());
            }
        }
        return Optional.empty();
    }

    /** CreateStorageHardwareID, where 4096 means the ID exists already (§3.9), not a job. */
    private CIMObjectPath createHardwareId(StorageSystem system, String initiatorIqn) {
        CimConnection.MethodResult result = cim.invoke(array.service(system,
                "CIM_StorageHardwareIDManagementService"), "CreateStorageHardwareID",
                new CIMArgument<>("ElementName", CIMDataType.STRING_T, initiatorIqn),
                new CIMArgument<>("StorageID", CIMDataType.STRING_T, initiatorIqn),
                new CIMArgument<>("IDType", CIMDataType.UINT16_T, new UnsignedInteger16((int) ID_TYPE_ISCSI_NAME)));
        long rc = CimValues.returnCode("CreateStorageHardwareID", result.returnValue());
        if (rc != SmisArray.RC_OK && rc != RC_ID_ALREADY_CREATED) {
            throw Jobs.failure("CreateStorageHardwareID", rc, "register initiator " + initiatorIqn);
        }
        if (result.out().get("hardwareid") instanceof CIMObjectPath path) {
            return path;
        }
        return hardwareId(system, initiatorIqn).orElseThrow(() -> new StorageException(
                StandardErrorCode.UNRECOGNIZED_STATE, "The array registered initiator " + initiatorIqn
                + " but does not list it"));
    }

    /** The view (SCSIProtocolController) the initiator is authorised on, through its privilege. */
    private Optional<CIMObjectPath> viewOf(CIMObjectPath hardwareId) {
        for (CIMObjectPath privilege : cim.associatorNames(hardwareId, "CIM_AuthorizedSubject",
                "CIM_AuthorizedPrivilege")) {
            for (CIMObjectPath spc : cim.associatorNames(privilege, "CIM_AuthorizedTarget",
                    "CIM_SCSIProtocolController")) {
                return Optional.of(spc);
            }
        }
        return Optional.empty();
    }

    /** The volume's ProtocolControllerForUnit in the view, if it is mapped there. */
    private Optional<CIMInstance> unit(CIMObjectPath spc, Volume volume) {
        Object viewId = spc.getKeyValue("DeviceID");
        for (CIMInstance unit : cim.references(volume.path(), "CIM_ProtocolControllerForUnit", "Antecedent", "DeviceNumber",
                "DeviceAccess")) {
            Object antecedent = CimValues.reference(unit, "Antecedent").getKeyValue("DeviceID");
            if (viewId != null && viewId.equals(antecedent)) {
                return Optional.of(unit);
            }
        }
        return Optional.empty();
    }

    /** The LUN of a unit: its DeviceNumber, hexadecimal as SMI-S arrays write it. */
    private static int lun(CIMInstance unit) {
        String number = CimValues.text(unit, "DeviceNumber").trim().toLowerCase(Locale.ROOT);
        try {
            int lun = Integer.parseInt(number.startsWith("0x") ? number.substring(2) : number, 16);
            if (lun >= 0 && lun < 16384) {
                return lun;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, "The array maps the volume as DeviceNumber '"
                + number + "', which is no LUN");
    }
}
