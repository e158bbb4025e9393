package org.storagegateway.smis.simulator.array;

import static org.storagegateway.smis.simulator.array.Names.ARRAY_NAMESPACE;
import static org.storagegateway.smis.simulator.array.Names.INTEROP;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.storagegateway.smis.simulator.BehaviourControl;
import org.storagegateway.smis.simulator.ReplyMode;
import org.storagegateway.smis.simulator.cim.CimDateTime;
import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.CimSchema;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.ops.Repository;

/**
 * Derives the CIM instances (and associations) of both namespaces from an {@link ArrayState}. Nothing here is
 * stored: capacity figures are computed from the volumes, so the DMTF invariant
 * {@code TotalManagedSpace = RemainingManagedSpace + Σ SpaceConsumed} holds in every snapshot.
 */
public final class ObjectModel {
    /** A registered profile: SNIA name and version. */
    public record Profile(String name, String version) {
        public String instanceId() {
            return "SNIA:" + name.replace(" ", "") + ":" + version;
        }
    }

    /** The profiles registered in the interop namespace; Array is the autonomous one, the others its components. */
    public static final List<Profile> PROFILES = List.of(
            new Profile("Array", "1.5.0"),
            new Profile("Block Services", "1.5.0"),
            new Profile("Thin Provisioning", "1.5.0"),
            new Profile("Replication Services", "1.5.0"),
            new Profile("Masking and Mapping", "1.5.0"),
            new Profile("Group Masking and Mapping", "1.5.0"),
            new Profile("Job Control", "1.5.0"),
            new Profile("iSCSI Target Ports", "1.5.0"));

    static final Duration TIME_BEFORE_REMOVAL = Duration.ofMinutes(5);
    private static final long[] ELEMENT_FEATURES = {3, 5, 6, 12, 13};
    private static final long[] REPLICATION_TYPES = {2, 6, 7, 10, 11};
    private static final long[] GROUP_FEATURES = {2, 3, 4, 5, 8};

    private final CimSchema schema = SimulatorSchema.get();
    private final ArrayState state;
    private final BehaviourControl behaviour;
    private final long nowMillis;
    private final List<CimInstance> instances = new ArrayList<>();

    private final IscsiPortal portal;

    private ObjectModel(ArrayState state, BehaviourControl behaviour, long nowMillis, IscsiPortal portal) {
        this.portal = portal;
        this.state = state;
        this.behaviour = behaviour;
        this.nowMillis = nowMillis;
    }

    /** Every instance of both namespaces, as of nowMillis (job progress depends on the time). */
    public static Repository build(ArrayState state, BehaviourControl behaviour, long nowMillis) {
        return build(state, behaviour, nowMillis, IscsiPortal.loopback(IscsiPortal.DEFAULT_PORT));
    }

    /** Every instance of both namespaces, with the iSCSI target port at a portal. */
    public static Repository build(ArrayState state, BehaviourControl behaviour, long nowMillis, IscsiPortal portal) {
        ObjectModel m = new ObjectModel(state, behaviour, nowMillis, portal);
        m.interop();
        m.array();
        Map<String, String> namespaces = new LinkedHashMap<>();
        namespaces.put(INTEROP, INTEROP);
        namespaces.put(ARRAY_NAMESPACE, ARRAY_NAMESPACE);
        return new Repository(m.schema, namespaces, m.instances);
    }

    // ---- paths other code needs

    public static ObjectPath systemPath(ArrayState state) {
        return ObjectPath.instance(ARRAY_NAMESPACE, Names.SYSTEM_CLASS, List.of(
                new ObjectPath.Key("CreationClassName", CimType.STRING, Names.SYSTEM_CLASS),
                new ObjectPath.Key("Name", CimType.STRING, state.systemName())));
    }

    public static ObjectPath servicePath(ArrayState state) {
        return servicePath(state, Names.SCS_CLASS, Names.SCS_NAME);
    }

    public static ObjectPath poolPath(String poolId) {
        return ObjectPath.instance(ARRAY_NAMESPACE, Names.POOL_CLASS,
                List.of(new ObjectPath.Key("InstanceID", CimType.STRING, poolId)));
    }

    public static ObjectPath volumePath(ArrayState state, String deviceId) {
        return ObjectPath.instance(ARRAY_NAMESPACE, Names.VOLUME_CLASS, List.of(
                new ObjectPath.Key("SystemCreationClassName", CimType.STRING, Names.SYSTEM_CLASS),
                new ObjectPath.Key("SystemName", CimType.STRING, state.systemName()),
                new ObjectPath.Key("CreationClassName", CimType.STRING, Names.VOLUME_CLASS),
                new ObjectPath.Key("DeviceID", CimType.STRING, deviceId)));
    }

    public static ObjectPath replicationServicePath(ArrayState state) {
        return servicePath(state, Names.REPLICATION_SERVICE_CLASS, Names.REPLICATION_SERVICE_NAME);
    }

