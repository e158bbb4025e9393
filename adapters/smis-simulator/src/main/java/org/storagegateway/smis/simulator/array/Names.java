package org.storagegateway.smis.simulator.array;

/** Namespaces, class names and fixed identifiers of the simulated array. */
public final class Names {
    /** The interop namespace; {@code root/interop} is served as an alias of it. */
    public static final String INTEROP = "interop";
    /** The array's own namespace. */
    public static final String ARRAY_NAMESPACE = "root/sim";

    public static final String SYSTEM_CLASS = "SIM_StorageSystem";
    public static final String SCS_CLASS = "SIM_StorageConfigurationService";
    public static final String SCS_NAME = "StorageConfigurationService";
    public static final String POOL_CLASS = "SIM_StoragePool";
    public static final String VOLUME_CLASS = "SIM_StorageVolume";
    public static final String JOB_CLASS = "SIM_ConcreteJob";
    public static final String PROFILE_CLASS = "SIM_RegisteredProfile";
    public static final String OBJECT_MANAGER_CLASS = "SIM_ObjectManager";

    public static final String REPLICATION_SERVICE_CLASS = "SIM_ReplicationService";
    public static final String REPLICATION_SERVICE_NAME = "ReplicationService";
    public static final String SYNC_CLASS = "SIM_StorageSynchronized";

    public static final String CONTROLLER_SERVICE_CLASS = "SIM_ControllerConfigurationService";
    public static final String CONTROLLER_SERVICE_NAME = "ControllerConfigurationService";
    public static final String GROUP_MASKING_SERVICE_CLASS = "SIM_GroupMaskingMappingService";
    public static final String GROUP_MASKING_SERVICE_NAME = "GroupMaskingMappingService";
    public static final String HARDWARE_ID_SERVICE_CLASS = "SIM_StorageHardwareIDManagementService";
    public static final String HARDWARE_ID_SERVICE_NAME = "StorageHardwareIDManagementService";
    public static final String SPC_CLASS = "SIM_SCSIProtocolController";
    public static final String HARDWARE_ID_CLASS = "SIM_StorageHardwareID";
    public static final String ISCSI_ENDPOINT_CLASS = "SIM_iSCSIProtocolEndpoint";
    /** The DeviceID of the SPC that stands for the iSCSI node (Name = the base target IQN). */
    public static final String ISCSI_NODE_ID = "ISCSI-NODE";

    public static final String CREATE_ELEMENT_REPLICA = "CreateElementReplica";
    public static final String MODIFY_REPLICA_SYNCHRONIZATION = "ModifyReplicaSynchronization";
    public static final String CREATE_OR_MODIFY = "CreateOrModifyElementFromStoragePool";
    public static final String RETURN_TO_POOL = "ReturnToStoragePool";

    public static final String PRIMORDIAL_POOL_ID = "SIM:POOL-0";
    public static final String THICK_POOL_ID = "SIM:POOL-1";
    public static final String THIN_POOL_ID = "SIM:POOL-2";

    private Names() {
    }
}
