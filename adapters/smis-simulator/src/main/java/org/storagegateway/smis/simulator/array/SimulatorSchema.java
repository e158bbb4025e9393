package org.storagegateway.smis.simulator.array;

import static org.storagegateway.smis.simulator.cim.CimType.BOOLEAN;
import static org.storagegateway.smis.simulator.cim.CimType.DATETIME;
import static org.storagegateway.smis.simulator.cim.CimType.STRING;
import static org.storagegateway.smis.simulator.cim.CimType.UINT16;
import static org.storagegateway.smis.simulator.cim.CimType.UINT32;
import static org.storagegateway.smis.simulator.cim.CimType.UINT64;
import static org.storagegateway.smis.simulator.cim.CimType.UINT8;

import org.storagegateway.smis.simulator.cim.CimSchema;

/**
 * The classes the simulator serves: a small, faithful subset of the DMTF CIM schema (names, keys, types and method
 * signatures as in CIM 2.x) plus the {@code SIM_} subclasses its instances belong to. Classes are shared by all
 * namespaces, as in a real CIMOM. Methods are declared only where the simulator implements them, so GetClass tells
 * a client the truth about what it can call.
 */
public final class SimulatorSchema {
    private static final CimSchema SCHEMA = build();

    private SimulatorSchema() {
    }

    public static CimSchema get() {
        return SCHEMA;
    }