    /** A service of the array by its class and Name. */
    public static ObjectPath servicePath(ArrayState state, String className, String name) {
        return ObjectPath.instance(ARRAY_NAMESPACE, className, List.of(
                new ObjectPath.Key("SystemCreationClassName", CimType.STRING, Names.SYSTEM_CLASS),
                new ObjectPath.Key("SystemName", CimType.STRING, state.systemName()),
                new ObjectPath.Key("CreationClassName", CimType.STRING, className),
                new ObjectPath.Key("Name", CimType.STRING, name)));
    }

    /** The CIM_StorageSynchronized of a replica relationship. */
    public static ObjectPath syncPath(ArrayState state, SyncRecord sync) {
        return ObjectPath.instance(ARRAY_NAMESPACE, Names.SYNC_CLASS, List.of(
                new ObjectPath.Key("SystemElement", CimType.REFERENCE, volumePath(state, sync.sourceDeviceId())),
                new ObjectPath.Key("SyncedElement", CimType.REFERENCE, volumePath(state, sync.targetDeviceId()))));
    }

    public static ObjectPath devicePath(ArrayState state, String className, String deviceId) {
        return ObjectPath.instance(ARRAY_NAMESPACE, className, List.of(
                new ObjectPath.Key("SystemCreationClassName", CimType.STRING, Names.SYSTEM_CLASS),
                new ObjectPath.Key("SystemName", CimType.STRING, state.systemName()),
                new ObjectPath.Key("CreationClassName", CimType.STRING, className),
                new ObjectPath.Key("DeviceID", CimType.STRING, deviceId)));
    }

    /** A masking view's SCSIProtocolController. */
    public static ObjectPath viewPath(ArrayState state, ViewRecord view) {
        return devicePath(state, Names.SPC_CLASS, view.deviceId());
    }

    public static ObjectPath hardwareIdPath(String id) {
        return ObjectPath.instance(ARRAY_NAMESPACE, Names.HARDWARE_ID_CLASS,
                List.of(new ObjectPath.Key("InstanceID", CimType.STRING, id)));
    }

    public static ObjectPath groupPath(MaskingGroupRecord group) {
        return ObjectPath.instance(ARRAY_NAMESPACE, groupClass(group.type()),
                List.of(new ObjectPath.Key("InstanceID", CimType.STRING, group.id())));
    }

    public static String groupClass(int type) {
        return switch (type) {
            case MaskingGroupRecord.INITIATORS -> "SIM_InitiatorMaskingGroup";
            case MaskingGroupRecord.TARGETS -> "SIM_TargetMaskingGroup";
            default -> "SIM_DeviceMaskingGroup";
        };
    }

    /** The Name of the array's one iSCSI target port (portal group 1). */
    public static String targetPortName(ArrayState state) {
        return state.targetIqn() + ",t,0x0001";
    }

    public static ObjectPath endpointPath(ArrayState state, String className, String name) {
        return servicePath(state, className, name);
    }

    public static ObjectPath jobPath(String jobId) {
        return ObjectPath.instance(ARRAY_NAMESPACE, Names.JOB_CLASS,
                List.of(new ObjectPath.Key("InstanceID", CimType.STRING, jobId)));
    }

    // ---- interop

    private void interop() {
        ObjectPath system = systemPath(state);
        ObjectPath arrayProfile = null;
        List<ObjectPath> components = new ArrayList<>();
        for (Profile p : PROFILES) {
            CimInstance rp = add(instance(Names.PROFILE_CLASS, INTEROP)
                    .set("InstanceID", p.instanceId())
                    .set("RegisteredOrganization", 11L)
                    .set("RegisteredName", p.name())
                    .set("RegisteredVersion", p.version())
                    .set("ElementName", p.name())
                    .set("AdvertiseTypes", new long[] {2})
                    .set("AdvertiseTypeDescriptions", new String[] {"Not Advertised"}));
            if (arrayProfile == null) {
                arrayProfile = rp.path();
            } else {
                components.add(rp.path());
            }
        }
        add(instance("SIM_ElementConformsToProfile", INTEROP)
                .set("ConformantStandard", arrayProfile).set("ManagedElement", system));
        for (ObjectPath component : components) {
            add(instance("SIM_ReferencedProfile", INTEROP).set("Antecedent", component).set("Dependent", arrayProfile));
        }

        CimInstance manager = add(instance(Names.OBJECT_MANAGER_CLASS, INTEROP)
                .set("SystemCreationClassName", Names.SYSTEM_CLASS).set("SystemName", state.systemName())
                .set("CreationClassName", Names.OBJECT_MANAGER_CLASS).set("Name", "SIM:ObjectManager")
                .set("ElementName", "SMI-S array simulator")
                .set("Description", "Storage gateway SMI-S array simulator (CIM-XML over HTTP)")
                .set("Started", Boolean.TRUE).set("EnabledState", 2L).set("OperationalStatus", new long[] {2})
                .set("GatherStatisticalData", Boolean.FALSE));
        for (String ns : List.of(INTEROP, ARRAY_NAMESPACE)) {
            CimInstance namespace = add(instance("SIM_Namespace", INTEROP)
                    .set("SystemCreationClassName", Names.SYSTEM_CLASS).set("SystemName", state.systemName())
                    .set("ObjectManagerCreationClassName", Names.OBJECT_MANAGER_CLASS)
                    .set("ObjectManagerName", "SIM:ObjectManager")
                    .set("CreationClassName", "SIM_Namespace").set("Name", ns).set("ElementName", ns)
                    .set("ClassInfo", 0L));
            add(instance("SIM_NamespaceInManager", INTEROP)
                    .set("Antecedent", manager.path()).set("Dependent", namespace.path()));
        }
    }

    // ---- the array

    private void array() {
        ObjectPath system = add(instance(Names.SYSTEM_CLASS, ARRAY_NAMESPACE)
                .set("CreationClassName", Names.SYSTEM_CLASS).set("Name", state.systemName())
                .set("ElementName", "SMI-S simulated array " + state.serial())
                .set("Caption", "SMI-S simulated array")
                .set("Description", "Block storage array simulated by the storage gateway")
                .set("NameFormat", "Other")
                .set("OperationalStatus", new long[] {2}).set("StatusDescriptions", new String[] {"OK"})
                .set("HealthState", 5L).set("EnabledState", 2L)
                .set("Dedicated", new long[] {3, 15})
                .set("OtherIdentifyingInfo", new String[] {state.serial()})
                .set("IdentifyingDescriptions", new String[] {"Serial number"})).path();

        ObjectPath service = hostedService(system, Names.SCS_CLASS, Names.SCS_NAME, "Storage configuration service");
        ObjectPath serviceCaps = add(configurationCapabilities("SIM:SCC:SERVICE", "Storage configuration service",
                new long[] {2, 5})).path();
        add(instance("SIM_ElementCapabilities", ARRAY_NAMESPACE).set("ManagedElement", service)
                .set("Capabilities", serviceCaps).set("Characteristics", new long[] {3}));

        ObjectPath replication = replicationService(system);

        for (PoolRecord pool : state.pools()) {
            pool(system, pool);
        }
        for (VolumeRecord v : state.volumes()) {
            volume(system, v);
        }
        for (SyncRecord sync : state.syncs()) {
            synchronization(sync);
        }
        ObjectPath targetPort = iscsiTargetPort(system);
        masking(system, targetPort);
        for (JobRecord j : state.jobs()) {
            job(j.operation() == JobRecord.Operation.REPLICA ? replication : service, j);
        }
    }

    /** A service of the system, with its CIM_HostedService. */
    private ObjectPath hostedService(ObjectPath system, String className, String name, String elementName) {
        ObjectPath service = add(instance(className, ARRAY_NAMESPACE)
                .set("SystemCreationClassName", Names.SYSTEM_CLASS).set("SystemName", state.systemName())
                .set("CreationClassName", className).set("Name", name).set("ElementName", elementName)
                .set("OperationalStatus", new long[] {2}).set("HealthState", 5L).set("EnabledState", 2L)
                .set("Started", Boolean.TRUE).set("StartMode", "Automatic")).path();
        add(instance("SIM_HostedService", ARRAY_NAMESPACE).set("Antecedent", system).set("Dependent", service));
        return service;
    }

    /** Replication Services: mirrors (6), snapshots (7) and clones (8) of local volumes. */
    private ObjectPath replicationService(ObjectPath system) {
        ObjectPath service = hostedService(system, Names.REPLICATION_SERVICE_CLASS, Names.REPLICATION_SERVICE_NAME,
                "Replication service");
        // 2 CreateElementReplica follows its reply mode; 5 ModifyReplicaSynchronization is always synchronous.
        boolean replicaJobs = behaviour.replyModeFor(Names.CREATE_ELEMENT_REPLICA) == ReplyMode.JOB;
        ObjectPath caps = add(instance("SIM_ReplicationServiceCapabilities", ARRAY_NAMESPACE)
                .set("InstanceID", "SIM:RSC").set("ElementName", "Replication service capabilities")
                // 2 Sync Mirror Local, 6/7 Sync/Async Snapshot Local, 10/11 Sync/Async Clone Local.
                .set("SupportedReplicationTypes", REPLICATION_TYPES)
                .set("SupportedSynchronousActions", replicaJobs ? new long[] {5} : new long[] {2, 5})
                .set("SupportedAsynchronousActions", replicaJobs ? new long[] {2} : new long[0])
                .set("SupportedModifyOperations", ReplicationMethods.OPERATIONS)
                .set("SupportedCopyStates", new long[] {SyncRecord.SYNCHRONIZED, SyncRecord.FRACTURED})
                .set("InitialReplicationState", new long[] {2})).path();
        add(instance("SIM_ElementCapabilities", ARRAY_NAMESPACE).set("ManagedElement", service)
                .set("Capabilities", caps).set("Characteristics", new long[] {3}));
        return service;
    }