    private static CimSchema build() {
        CimSchema.Builder b = CimSchema.builder();

        // ---- core
        b.define("CIM_ManagedElement", null).abstractClass()
                .property("InstanceID", STRING).property("Caption", STRING).property("Description", STRING)
                .property("ElementName", STRING);
        b.define("CIM_ManagedSystemElement", "CIM_ManagedElement").abstractClass()
                .property("InstallDate", DATETIME).property("Name", STRING).array("OperationalStatus", UINT16)
                .array("StatusDescriptions", STRING).property("HealthState", UINT16)
                .property("CommunicationStatus", UINT16).property("DetailedStatus", UINT16)
                .property("OperatingStatus", UINT16).property("PrimaryStatus", UINT16);
        b.define("CIM_LogicalElement", "CIM_ManagedSystemElement").abstractClass();
        b.define("CIM_EnabledLogicalElement", "CIM_LogicalElement").abstractClass()
                .property("EnabledState", UINT16).property("OtherEnabledState", STRING)
                .property("RequestedState", UINT16).property("EnabledDefault", UINT16)
                .property("TimeOfLastStateChange", DATETIME);

        // ---- systems
        b.define("CIM_System", "CIM_EnabledLogicalElement").abstractClass()
                .key("CreationClassName", STRING).key("Name", STRING).property("NameFormat", STRING)
                .property("PrimaryOwnerName", STRING).property("PrimaryOwnerContact", STRING)
                .array("Roles", STRING).array("OtherIdentifyingInfo", STRING)
                .array("IdentifyingDescriptions", STRING);
        b.define("CIM_ComputerSystem", "CIM_System")
                .array("Dedicated", UINT16).array("OtherDedicatedDescriptions", STRING)
                .property("ResetCapability", UINT16);
        b.define("SIM_StorageSystem", "CIM_ComputerSystem")
                .description("The simulated block storage array (the Array profile's top-level system).");

        // ---- services
        b.define("CIM_Service", "CIM_EnabledLogicalElement").abstractClass()
                .key("SystemCreationClassName", STRING).key("SystemName", STRING)
                .key("CreationClassName", STRING).key("Name", STRING)
                .property("PrimaryOwnerName", STRING).property("PrimaryOwnerContact", STRING)
                .property("StartMode", STRING).property("Started", BOOLEAN);
        b.define("CIM_StorageConfigurationService", "CIM_Service")
                .method("CreateOrModifyElementFromStoragePool", UINT32)
                    .in("ElementName", STRING)
                    .in("ElementType", UINT16)
                    .outRef("Job", "CIM_ConcreteJob")
                    .inRef("Goal", "CIM_ManagedElement")
                    .inOut("Size", UINT64)
                    .inRef("InPool", "CIM_StoragePool")
                    .inOutRef("TheElement", "CIM_LogicalElement")
                    .end()
                .method("ReturnToStoragePool", UINT32)
                    .outRef("Job", "CIM_ConcreteJob")
                    .inRef("TheElement", "CIM_LogicalElement")
                    .end();
        b.define("SIM_StorageConfigurationService", "CIM_StorageConfigurationService")
                .description("Creates, resizes and deletes volumes in the simulated pools.");
        b.define("CIM_ReplicationService", "CIM_Service")
                .method("CreateElementReplica", UINT32)
                    .in("ElementName", STRING)
                    .in("SyncType", UINT16)
                    .in("Mode", UINT16)
                    .inRef("SourceElement", "CIM_LogicalElement")
                    .inRef("SourceAccessPoint", "CIM_ServiceAccessPoint")
                    .inRef("TargetAccessPoint", "CIM_ServiceAccessPoint")
                    .in("ReplicationSettingData", STRING)
                    .outRef("Job", "CIM_ConcreteJob")
                    .outRef("Synchronization", "CIM_Synchronized")
                    .inOutRef("TargetElement", "CIM_LogicalElement")
                    .inRef("TargetSettingGoal", "CIM_SettingData")
                    .inRef("TargetPool", "CIM_ResourcePool")
                    .in("WaitForCopyState", UINT16)
                    .inRef("ConnectivityCollection", "CIM_ConnectivityCollection")
                    .inRefArray("Collections", "CIM_Collection")
                    .end()
                .method("ModifyReplicaSynchronization", UINT32)
                    .in("Operation", UINT16)
                    .inRef("Synchronization", "CIM_Synchronized")
                    .in("ReplicationSettingData", STRING)
                    .outRef("Job", "CIM_ConcreteJob")
                    .in("Force", BOOLEAN)
                    .in("WaitForCopyState", UINT16)
                    .end();
        b.define("SIM_ReplicationService", "CIM_ReplicationService")
                .description("Creates mirrors, snapshots and clones of volumes and manages their relationships.");
        b.define("CIM_ControllerConfigurationService", "CIM_Service")
                .method("ExposePaths", UINT32)
                    .outRef("Job", "CIM_ConcreteJob")
                    .inArray("LUNames", STRING)
                    .inArray("InitiatorPortIDs", STRING)
                    .inArray("TargetPortIDs", STRING)
                    .inArray("DeviceNumbers", STRING)
                    .inArray("DeviceAccesses", UINT16)
                    .inOutRefArray("ProtocolControllers", "CIM_SCSIProtocolController")
                    .end()
                .method("HidePaths", UINT32)
                    .outRef("Job", "CIM_ConcreteJob")
                    .inArray("LUNames", STRING)
                    .inArray("InitiatorPortIDs", STRING)
                    .inArray("TargetPortIDs", STRING)
                    .inOutRefArray("ProtocolControllers", "CIM_SCSIProtocolController")
                    .end();
        b.define("SIM_ControllerConfigurationService", "CIM_ControllerConfigurationService")
                .description("Masks and maps volumes to host initiators with ExposePaths and HidePaths.");
        b.define("CIM_GroupMaskingMappingService", "CIM_Service")
                .method("CreateGroup", UINT32)
                    .in("GroupName", STRING)
                    .in("Type", UINT16)
                    .inRefArray("Members", "CIM_ManagedElement")
                    .outRef("Job", "CIM_ConcreteJob")
                    .in("DeleteOnEmpty", BOOLEAN)
                    .in("DeleteWhenBecomesUnassociated", BOOLEAN)
                    .in("ConsistentLogicalUnitNumber", BOOLEAN)
                    .inOutRef("MaskingGroup", "CIM_MaskingGroup")
                    .end()
                .method("AddMembers", UINT32)
                    .inRef("MaskingGroup", "CIM_MaskingGroup")
                    .inRefArray("Members", "CIM_ManagedElement")
                    .inArray("DeviceNumbers", STRING)
                    .outRef("Job", "CIM_ConcreteJob")
                    .end()
                .method("RemoveMembers", UINT32)
                    .inRef("MaskingGroup", "CIM_MaskingGroup")
                    .inRefArray("Members", "CIM_ManagedElement")
                    .outRef("Job", "CIM_ConcreteJob")
                    .in("DeleteOnEmpty", BOOLEAN)
                    .end()
                .method("DeleteGroup", UINT32)
                    .inRef("MaskingGroup", "CIM_MaskingGroup")
                    .outRef("Job", "CIM_ConcreteJob")
                    .in("Force", BOOLEAN)
                    .end()
                .method("CreateMaskingView", UINT32)
                    .in("ElementName", STRING)
                    .inRef("InitiatorMaskingGroup", "CIM_InitiatorMaskingGroup")
                    .inRef("TargetMaskingGroup", "CIM_TargetMaskingGroup")
                    .inRef("DeviceMaskingGroup", "CIM_DeviceMaskingGroup")
                    .inArray("DeviceNumbers", STRING)
                    .outRef("Job", "CIM_ConcreteJob")
                    .inOutRef("ProtocolController", "CIM_ProtocolController")
                    .end()
                .method("DeleteMaskingView", UINT32)
                    .inRef("ProtocolController", "CIM_ProtocolController")
                    .outRef("Job", "CIM_ConcreteJob")
                    .in("DeleteWhenBecomesUnassociated", BOOLEAN)
                    .end();
        b.define("SIM_GroupMaskingMappingService", "CIM_GroupMaskingMappingService")
                .description("Masks and maps through initiator, target and device masking groups and views.");
        b.define("CIM_StorageHardwareIDManagementService", "CIM_Service")
                .method("CreateStorageHardwareID", UINT32)
                    .in("ElementName", STRING)
                    .in("StorageID", STRING)
                    .in("IDType", UINT16)
                    .in("OtherIDType", STRING)
                    .inRef("Setting", "CIM_SettingData")
                    .outRef("HardwareID", "CIM_StorageHardwareID")
                    .end()
                .method("DeleteStorageHardwareID", UINT32)
                    .inRef("HardwareID", "CIM_StorageHardwareID")
                    .end();
        b.define("SIM_StorageHardwareIDManagementService", "CIM_StorageHardwareIDManagementService")
                .description("Records host initiator names (iSCSI names, port WWNs) as storage hardware IDs.");
        b.define("CIM_WBEMService", "CIM_Service").abstractClass();
        b.define("CIM_ObjectManager", "CIM_WBEMService").property("GatherStatisticalData", BOOLEAN);
        b.subclass("SIM_ObjectManager", "CIM_ObjectManager");
        b.define("CIM_Namespace", "CIM_ManagedElement")
                .key("SystemCreationClassName", STRING).key("SystemName", STRING)
                .key("ObjectManagerCreationClassName", STRING).key("ObjectManagerName", STRING)
                .key("CreationClassName", STRING).key("Name", STRING)
                .property("ClassInfo", UINT16).property("DescriptionOfClassInfo", STRING)
                .property("ClassType", UINT16);
        b.subclass("SIM_Namespace", "CIM_Namespace");

        // ---- profile registration
        b.define("CIM_RegisteredProfile", "CIM_ManagedElement")
                .key("InstanceID", STRING).property("RegisteredOrganization", UINT16)
                .property("OtherRegisteredOrganization", STRING).property("RegisteredName", STRING)
                .property("RegisteredVersion", STRING).array("AdvertiseTypes", UINT16)
                .array("AdvertiseTypeDescriptions", STRING);
        b.subclass("SIM_RegisteredProfile", "CIM_RegisteredProfile");

        // ---- pools and capabilities
        b.define("CIM_ResourcePool", "CIM_LogicalElement")
                .key("InstanceID", STRING).property("PoolID", STRING).property("Primordial", BOOLEAN)
                .property("Capacity", UINT64).property("Reserved", UINT64).property("ResourceType", UINT16)
                .property("AllocationUnits", STRING);
        b.define("CIM_StoragePool", "CIM_ResourcePool")
                .property("TotalManagedSpace", UINT64).property("RemainingManagedSpace", UINT64)
                .property("Usage", UINT16).property("OtherUsageDescription", STRING)
                .array("ClientSettableUsage", UINT16).property("SpaceLimitDetermination", UINT16)
                .property("SpaceLimit", UINT64).property("ThinProvisionMetaDataSpace", UINT64)
                .property("ElementsShareSpace", BOOLEAN).property("LowSpaceWarningThreshold", UINT16);
        b.subclass("SIM_StoragePool", "CIM_StoragePool");
        b.define("CIM_Capabilities", "CIM_ManagedElement").key("InstanceID", STRING);
        b.define("CIM_StorageCapabilities", "CIM_Capabilities")
                .property("ElementType", UINT16).property("NoSinglePointOfFailure", BOOLEAN)
                .property("NoSinglePointOfFailureDefault", BOOLEAN)
                .property("DataRedundancyMax", UINT16).property("DataRedundancyMin", UINT16)
                .property("DataRedundancyDefault", UINT16)
                .property("PackageRedundancyMax", UINT16).property("PackageRedundancyMin", UINT16)
                .property("PackageRedundancyDefault", UINT16)
                .property("DeltaReservationMax", UINT8).property("DeltaReservationMin", UINT8)
                .property("DeltaReservationDefault", UINT8)
                .property("ExtentStripeLengthDefault", UINT16).property("ParityLayoutDefault", UINT16)
                .property("UserDataStripeDepthDefault", UINT64);
        b.subclass("SIM_StorageCapabilities", "CIM_StorageCapabilities");
        b.define("CIM_StorageConfigurationCapabilities", "CIM_Capabilities")
                .array("SupportedAsynchronousActions", UINT16).array("SupportedSynchronousActions", UINT16)
                .array("SupportedStorageElementTypes", UINT16).array("SupportedStoragePoolFeatures", UINT16)
                .array("SupportedStorageElementFeatures", UINT16).array("SupportedCopyTypes", UINT16)
                .property("InitialReplicationState", UINT16).array("SupportedStorageElementUsage", UINT16)
                .array("ClientSettableElementUsage", UINT16).array("SupportedStoragePoolUsage", UINT16)
                .array("ClientSettablePoolUsage", UINT16);
        b.subclass("SIM_StorageConfigurationCapabilities", "CIM_StorageConfigurationCapabilities");
        b.define("CIM_ReplicationServiceCapabilities", "CIM_Capabilities")
                .array("SupportedReplicationTypes", UINT16).array("SupportedAsynchronousActions", UINT16)
                .array("SupportedSynchronousActions", UINT16).array("SupportedSpecializedElements", UINT16)
                .array("InitialReplicationState", UINT16).array("SupportedModifyOperations", UINT16)
                .array("SupportedCopyStates", UINT16);
        b.subclass("SIM_ReplicationServiceCapabilities", "CIM_ReplicationServiceCapabilities");
        b.define("CIM_ProtocolControllerMaskingCapabilities", "CIM_Capabilities")
                .array("ValidHardwareIdTypes", UINT16).array("OtherValidHardwareIDTypes", STRING)
                .property("PortsPerView", UINT16).property("ClientSelectableDeviceNumbers", BOOLEAN)
                .property("AttachDeviceSupported", BOOLEAN).property("OneHardwareIDPerView", BOOLEAN)
                .property("UniqueUnitNumbersPerPort", BOOLEAN).property("PrivilegeDeniedSupported", BOOLEAN)
                .property("ProtocolControllerRequiresAuthorizedIdentity", BOOLEAN)
                .property("ProtocolControllerSupportsCollections", BOOLEAN)
                .property("ExposePathsSupported", BOOLEAN).property("CreateProtocolControllerSupported", BOOLEAN)
                .property("MaximumMapCount", UINT16).property("SPCAllowsNoLUs", BOOLEAN)
                .property("SPCAllowsNoTargets", BOOLEAN).property("SPCAllowsNoInitiators", BOOLEAN)
                .property("SPCSupportsDefaultViews", BOOLEAN);
        b.subclass("SIM_ProtocolControllerMaskingCapabilities", "CIM_ProtocolControllerMaskingCapabilities");
        b.define("CIM_GroupMaskingMappingCapabilities", "CIM_Capabilities")
                .array("SupportedAsynchronousActions", UINT16).array("SupportedSynchronousActions", UINT16)
                .array("SupportedDeviceGroupFeatures", UINT16).array("SupportedInitiatorGroupFeatures", UINT16)
                .array("SupportedTargetGroupFeatures", UINT16);
        b.subclass("SIM_GroupMaskingMappingCapabilities", "CIM_GroupMaskingMappingCapabilities");

        // ---- identities, privileges, collections
        b.define("CIM_Identity", "CIM_ManagedElement").key("InstanceID", STRING)
                .property("CurrentlyAuthenticated", BOOLEAN);
        b.define("CIM_StorageHardwareID", "CIM_Identity")
                .property("StorageID", STRING).property("IDType", UINT16).property("OtherIDType", STRING);
        b.subclass("SIM_StorageHardwareID", "CIM_StorageHardwareID");
        b.define("CIM_Privilege", "CIM_ManagedElement").key("InstanceID", STRING)
                .property("PrivilegeGranted", BOOLEAN).array("Activities", UINT16)
                .array("ActivityQualifiers", STRING).array("QualifierFormats", UINT16);
        b.define("CIM_AuthorizedPrivilege", "CIM_Privilege");
        b.subclass("SIM_AuthorizedPrivilege", "CIM_AuthorizedPrivilege");
        b.define("CIM_Collection", "CIM_ManagedElement").abstractClass();
        b.define("CIM_SystemSpecificCollection", "CIM_Collection").key("InstanceID", STRING);
        b.define("CIM_MaskingGroup", "CIM_SystemSpecificCollection").abstractClass();
        b.define("CIM_InitiatorMaskingGroup", "CIM_MaskingGroup");
        b.subclass("SIM_InitiatorMaskingGroup", "CIM_InitiatorMaskingGroup");
        b.define("CIM_TargetMaskingGroup", "CIM_MaskingGroup");
        b.subclass("SIM_TargetMaskingGroup", "CIM_TargetMaskingGroup");
        b.define("CIM_DeviceMaskingGroup", "CIM_MaskingGroup")
                .property("DeleteOnEmpty", BOOLEAN).property("DeleteWhenBecomesUnassociated", BOOLEAN)
                .property("ConsistentLogicalUnitNumber", BOOLEAN);
        b.subclass("SIM_DeviceMaskingGroup", "CIM_DeviceMaskingGroup");

        // ---- devices
        b.define("CIM_LogicalDevice", "CIM_EnabledLogicalElement").abstractClass()
                .key("SystemCreationClassName", STRING).key("SystemName", STRING)
                .key("CreationClassName", STRING).key("DeviceID", STRING)
                .array("IdentifyingDescriptions", STRING).array("OtherIdentifyingInfo", STRING);
        b.define("CIM_StorageExtent", "CIM_LogicalDevice")
                .property("DataOrganization", UINT16).property("Purpose", STRING).property("Access", UINT16)
                .property("BlockSize", UINT64).property("NumberOfBlocks", UINT64)
                .property("ConsumableBlocks", UINT64).property("IsBasedOnUnderlyingRedundancy", BOOLEAN)
                .property("SequentialAccess", BOOLEAN).array("ExtentStatus", UINT16)
                .property("NoSinglePointOfFailure", BOOLEAN).property("DataRedundancy", UINT16)
                .property("PackageRedundancy", UINT16).property("DeltaReservation", UINT8)
                .property("Primordial", BOOLEAN).property("NameFormat", UINT16)
                .property("NameNamespace", UINT16).property("OtherNameNamespace", STRING)
                .property("OtherNameFormat", STRING).property("Usage", UINT16)
                .property("OtherUsageDescription", STRING).array("ClientSettableUsage", UINT16)
                .property("IsComposite", BOOLEAN).property("IsConcatenated", BOOLEAN)
                .property("ThinlyProvisioned", BOOLEAN);
        b.define("CIM_StorageVolume", "CIM_StorageExtent");
        b.subclass("SIM_StorageVolume", "CIM_StorageVolume");
        // Declared for clients that look for mapping before they delete a volume; no instances yet.
        b.define("CIM_ProtocolController", "CIM_LogicalDevice").abstractClass()
                .property("MaxUnitsControlled", UINT32);
        b.define("CIM_SCSIProtocolController", "CIM_ProtocolController")
                .property("NameFormat", UINT16).property("OtherNameFormat", STRING);
        b.subclass("SIM_SCSIProtocolController", "CIM_SCSIProtocolController");
        b.define("CIM_LogicalPort", "CIM_LogicalDevice").abstractClass()
                .property("Speed", UINT64).property("MaxSpeed", UINT64).property("PortType", UINT16);
        b.define("CIM_NetworkPort", "CIM_LogicalPort")
                .property("PortNumber", UINT16).property("LinkTechnology", UINT16)
                .property("PermanentAddress", STRING).array("NetworkAddresses", STRING);
        b.define("CIM_EthernetPort", "CIM_NetworkPort");
        b.subclass("SIM_EthernetPort", "CIM_EthernetPort");
        b.define("CIM_ServiceAccessPoint", "CIM_EnabledLogicalElement").abstractClass()
                .key("SystemCreationClassName", STRING).key("SystemName", STRING)
                .key("CreationClassName", STRING).key("Name", STRING);
        b.define("CIM_ProtocolEndpoint", "CIM_ServiceAccessPoint")
                .property("NameFormat", STRING).property("ProtocolType", UINT16)
                .property("ProtocolIFType", UINT16).property("OtherTypeDescription", STRING);
        b.define("CIM_SCSIProtocolEndpoint", "CIM_ProtocolEndpoint")
                .property("ConnectionType", UINT16).property("OtherConnectionType", STRING)
                .property("Role", UINT16);
        b.define("CIM_iSCSIProtocolEndpoint", "CIM_SCSIProtocolEndpoint").property("Identifier", UINT16);
        b.subclass("SIM_iSCSIProtocolEndpoint", "CIM_iSCSIProtocolEndpoint");
        b.define("CIM_TCPProtocolEndpoint", "CIM_ProtocolEndpoint").property("PortNumber", UINT32);
        b.subclass("SIM_TCPProtocolEndpoint", "CIM_TCPProtocolEndpoint");
        b.define("CIM_IPProtocolEndpoint", "CIM_ProtocolEndpoint")
                .property("IPv4Address", STRING).property("IPv6Address", STRING).property("SubnetMask", STRING)
                .property("PrefixLength", UINT8).property("AddressOrigin", UINT16)
                .property("IPVersionSupport", UINT16).property("IPv6AddressType", UINT16);
        b.subclass("SIM_IPProtocolEndpoint", "CIM_IPProtocolEndpoint");

        // ---- jobs
        b.define("CIM_Job", "CIM_LogicalElement").abstractClass()
                .property("JobStatus", STRING).property("TimeSubmitted", DATETIME)
                .property("StartTime", DATETIME).property("ElapsedTime", DATETIME)
                .property("Owner", STRING).property("Priority", UINT32).property("PercentComplete", UINT16)
                .property("DeleteOnCompletion", BOOLEAN).property("ErrorCode", UINT16)
                .property("ErrorDescription", STRING).property("RecoveryAction", UINT16)
                .property("LocalOrUtcTime", UINT16);
        b.define("CIM_ConcreteJob", "CIM_Job")
                .key("InstanceID", STRING).property("Name", STRING).property("JobState", UINT16)
                .property("TimeOfLastStateChange", DATETIME).property("TimeBeforeRemoval", DATETIME)
                .property("MethodName", STRING)
                .method("RequestStateChange", UINT32)
                    .in("RequestedState", UINT16)
                    .in("TimeoutPeriod", DATETIME)
                    .end();
        b.subclass("SIM_ConcreteJob", "CIM_ConcreteJob");

        // ---- associations
        b.define("CIM_Dependency", null).association().abstractClass()
                .role("Antecedent", "CIM_ManagedElement").role("Dependent", "CIM_ManagedElement");
        b.define("CIM_HostedDependency", "CIM_Dependency").abstractClass();
        b.define("CIM_HostedService", "CIM_HostedDependency")
                .role("Antecedent", "CIM_System").role("Dependent", "CIM_Service");
        b.subclass("SIM_HostedService", "CIM_HostedService");
        b.define("CIM_AllocatedFromStoragePool", "CIM_Dependency")
                .role("Antecedent", "CIM_StoragePool").role("Dependent", "CIM_LogicalElement")
                .property("SpaceConsumed", UINT64);
        b.subclass("SIM_AllocatedFromStoragePool", "CIM_AllocatedFromStoragePool");
        b.define("CIM_ReferencedProfile", "CIM_Dependency")
                .role("Antecedent", "CIM_RegisteredProfile").role("Dependent", "CIM_RegisteredProfile");
        b.subclass("SIM_ReferencedProfile", "CIM_ReferencedProfile");
        b.define("CIM_NamespaceInManager", "CIM_Dependency")
                .role("Antecedent", "CIM_ObjectManager").role("Dependent", "CIM_Namespace");
        b.subclass("SIM_NamespaceInManager", "CIM_NamespaceInManager");
        b.define("CIM_ProtocolControllerForDevice", "CIM_Dependency").abstractClass()
                .role("Antecedent", "CIM_ProtocolController").role("Dependent", "CIM_LogicalDevice")
                .property("DeviceNumber", STRING).property("AccessPriority", UINT16);
        b.define("CIM_ProtocolControllerForUnit", "CIM_ProtocolControllerForDevice")
                .property("DeviceAccess", UINT16);
        b.subclass("SIM_ProtocolControllerForUnit", "CIM_ProtocolControllerForUnit");
        b.define("CIM_ConcreteDependency", "CIM_Dependency");
        b.subclass("SIM_ConcreteDependency", "CIM_ConcreteDependency");
        b.define("CIM_HostedCollection", "CIM_HostedDependency")
                .role("Antecedent", "CIM_System").role("Dependent", "CIM_SystemSpecificCollection");
        b.subclass("SIM_HostedCollection", "CIM_HostedCollection");
        b.define("CIM_HostedAccessPoint", "CIM_HostedDependency")
                .role("Antecedent", "CIM_System").role("Dependent", "CIM_ServiceAccessPoint");
        b.subclass("SIM_HostedAccessPoint", "CIM_HostedAccessPoint");
        b.define("CIM_SAPSAPDependency", "CIM_Dependency")
                .role("Antecedent", "CIM_ServiceAccessPoint").role("Dependent", "CIM_ServiceAccessPoint");
        b.define("CIM_BindsTo", "CIM_SAPSAPDependency")
                .role("Antecedent", "CIM_ProtocolEndpoint").role("Dependent", "CIM_ServiceAccessPoint");
        b.subclass("SIM_BindsTo", "CIM_BindsTo");
        b.define("CIM_DeviceSAPImplementation", "CIM_Dependency")
                .role("Antecedent", "CIM_LogicalDevice").role("Dependent", "CIM_ServiceAccessPoint");
        b.subclass("SIM_DeviceSAPImplementation", "CIM_DeviceSAPImplementation");
        b.define("CIM_AssociatedInitiatorMaskingGroup", "CIM_Dependency")
                .role("Antecedent", "CIM_ProtocolController").role("Dependent", "CIM_InitiatorMaskingGroup");
        b.subclass("SIM_AssociatedInitiatorMaskingGroup", "CIM_AssociatedInitiatorMaskingGroup");
        b.define("CIM_AssociatedTargetMaskingGroup", "CIM_Dependency")
                .role("Antecedent", "CIM_ProtocolController").role("Dependent", "CIM_TargetMaskingGroup");
        b.subclass("SIM_AssociatedTargetMaskingGroup", "CIM_AssociatedTargetMaskingGroup");
        b.define("CIM_AssociatedDeviceMaskingGroup", "CIM_Dependency")
                .role("Antecedent", "CIM_ProtocolController").role("Dependent", "CIM_DeviceMaskingGroup");
        b.subclass("SIM_AssociatedDeviceMaskingGroup", "CIM_AssociatedDeviceMaskingGroup");

        b.define("CIM_Component", null).association().abstractClass()
                .role("GroupComponent", "CIM_ManagedElement").role("PartComponent", "CIM_ManagedElement");
        b.define("CIM_SystemComponent", "CIM_Component")
                .role("GroupComponent", "CIM_System").role("PartComponent", "CIM_ManagedSystemElement");
        b.define("CIM_HostedStoragePool", "CIM_SystemComponent")
                .role("GroupComponent", "CIM_System").role("PartComponent", "CIM_StoragePool");
        b.subclass("SIM_HostedStoragePool", "CIM_HostedStoragePool");
        b.define("CIM_SystemDevice", "CIM_SystemComponent")
                .role("GroupComponent", "CIM_System").role("PartComponent", "CIM_LogicalDevice");
        b.subclass("SIM_SystemDevice", "CIM_SystemDevice");

        b.define("CIM_MemberOfCollection", null).association()
                .role("Collection", "CIM_Collection").role("Member", "CIM_ManagedElement");
        b.subclass("SIM_MemberOfCollection", "CIM_MemberOfCollection");
        b.define("CIM_OrderedMemberOfCollection", "CIM_MemberOfCollection").property("AssignedSequence", UINT64);
        b.subclass("SIM_OrderedMemberOfCollection", "CIM_OrderedMemberOfCollection");
        b.define("CIM_ServiceAffectsElement", null).association()
                .role("AffectedElement", "CIM_ManagedElement").role("AffectingElement", "CIM_Service")
                .array("ElementEffects", UINT16);
        b.subclass("SIM_ServiceAffectsElement", "CIM_ServiceAffectsElement");
        b.define("CIM_SAPAvailableForElement", null).association()
                .role("AvailableSAP", "CIM_ServiceAccessPoint").role("ManagedElement", "CIM_ManagedElement");
        b.subclass("SIM_SAPAvailableForElement", "CIM_SAPAvailableForElement");
        b.define("CIM_AuthorizedTarget", null).association()
                .role("Privilege", "CIM_AuthorizedPrivilege").role("TargetElement", "CIM_ManagedElement");
        b.subclass("SIM_AuthorizedTarget", "CIM_AuthorizedTarget");
        b.define("CIM_AuthorizedSubject", null).association()
                .role("Privilege", "CIM_AuthorizedPrivilege").role("PrivilegedElement", "CIM_ManagedElement");
        b.subclass("SIM_AuthorizedSubject", "CIM_AuthorizedSubject");
        b.define("CIM_ElementCapabilities", null).association()
                .role("ManagedElement", "CIM_ManagedElement").role("Capabilities", "CIM_Capabilities")
                .array("Characteristics", UINT16);
        b.subclass("SIM_ElementCapabilities", "CIM_ElementCapabilities");
        b.define("CIM_ElementConformsToProfile", null).association()
                .role("ConformantStandard", "CIM_RegisteredProfile").role("ManagedElement", "CIM_ManagedElement");
        b.subclass("SIM_ElementConformsToProfile", "CIM_ElementConformsToProfile");
        b.define("CIM_OwningJobElement", null).association()
                .role("OwningElement", "CIM_ManagedElement").role("OwnedElement", "CIM_Job");
        b.subclass("SIM_OwningJobElement", "CIM_OwningJobElement");
        b.define("CIM_AffectedJobElement", null).association()
                .role("AffectedElement", "CIM_ManagedElement").role("AffectingElement", "CIM_Job")
                .array("ElementEffects", UINT16).array("OtherElementEffectsDescriptions", STRING);
        b.subclass("SIM_AffectedJobElement", "CIM_AffectedJobElement");
        b.define("CIM_Synchronized", null).association().abstractClass()
                .role("SystemElement", "CIM_ManagedElement").role("SyncedElement", "CIM_ManagedElement")
                .property("SyncMaintained", BOOLEAN).property("WhenSynced", DATETIME)
                .property("SyncState", UINT16).property("CopyType", UINT16).property("SyncType", UINT16)
                .property("Mode", UINT16).property("CopyState", UINT16).property("ProgressStatus", UINT16)
                .property("PercentSynced", UINT16);
        b.define("CIM_StorageSynchronized", "CIM_Synchronized");
        b.subclass("SIM_StorageSynchronized", "CIM_StorageSynchronized");
        return b.build();
    }
}