    /**
     * iSCSI Target Ports: the node (an SPC named by the base IQN), one target port (portal group 1) bound to a TCP
     * endpoint on the portal's port, bound to an IP endpoint on its address, implemented by an Ethernet port.
     */
    private ObjectPath iscsiTargetPort(ObjectPath system) {
        String endpointClass = Names.ISCSI_ENDPOINT_CLASS;
        ObjectPath iscsi = add(endpoint(endpointClass, targetPortName(state))
                .set("ElementName", "iSCSI target portal group 1").set("NameFormat", "iSCSI Name")
                .set("Role", 3L).set("Identifier", 1L).set("ConnectionType", 6L).set("ProtocolIFType", 1L)
                .set("OtherTypeDescription", "iSCSI")).path();
        ObjectPath tcp = add(endpoint("SIM_TCPProtocolEndpoint", "TCP:" + portal.address() + ":" + portal.port())
                .set("ElementName", "iSCSI TCP port").set("PortNumber", (long) portal.port())
                .set("ProtocolIFType", 4111L)).path();
        ObjectPath ip = add(endpoint("SIM_IPProtocolEndpoint", "IP:" + portal.address())
                .set("ElementName", "iSCSI IP address").set("IPv4Address", portal.address())
                .set("SubnetMask", "255.0.0.0").set("PrefixLength", 8L).set("AddressOrigin", 2L)
                .set("IPVersionSupport", 1L).set("ProtocolIFType", 4096L)).path();
        ObjectPath ethernet = add(device("SIM_EthernetPort", "ETH-0")
                .set("ElementName", "Loopback Ethernet port").set("PortNumber", 0L).set("LinkTechnology", 2L)
                .set("PermanentAddress", "02" + ArrayModel.NAA_COMPANY_ID + state.serial().substring(0, 4))
                .set("NetworkAddresses", new String[] {portal.address()})).path();
        ObjectPath node = add(device(Names.SPC_CLASS, Names.ISCSI_NODE_ID)
                .set("ElementName", "iSCSI node").set("Name", state.targetIqn()).set("NameFormat", 3L)).path();
        for (ObjectPath e : List.of(iscsi, tcp, ip)) {
            add(instance("SIM_HostedAccessPoint", ARRAY_NAMESPACE).set("Antecedent", system).set("Dependent", e));
        }
        add(instance("SIM_BindsTo", ARRAY_NAMESPACE).set("Antecedent", tcp).set("Dependent", iscsi));
        add(instance("SIM_BindsTo", ARRAY_NAMESPACE).set("Antecedent", ip).set("Dependent", tcp));
        add(instance("SIM_DeviceSAPImplementation", ARRAY_NAMESPACE).set("Antecedent", ethernet).set("Dependent", ip));
        add(instance("SIM_SAPAvailableForElement", ARRAY_NAMESPACE).set("AvailableSAP", iscsi)
                .set("ManagedElement", node));
        for (ObjectPath d : List.of(ethernet, node)) {
            add(instance("SIM_SystemDevice", ARRAY_NAMESPACE).set("GroupComponent", system).set("PartComponent", d));
        }
        return iscsi;
    }

    /**
     * Masking and Mapping (ExposePaths/HidePaths), Group Masking and Mapping (groups and views) and the hardware-ID
     * service: one SPC per view, named as the iSCSI target that publishes it.
     */
    private void masking(ObjectPath system, ObjectPath targetPort) {
        ObjectPath controller = hostedService(system, Names.CONTROLLER_SERVICE_CLASS, Names.CONTROLLER_SERVICE_NAME,
                "Controller configuration service");
        ObjectPath maskingCaps = add(instance("SIM_ProtocolControllerMaskingCapabilities", ARRAY_NAMESPACE)
                .set("InstanceID", "SIM:PCMC").set("ElementName", "Masking and mapping capabilities")
                .set("ValidHardwareIdTypes", new long[] {HardwareIdRecord.PORT_WWN, HardwareIdRecord.ISCSI_NAME})
                .set("PortsPerView", 3L).set("ClientSelectableDeviceNumbers", Boolean.TRUE)
                .set("AttachDeviceSupported", Boolean.FALSE).set("OneHardwareIDPerView", Boolean.FALSE)
                .set("UniqueUnitNumbersPerPort", Boolean.FALSE).set("PrivilegeDeniedSupported", Boolean.FALSE)
                .set("ProtocolControllerRequiresAuthorizedIdentity", Boolean.TRUE)
                .set("ProtocolControllerSupportsCollections", Boolean.FALSE)
                .set("ExposePathsSupported", Boolean.TRUE).set("CreateProtocolControllerSupported", Boolean.FALSE)
                .set("MaximumMapCount", (long) MaskingMethods.MAXIMUM_MAP_COUNT).set("SPCAllowsNoLUs", Boolean.TRUE)
                .set("SPCAllowsNoTargets", Boolean.FALSE).set("SPCAllowsNoInitiators", Boolean.FALSE)
                .set("SPCSupportsDefaultViews", Boolean.FALSE)).path();
        add(instance("SIM_ElementCapabilities", ARRAY_NAMESPACE).set("ManagedElement", controller)
                .set("Capabilities", maskingCaps).set("Characteristics", new long[] {3}));

        ObjectPath groupService = hostedService(system, Names.GROUP_MASKING_SERVICE_CLASS,
                Names.GROUP_MASKING_SERVICE_NAME, "Group masking and mapping service");
        ObjectPath groupCaps = add(instance("SIM_GroupMaskingMappingCapabilities", ARRAY_NAMESPACE)
                .set("InstanceID", "SIM:GMMC").set("ElementName", "Group masking and mapping capabilities")
                // 19 CreateGroup, 20 DeleteGroup, 21 AddMembers, 22 RemoveMembers, 23/24 Create/DeleteMaskingView.
                .set("SupportedSynchronousActions", new long[] {19, 20, 21, 22, 23, 24})
                .set("SupportedAsynchronousActions", new long[0])
                // 2 nameable, 3 can add to an associated group, 4 empty allowed, 5 empty when in a view, 8 multiple views.
                .set("SupportedDeviceGroupFeatures", GROUP_FEATURES)
                .set("SupportedInitiatorGroupFeatures", GROUP_FEATURES)
                .set("SupportedTargetGroupFeatures", GROUP_FEATURES)).path();
        for (ObjectPath owner : List.of(groupService, system)) {
            add(instance("SIM_ElementCapabilities", ARRAY_NAMESPACE).set("ManagedElement", owner)
                    .set("Capabilities", groupCaps).set("Characteristics", new long[] {3}));
        }

        ObjectPath hardwareIdService = hostedService(system, Names.HARDWARE_ID_SERVICE_CLASS,
                Names.HARDWARE_ID_SERVICE_NAME, "Storage hardware ID management service");
        for (HardwareIdRecord h : state.hardwareIds()) {
            ObjectPath path = add(instance(Names.HARDWARE_ID_CLASS, ARRAY_NAMESPACE).set("InstanceID", h.id())
                    .set("StorageID", h.storageId()).set("IDType", (long) h.idType())
                    .set("ElementName", h.elementName())).path();
            add(instance("SIM_ConcreteDependency", ARRAY_NAMESPACE).set("Antecedent", hardwareIdService)
                    .set("Dependent", path));
        }

        for (MaskingGroupRecord g : state.groups()) {
            CimInstance.Builder b = instance(groupClass(g.type()), ARRAY_NAMESPACE).set("InstanceID", g.id())
                    .set("ElementName", g.name());
            if (g.type() == MaskingGroupRecord.DEVICES) {
                b.set("DeleteOnEmpty", g.deleteOnEmpty()).set("DeleteWhenBecomesUnassociated", Boolean.FALSE)
                        .set("ConsistentLogicalUnitNumber", Boolean.FALSE);
            }
            ObjectPath path = add(b).path();
            add(instance("SIM_HostedCollection", ARRAY_NAMESPACE).set("Antecedent", system).set("Dependent", path));
            add(instance("SIM_ServiceAffectsElement", ARRAY_NAMESPACE).set("AffectingElement", groupService)
                    .set("AffectedElement", path).set("ElementEffects", new long[] {5}));
            long sequence = 1;
            for (String member : g.members()) {
                ObjectPath memberPath = switch (g.type()) {
                    case MaskingGroupRecord.INITIATORS -> hardwareIdPath(member);
                    case MaskingGroupRecord.TARGETS -> targetPort;
                    default -> volumePath(state, member);
                };
                if (g.type() == MaskingGroupRecord.DEVICES) {
                    add(instance("SIM_OrderedMemberOfCollection", ARRAY_NAMESPACE).set("Collection", path)
                            .set("Member", memberPath).set("AssignedSequence", sequence++));
                } else {
                    add(instance("SIM_MemberOfCollection", ARRAY_NAMESPACE).set("Collection", path)
                            .set("Member", memberPath));
                }
            }
        }

        for (ViewRecord view : state.views()) {
            ObjectPath spc = add(device(Names.SPC_CLASS, view.deviceId())
                    .set("ElementName", view.elementName()).set("Name", state.targetIqn() + ":spc-" + view.number())
                    .set("NameFormat", 3L).set("MaxUnitsControlled", (long) MaskingMethods.MAXIMUM_MAP_COUNT)).path();
            add(instance("SIM_SystemDevice", ARRAY_NAMESPACE).set("GroupComponent", system).set("PartComponent", spc));
            add(instance("SIM_ConcreteDependency", ARRAY_NAMESPACE).set("Antecedent", view.grouped() ? groupService
                    : controller).set("Dependent", spc));
            if (!state.viewTargetPorts(view).isEmpty()) {
                add(instance("SIM_SAPAvailableForElement", ARRAY_NAMESPACE).set("AvailableSAP", targetPort)
                        .set("ManagedElement", spc));
            }
            for (ViewRecord.Unit u : view.units()) {
                add(instance("SIM_ProtocolControllerForUnit", ARRAY_NAMESPACE).set("Antecedent", spc)
                        .set("Dependent", volumePath(state, u.deviceId())).set("DeviceNumber", u.deviceNumber())
                        .set("DeviceAccess", (long) u.access()));
            }
            ObjectPath privilege = add(instance("SIM_AuthorizedPrivilege", ARRAY_NAMESPACE)
                    .set("InstanceID", "SIM:PRIV-" + view.number()).set("ElementName", "Access to " + view.deviceId())
                    .set("PrivilegeGranted", Boolean.TRUE).set("Activities", new long[] {5, 6})).path();
            add(instance("SIM_AuthorizedTarget", ARRAY_NAMESPACE).set("Privilege", privilege).set("TargetElement", spc));
            for (String h : state.viewHardwareIds(view)) {
                add(instance("SIM_AuthorizedSubject", ARRAY_NAMESPACE).set("Privilege", privilege)
                        .set("PrivilegedElement", hardwareIdPath(h)));
            }
            if (view.grouped()) {
                add(instance("SIM_AssociatedInitiatorMaskingGroup", ARRAY_NAMESPACE).set("Antecedent", spc)
                        .set("Dependent", groupPath(state.group(view.initiatorGroup()))));
                add(instance("SIM_AssociatedTargetMaskingGroup", ARRAY_NAMESPACE).set("Antecedent", spc)
                        .set("Dependent", groupPath(state.group(view.targetGroup()))));
                add(instance("SIM_AssociatedDeviceMaskingGroup", ARRAY_NAMESPACE).set("Antecedent", spc)
                        .set("Dependent", groupPath(state.group(view.deviceGroup()))));
            }
        }
    }

    private CimInstance.Builder endpoint(String className, String name) {
        return instance(className, ARRAY_NAMESPACE)
                .set("SystemCreationClassName", Names.SYSTEM_CLASS).set("SystemName", state.systemName())
                .set("CreationClassName", className).set("Name", name)
                .set("OperationalStatus", new long[] {2}).set("HealthState", 5L).set("EnabledState", 2L);
    }

    private CimInstance.Builder device(String className, String deviceId) {
        return instance(className, ARRAY_NAMESPACE)
                .set("SystemCreationClassName", Names.SYSTEM_CLASS).set("SystemName", state.systemName())
                .set("CreationClassName", className).set("DeviceID", deviceId)
                .set("OperationalStatus", new long[] {2}).set("HealthState", 5L).set("EnabledState", 2L);
    }

    private void synchronization(SyncRecord sync) {
        boolean fractured = sync.copyState() == SyncRecord.FRACTURED;
        add(instance(Names.SYNC_CLASS, ARRAY_NAMESPACE)
                .set("SystemElement", volumePath(state, sync.sourceDeviceId()))
                .set("SyncedElement", volumePath(state, sync.targetDeviceId()))
                .set("SyncType", (long) sync.syncType()).set("Mode", 2L)
                .set("CopyType", (long) sync.copyType()).set("SyncState", (long) sync.syncState())
                .set("CopyState", (long) sync.copyState())
                .set("ProgressStatus", fractured ? 3L : 2L).set("PercentSynced", 100L)
                .set("SyncMaintained", sync.syncType() == SyncRecord.MIRROR && !fractured)
                .set("WhenSynced", CimDateTime.timestamp(Instant.ofEpochMilli(sync.syncedMillis()))));
    }

    private void pool(ObjectPath system, PoolRecord pool) {
        long remaining = state.remainingBytes(pool);
        CimInstance.Builder b = instance(Names.POOL_CLASS, ARRAY_NAMESPACE)
                .set("InstanceID", pool.id()).set("PoolID", pool.id().substring(pool.id().indexOf(':') + 1))
                .set("ElementName", pool.name()).set("Name", pool.name())
                .set("Primordial", pool.primordial())
                .set("TotalManagedSpace", pool.totalBytes()).set("RemainingManagedSpace", remaining)
                .set("Capacity", pool.totalBytes()).set("Reserved", pool.totalBytes() - remaining)
                .set("ResourceType", 19L).set("AllocationUnits", "bytes")
                .set("Usage", 2L).set("ElementsShareSpace", pool.thin())
                .set("OperationalStatus", new long[] {2}).set("HealthState", 5L);
        if (pool.thin()) {
            b.set("SpaceLimitDetermination", 3L).set("SpaceLimit", pool.subscriptionLimitBytes())
                    .set("ThinProvisionMetaDataSpace", 0L).set("LowSpaceWarningThreshold", 80L);
        }
        ObjectPath path = add(b).path();
        add(instance("SIM_HostedStoragePool", ARRAY_NAMESPACE).set("GroupComponent", system)
                .set("PartComponent", path));
        if (pool.parentId() != null) {
            add(instance("SIM_AllocatedFromStoragePool", ARRAY_NAMESPACE).set("Antecedent", poolPath(pool.parentId()))
                    .set("Dependent", path).set("SpaceConsumed", pool.totalBytes()));
        }
        if (!pool.primordial()) {
            String local = pool.id().substring(pool.id().indexOf(':') + 1);
            ObjectPath caps = add(configurationCapabilities("SIM:SCC:" + local, pool.name() + " configuration",
                    pool.thin() ? new long[] {2, 5} : new long[] {2})).path();
            add(instance("SIM_ElementCapabilities", ARRAY_NAMESPACE).set("ManagedElement", path)
                    .set("Capabilities", caps).set("Characteristics", new long[] {3}));
            ObjectPath storageCaps = add(instance("SIM_StorageCapabilities", ARRAY_NAMESPACE)
                    .set("InstanceID", "SIM:SC:" + local).set("ElementName", pool.name() + " capabilities")
                    .set("ElementType", 5L)
                    .set("NoSinglePointOfFailure", Boolean.FALSE).set("NoSinglePointOfFailureDefault", Boolean.FALSE)
                    .set("DataRedundancyMin", 1L).set("DataRedundancyMax", 1L).set("DataRedundancyDefault", 1L)
                    .set("PackageRedundancyMin", 0L).set("PackageRedundancyMax", 0L)
                    .set("PackageRedundancyDefault", 0L)
                    .set("DeltaReservationMin", 0L).set("DeltaReservationMax", 0L)
                    .set("DeltaReservationDefault", 0L).set("ExtentStripeLengthDefault", 1L)).path();
            add(instance("SIM_ElementCapabilities", ARRAY_NAMESPACE).set("ManagedElement", path)
                    .set("Capabilities", storageCaps).set("Characteristics", new long[] {2, 3}));
        }
    }

    private CimInstance.Builder configurationCapabilities(String id, String name, long[] elementTypes) {
        List<Long> sync = new ArrayList<>();
        List<Long> async = new ArrayList<>();
        // 5 Element creation and 7 Element modification are CreateOrModify...; 6 Element return is ReturnToStoragePool.
        (behaviour.replyModeFor(Names.CREATE_OR_MODIFY) == ReplyMode.JOB ? async : sync).addAll(List.of(5L, 7L));
        (behaviour.replyModeFor(Names.RETURN_TO_POOL) == ReplyMode.JOB ? async : sync).add(6L);
        sync.sort(null);
        async.sort(null);
        return instance("SIM_StorageConfigurationCapabilities", ARRAY_NAMESPACE)
                .set("InstanceID", id).set("ElementName", name)
                .set("SupportedStorageElementTypes", elementTypes)
                .set("SupportedStorageElementFeatures", ELEMENT_FEATURES)
                .set("SupportedStoragePoolFeatures", new long[0])
                .set("SupportedSynchronousActions", sync)
                .set("SupportedAsynchronousActions", async)
                .set("SupportedStorageElementUsage", new long[] {2});
    }

    private void volume(ObjectPath system, VolumeRecord v) {
        ObjectPath path = add(instance(Names.VOLUME_CLASS, ARRAY_NAMESPACE)
                .set("SystemCreationClassName", Names.SYSTEM_CLASS).set("SystemName", state.systemName())
                .set("CreationClassName", Names.VOLUME_CLASS).set("DeviceID", v.deviceId())
                .set("ElementName", v.elementName())
                .set("Name", v.naaId()).set("NameFormat", 9L).set("NameNamespace", 2L)
                .set("OtherIdentifyingInfo", new String[] {v.naaId()})
                .set("IdentifyingDescriptions", new String[] {"NAA;VPD83Type3"})
                .set("BlockSize", v.blockSize()).set("NumberOfBlocks", v.blocks())
                .set("ConsumableBlocks", v.blocks())
                .set("ThinlyProvisioned", v.thin()).set("Primordial", Boolean.FALSE)
                .set("Usage", 2L).set("Access", 3L).set("DataOrganization", 1L)
                .set("ExtentStatus", new long[] {2}).set("IsComposite", Boolean.FALSE)
                .set("IsBasedOnUnderlyingRedundancy", Boolean.FALSE).set("SequentialAccess", Boolean.FALSE)
                .set("NoSinglePointOfFailure", Boolean.FALSE).set("DataRedundancy", 1L)
                .set("PackageRedundancy", 0L).set("DeltaReservation", 0L)
                .set("OperationalStatus", new long[] {2}).set("StatusDescriptions", new String[] {"OK"})
                .set("HealthState", 5L).set("EnabledState", 2L)).path();
        add(instance("SIM_SystemDevice", ARRAY_NAMESPACE).set("GroupComponent", system).set("PartComponent", path));
        add(instance("SIM_AllocatedFromStoragePool", ARRAY_NAMESPACE).set("Antecedent", poolPath(v.poolId()))
                .set("Dependent", path).set("SpaceConsumed", v.consumedBytes()));
    }

    private void job(ObjectPath service, JobRecord j) {
        Instant submitted = Instant.ofEpochMilli(j.submittedMillis());
        long endMillis = j.finishedMillis() != null ? j.finishedMillis() : nowMillis;
        CimInstance.Builder b = instance(Names.JOB_CLASS, ARRAY_NAMESPACE)
                .set("InstanceID", j.id()).set("Name", j.methodName()).set("MethodName", j.methodName())
                .set("ElementName", j.methodName() + " " + j.id())
                .set("Description", describe(j))
                .set("TimeSubmitted", CimDateTime.timestamp(submitted))
                .set("StartTime", CimDateTime.timestamp(submitted))
                .set("ElapsedTime", CimDateTime.interval(Duration.ofMillis(Math.max(0, endMillis - j.submittedMillis()))))
                .set("TimeBeforeRemoval", CimDateTime.interval(TIME_BEFORE_REMOVAL))
                .set("DeleteOnCompletion", Boolean.FALSE).set("LocalOrUtcTime", 2L).set("Priority", 0L);
        switch (j.phase()) {
            case RUNNING -> {
                long elapsed = Math.max(0, nowMillis - j.submittedMillis());
                long percent = j.durationMillis() == 0 ? 99 : Math.min(99, elapsed * 100 / j.durationMillis());
                b.set("JobState", 4L).set("JobStatus", "Running").set("PercentComplete", percent)
                        .set("OperationalStatus", new long[] {2})
                        .set("TimeOfLastStateChange", CimDateTime.timestamp(submitted));
            }
            case COMPLETED -> b.set("JobState", 7L).set("JobStatus", "Completed").set("PercentComplete", 100L)
                    .set("OperationalStatus", new long[] {2, 17}).set("ErrorCode", 0L)
                    .set("TimeOfLastStateChange", CimDateTime.timestamp(Instant.ofEpochMilli(j.finishedMillis())));
            case EXCEPTION -> b.set("JobState", 10L).set("JobStatus", "Failed").set("PercentComplete", 100L)
                    .set("OperationalStatus", new long[] {6, 17})
                    .set("ErrorCode", (long) (j.errorCode() == null ? 1 : j.errorCode()))
                    .set("ErrorDescription", j.errorDescription())
                    .set("TimeOfLastStateChange", CimDateTime.timestamp(Instant.ofEpochMilli(j.finishedMillis())));
            // Stopped on request before it changed anything: the progress it had, OperationalStatus Stopped/Aborted.
            case TERMINATED, KILLED -> {
                boolean killed = j.phase() == JobRecord.Phase.KILLED;
                long ran = Math.max(0, j.finishedMillis() - j.submittedMillis());
                long percent = j.durationMillis() == 0 ? 0 : Math.min(99, ran * 100 / j.durationMillis());
                b.set("JobState", killed ? 9L : 8L).set("JobStatus", killed ? "Killed" : "Terminated")
                        .set("PercentComplete", percent).set("OperationalStatus", new long[] {killed ? 14 : 10})
                        .set("ErrorCode", 0L).set("ErrorDescription", j.errorDescription())
                        .set("TimeOfLastStateChange", CimDateTime.timestamp(Instant.ofEpochMilli(j.finishedMillis())));
            }
        }
        ObjectPath path = add(b).path();
        add(instance("SIM_OwningJobElement", ARRAY_NAMESPACE).set("OwningElement", service).set("OwnedElement", path));
        boolean creates = j.operation() == JobRecord.Operation.CREATE
                || j.operation() == JobRecord.Operation.REPLICA;
        // A creating job affects exactly the element it created, once it exists.
        String affected = creates ? (j.phase() == JobRecord.Phase.COMPLETED ? j.resultDeviceId() : null)
                : j.deviceId();
        if (affected != null && state.volume(affected) != null) {
            CimInstance.Builder a = instance("SIM_AffectedJobElement", ARRAY_NAMESPACE)
                    .set("AffectedElement", volumePath(state, affected)).set("AffectingElement", path);
            if (creates) {
                a.set("ElementEffects", new long[] {5});
            } else {
                a.set("ElementEffects", new long[] {1}).set("OtherElementEffectsDescriptions",
                        new String[] {j.operation() == JobRecord.Operation.MODIFY ? "Modify" : "Delete"});
            }
            add(a);
        }
    }

    private static String describe(JobRecord j) {
        return switch (j.operation()) {
            case CREATE -> "Create volume " + (j.elementName() == null ? "" : j.elementName()) + " in " + j.poolId();
            case MODIFY -> "Modify volume " + j.deviceId();
            case RETURN -> "Return volume " + j.deviceId() + " to its pool";
            case REPLICA -> "Replicate volume " + j.deviceId() + " (SyncType " + j.syncType() + ")";
        };
    }

    // ---- helpers

    private CimInstance.Builder instance(String className, String namespace) {
        return CimInstance.builder(schema.require(className), namespace);
    }

    private CimInstance add(CimInstance.Builder builder) {
        CimInstance i = builder.build();
        instances.add(i);
        return i;
    }
}
