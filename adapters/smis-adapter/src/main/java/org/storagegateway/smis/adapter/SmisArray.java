package org.storagegateway.smis.adapter;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMInstance;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger16;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger64;
import org.sentrysoftware.wbem.javax.wbem.WBEMException;
import org.storagegateway.smis.adapter.ArrayObjects.Pool;
import org.storagegateway.smis.adapter.ArrayObjects.Registration;
import org.storagegateway.smis.adapter.ArrayObjects.StorageSystem;
import org.storagegateway.smis.adapter.ArrayObjects.Volume;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.TaskMonitor;
import org.storagegateway.spi.model.Capability;

/**
 * One array's CIMOM as the SMI-S profiles describe it: discovery through the interop namespace, pools, volumes and
 * the Block Services methods. Everything is found by {@code CIM_} base classes and associations from the system the
 * Array profile names, never by vendor class names or namespaces. What the array registered is cached for the life
 * of the connection; pools and volumes are read fresh on every call.
 */
final class SmisArray {
    /** Where SMI-S providers put the interop namespace, in the order clients try them (reference §2). */
    static final List<String> INTEROP_NAMESPACES = List.of("interop", "root/interop", "root/PG_InterOp",
            "root/PG_Interop");
    static final String CREATE_OR_MODIFY = "CreateOrModifyElementFromStoragePool";
    static final String RETURN_TO_POOL = "ReturnToStoragePool";
    static final String CREATE_ELEMENT_REPLICA = "CreateElementReplica";
    static final String MODIFY_REPLICA_SYNCHRONIZATION = "ModifyReplicaSynchronization";
    /** SyncType values of CreateElementReplica. */
    static final long SYNC_SNAPSHOT = 7;
    static final long SYNC_CLONE = 8;
    static final int COPY_SYNCHRONIZED = 4;
    static final long DETACH = 8;
    static final long SNIA = 11;
    static final long ELEMENT_TYPE_THICK = 2;
    static final long ELEMENT_TYPE_THIN = 5;
    static final long RC_OK = 0;
    static final long RC_JOB_STARTED = 4096;
    static final String[] VOLUME_PROPERTIES = {"DeviceID", "ElementName", "Name", "BlockSize", "NumberOfBlocks",
        "ThinlyProvisioned", "SystemName", "CreationClassName", "SystemCreationClassName"};

    private final CimConnection cim;
    private volatile Registration registration;
    private volatile List<StorageSystem> systems;
    private final Map<String, Set<Capability>> capabilities = new ConcurrentHashMap<>();
    private final Map<String, CIMObjectPath> services = new ConcurrentHashMap<>();

    SmisArray(CimConnection cim) {
        this.cim = cim;
    }

    CimConnection connection() {
        return cim;
    }

    /** Find the interop namespace and the profiles registered there (SNIA ones, highest version per name). */
    Registration registration() {
        Registration known = registration;
        if (known != null) {
            return known;
        }
        StorageException last = null;
        for (String namespace : INTEROP_NAMESPACES) {
            List<CIMInstance> profiles;
            try {
                profiles = cim.enumerateInstances(namespace, "CIM_RegisteredProfile", "RegisteredName",
                        "RegisteredVersion", "RegisteredOrganization");
            } catch (StorageException e) {
                int code = cimError(e);
                if (code == WBEMException.CIM_ERR_INVALID_NAMESPACE || code == WBEMException.CIM_ERR_INVALID_CLASS
                        || code == WBEMException.CIM_ERR_NOT_SUPPORTED) {
                    last = e;
                    continue;
                }
                throw e;
            }
            Map<String, String> versions = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (CIMInstance profile : profiles) {
                if (CimValues.optionalNumber(profile, "RegisteredOrganization").orElse(0L) != SNIA) {
                    continue;
                }
                String name = CimValues.text(profile, "RegisteredName");
                String version = CimValues.optionalText(profile, "RegisteredVersion").orElse("0");
                versions.merge(name, version, (a, b) -> compareVersions(a, b) >= 0 ? a : b);
            }
            if (!versions.containsKey("Array")) {
                throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, "The CIMOM at " + cim.uri()
                        + " registers no SNIA Array profile in " + namespace + ": it is not an SMI-S array");
            }
            Registration found = new Registration(namespace, Map.copyOf(versions));
            registration = found;
            return found;
        }
        throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, "The CIMOM at " + cim.uri()
                + " has no interop namespace (tried " + String.join(", ", INTEROP_NAMESPACES) + ")", last);
    }

    /**
     * The storage systems that conform to the Array profile; their paths carry the vendor namespace. Read once per
     * connection: an array's systems do not come and go.
     */
    List<StorageSystem> systems() {
        List<StorageSystem> known = systems;
        if (known == null) {
            known = List.copyOf(readSystems());
            systems = known;
        }
        return known;
    }

    private List<StorageSystem> readSystems() {
        Registration reg = registration();
        List<CIMInstance> arrayProfiles = cim.enumerateInstances(reg.interopNamespace(), "CIM_RegisteredProfile",
                "RegisteredName", "RegisteredOrganization", "RegisteredVersion");
        List<StorageSystem> systems = new ArrayList<>();
        for (CIMInstance profile : arrayProfiles) {
            if (!"Array".equalsIgnoreCase(CimValues.optionalText(profile, "RegisteredName").orElse(""))
                    || CimValues.optionalNumber(profile, "RegisteredOrganization").orElse(0L) != SNIA) {
                continue;
            }
            for (CIMInstance system : cim.associators(profile.getObjectPath(), "CIM_ElementConformsToProfile",
                    "CIM_ComputerSystem", "Name", "ElementName", "OperationalStatus")) {
                CIMObjectPath path = system.getObjectPath();
                String namespace = path.getNamespace();
                if (namespace == null || namespace.isEmpty()) {
                    throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                            "The array returned its system without a namespace in the path");
                }
                systems.add(new StorageSystem(path, new ArrayIdentity(path.getObjectName(),
                        CimValues.text(system, "Name"), CimValues.optionalText(system, "ElementName").orElse(""),
                        namespace)));
            }
        }
        return systems;
    }

    StorageSystem system(String name) {
        return systems().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                        "The array has no storage system named '" + name + "'"));
    }

    /** The concrete pools of a system that can hold volumes (primordial and spare pools left out). */
    List<Pool> pools(StorageSystem system, Set<Quirk> quirks) {
        List<Pool> pools = new ArrayList<>();
        for (CIMInstance pool : concretePools(system)) {
            pools.add(pool(pool, system, quirks));
        }
        return pools;
    }

    /** One concrete pool, read fresh (its free space changes with every volume). */
    Pool pool(StorageSystem system, String poolId, Set<Quirk> quirks) {
        for (CIMInstance pool : concretePools(system)) {
            if (poolId.equals(CimValues.optionalText(pool, "InstanceID").orElse(null))) {
                return pool(pool, system, quirks);
            }
        }
        throw new StorageException(StandardErrorCode.SR_NOT_FOUND,
                "Storage system '" + system.name() + "' has no usable pool '" + poolId + "'");
    }

    private List<CIMInstance> concretePools(StorageSystem system) {
        List<CIMInstance> pools = new ArrayList<>();
        for (CIMInstance pool : cim.associators(system.path(), "CIM_HostedStoragePool", "CIM_StoragePool",
                "InstanceID", "ElementName", "TotalManagedSpace", "RemainingManagedSpace", "Usage", "Primordial")) {
            if (!CimValues.flag(pool, "Primordial", false)
                    && CimValues.optionalNumber(pool, "Usage").orElse(2L) != 8) {
                pools.add(pool);
            }
        }
        return pools;
    }

    private Pool pool(CIMInstance pool, StorageSystem system, Set<Quirk> quirks) {
        CIMInstance caps = quirks.contains(Quirk.NO_POOL_CAPABILITIES)
                ? configurationCapabilities(system)
                : cim.associators(pool.getObjectPath(), "CIM_ElementCapabilities",
                        "CIM_StorageConfigurationCapabilities", "SupportedStorageElementTypes",
                        "SupportedStorageElementFeatures").stream().findFirst()
                        .orElseGet(() -> configurationCapabilities(system));
        return new Pool(pool.getObjectPath(), CimValues.text(pool, "InstanceID"),
                CimValues.optionalText(pool, "ElementName").orElse(CimValues.text(pool, "InstanceID")),
                CimValues.number(pool, "TotalManagedSpace"), CimValues.number(pool, "RemainingManagedSpace"),
                CimValues.numbers(caps, "SupportedStorageElementTypes"),
                CimValues.numbers(caps, "SupportedStorageElementFeatures"));
    }

    /** The capabilities of the system's StorageConfigurationService. */
    private CIMInstance configurationCapabilities(StorageSystem system) {
        return cim.associators(service(system, "CIM_StorageConfigurationService"), "CIM_ElementCapabilities",
                "CIM_StorageConfigurationCapabilities").stream().findFirst()
                .orElseThrow(() -> new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                        "The array's StorageConfigurationService has no StorageConfigurationCapabilities"));
    }

    /** The system's service of a {@code CIM_} class, found by SystemName as the profiles require. */
    CIMObjectPath service(StorageSystem system, String serviceClass) {
        return optionalService(system, serviceClass).orElseThrow(() -> new StorageException(
                StandardErrorCode.UNSUPPORTED_OPERATION, "Storage system '" + system.name() + "' has no "
                + serviceClass));
    }

    Optional<CIMObjectPath> optionalService(StorageSystem system, String serviceClass) {
        String key = system.namespace() + "|" + system.name() + "|" + serviceClass;
        CIMObjectPath known = services.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        List<CIMInstance> all;
        try {
            all = cim.enumerateInstances(system.namespace(), serviceClass, "SystemName");
        } catch (StorageException e) {
            if (cimError(e) == WBEMException.CIM_ERR_INVALID_CLASS) {
                return Optional.empty();
            }
            throw e;
        }
        for (CIMInstance service : all) {
            if (system.name().equals(CimValues.optionalText(service, "SystemName").orElse(null))) {
                services.put(key, service.getObjectPath());
                return Optional.of(service.getObjectPath());
            }
        }
        return Optional.empty();
    }

    /** What the array lets the adapter do on this system, from its registered profiles and capabilities. */
    Set<Capability> capabilities(StorageSystem system) {
        return capabilities.computeIfAbsent(system.namespace() + "|" + system.name(), k -> {
            Registration reg = registration();
            EnumSet<Capability> found = EnumSet.of(Capability.SR_PROBE, Capability.SR_STATS, Capability.VDI_INTRODUCE);
            CIMInstance caps = configurationCapabilities(system);
            long[] actions = concat(CimValues.numbers(caps, "SupportedSynchronousActions"),
                    CimValues.numbers(caps, "SupportedAsynchronousActions"));
            if (CimValues.contains(actions, 5)) {
                found.add(Capability.VDI_CREATE);
            }
            if (CimValues.contains(actions, 6)) {
                found.add(Capability.VDI_DELETE);
            }
            if (CimValues.contains(actions, 7)
                    && CimValues.contains(CimValues.numbers(caps, "SupportedStorageElementFeatures"), 12)) {
                found.add(Capability.VDI_RESIZE);
            }
            if (reg.has("Thin Provisioning")
                    && CimValues.contains(CimValues.numbers(caps, "SupportedStorageElementTypes"), ELEMENT_TYPE_THIN)) {
                found.add(Capability.THIN_PROVISIONING);
            }
            if (reg.has("Replication Services")) {
                optionalService(system, "CIM_ReplicationService").ifPresent(replication -> {
                    for (CIMInstance rc : cim.associators(replication, "CIM_ElementCapabilities",
                            "CIM_ReplicationServiceCapabilities", "SupportedReplicationTypes")) {
                        long[] types = CimValues.numbers(rc, "SupportedReplicationTypes");
                        if (CimValues.contains(types, 6) || CimValues.contains(types, 7)) {
                            found.add(Capability.VDI_SNAPSHOT);
                        }
                        if (CimValues.contains(types, 10) || CimValues.contains(types, 11)) {
                            found.add(Capability.VDI_CLONE);
                        }
                    }
                });
            }
            if (reg.has("Masking and Mapping") && reg.has("iSCSI Target Ports")
                    && optionalService(system, "CIM_ControllerConfigurationService").isPresent()) {
                found.add(Capability.LUN_MASKING);
                found.add(Capability.VDI_ATTACH);
            }
            return Set.copyOf(found);
        });
    }

    /** The volumes a pool holds, with the space each consumes in it and whether each is a snapshot. */
    List<Volume> volumes(StorageSystem system, Pool pool) {
        Map<String, Long> replicaTargets = replicaTargets(system);
        Map<String, Long> consumed = new HashMap<>();
        for (CIMInstance allocation : cim.references(pool.path(), "CIM_AllocatedFromStoragePool", "Dependent",
                "SpaceConsumed")) {
            CIMObjectPath dependent = CimValues.reference(allocation, "Dependent");
            Object deviceId = dependent.getKeyValue("DeviceID");
            if (deviceId instanceof String id) {
                consumed.put(id, CimValues.optionalNumber(allocation, "SpaceConsumed").orElse(0L));
            }
        }
        List<Volume> volumes = new ArrayList<>();
        for (CIMInstance volume : cim.associators(pool.path(), "CIM_AllocatedFromStoragePool", "CIM_StorageVolume",
                VOLUME_PROPERTIES)) {
            volumes.add(volume(volume, consumed, replicaTargets));
        }
        return volumes;
    }

    /** A volume of the system by DeviceID, with its pool's InstanceID; empty when the array has none. */
    Optional<Map.Entry<String, Volume>> volumeById(StorageSystem system, String deviceId) {
        for (CIMInstance v : cim.enumerateInstances(system.namespace(), "CIM_StorageVolume", VOLUME_PROPERTIES)) {
            if (!deviceId.equals(CimValues.optionalText(v, "DeviceID").orElse(null))
                    || !system.name().equals(CimValues.optionalText(v, "SystemName").orElse(system.name()))) {
                continue;
            }
            String poolId = "";
            Map<String, Long> consumed = new HashMap<>();
            for (CIMInstance allocation : cim.references(v.getObjectPath(), "CIM_AllocatedFromStoragePool",
                    "Antecedent", "SpaceConsumed")) {
                Object pool = CimValues.reference(allocation, "Antecedent").getKeyValue("InstanceID");
                poolId = pool instanceof String id ? id : poolId;
                consumed.put(deviceId, CimValues.optionalNumber(allocation, "SpaceConsumed").orElse(0L));
            }
            return Optional.of(Map.entry(poolId, volume(v, consumed, replicaTargets(system))));
        }
        return Optional.empty();
    }

    Optional<Volume> volumeNamed(StorageSystem system, Pool pool, String elementName) {
        return volumes(system, pool).stream().filter(v -> v.elementName().equals(elementName)).findFirst();
    }

    private static Volume volume(CIMInstance v, Map<String, Long> consumed, Map<String, Long> replicaTargets) {
        String deviceId = CimValues.text(v, "DeviceID");
        long blockSize = CimValues.number(v, "BlockSize");
        long blocks = CimValues.number(v, "NumberOfBlocks");
        if (blockSize <= 0 || blocks < 0) {
            throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                    "The array reports volume " + deviceId + " with BlockSize " + blockSize + " and " + blocks
                    + " blocks");
        }
        return new Volume(v.getObjectPath(), deviceId, CimValues.optionalText(v, "ElementName").orElse(""),
                CimValues.optionalText(v, "Name").orElse(""), blockSize, blocks,
                CimValues.flag(v, "ThinlyProvisioned", false),
                consumed.getOrDefault(deviceId, blockSize * blocks),
                replicaTargets.getOrDefault(deviceId, 0L) == SYNC_SNAPSHOT);
    }

    /**
     * Create a volume in a pool with CreateOrModifyElementFromStoragePool, waiting for its job if it starts one, and
     * return it as the array names it: the TheElement output, or the job's CIM_AffectedJobElement. Empty when the
     * array no longer knows the finished job (then the caller finds the volume by name). The caller made sure no volume
     * of that name exists.
     */
    Optional<Volume> createVolume(StorageSystem system, Pool pool, String elementName, long sizeBytes, boolean thin,
                                  Set<Quirk> quirks, Jobs jobs, TaskMonitor monitor) {
        long elementType = thin || quirks.contains(Quirk.THIN_ELEMENT_TYPE_ONLY) ? ELEMENT_TYPE_THIN
                : ELEMENT_TYPE_THICK;
        CIMObjectPath service = service(system, "CIM_StorageConfigurationService");
        Jobs.Outcome outcome = jobs.run(service, CREATE_OR_MODIFY, monitor, "create volume " + elementName,
                new CIMArgument<>("ElementName", CIMDataType.STRING_T, elementName),
                new CIMArgument<>("ElementType", CIMDataType.UINT16_T, new UnsignedInteger16((int) elementType)),
                new CIMArgument<>("Size", CIMDataType.UINT64_T, new UnsignedInteger64(Long.toString(sizeBytes))),
                new CIMArgument<>("InPool", new CIMDataType("CIM_StoragePool"), pool.path()));
        return createdVolume(outcome, "TheElement", elementName, quirks);
    }

    /**
     * The volume a method created, as the array names it: the output parameter {@code outParameter} of a synchronous
     * success, or the CIM_AffectedJobElement of the job. Empty when the array no longer knows the finished job.
     */
    private Optional<Volume> createdVolume(Jobs.Outcome outcome, String outParameter, String elementName,
                                           Set<Quirk> quirks) {
        Optional<CIMInstance> created;
        Object element = outcome.result().out().get(outParameter.toLowerCase(Locale.ROOT));
        if (element instanceof CIMObjectPath path) {
            created = cim.getInstance(path, VOLUME_PROPERTIES);
        } else if (outcome.job().isPresent()) {
            List<CIMInstance> affected;
            try {
                affected = cim.associators(outcome.job().get(), "CIM_AffectedJobElement", "CIM_StorageVolume",
                        quirks.contains(Quirk.ASSOCIATORS_WITHOUT_PROPERTY_LIST) ? new String[0] : VOLUME_PROPERTIES);
            } catch (StorageException e) {
                if (cimError(e) == CimConnection.NOT_FOUND && quirks.contains(Quirk.JOBS_VANISH_WHEN_DONE)) {
                    return Optional.empty();
                }
                throw e;
            }
            if (affected.size() != 1) {
                throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, "The array's job for volume "
                        + elementName + " affected " + affected.size() + " volumes instead of one");
            }
            created = Optional.of(affected.get(0));
        } else {
            throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                    "The array reported success without returning " + outParameter);
        }
        if (created.isEmpty()) {
            return Optional.empty();
        }
        CIMInstance volume = created.get();
        String name = CimValues.optionalText(volume, "ElementName").orElse("");
        if (!name.equals(elementName)) {
            throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, "The array created volume '" + name
                    + "' when asked for '" + elementName + "'");
        }
        Map<String, Long> consumed = new HashMap<>();
        for (CIMInstance allocation : cim.references(volume.getObjectPath(), "CIM_AllocatedFromStoragePool",
                "SpaceConsumed")) {
            consumed.put(CimValues.text(volume, "DeviceID"),
                    CimValues.optionalNumber(allocation, "SpaceConsumed").orElse(0L));
        }
        return Optional.of(volume(volume, consumed, Map.of()));
    }

    /**
     * Replicate a volume into a new one named {@code elementName} in the same pool with CreateElementReplica
     * (SyncType 7 snapshot or 8 clone), waiting until the copy is Synchronized; empty as for {@link #createVolume}.
     */
    Optional<Volume> replicate(StorageSystem system, Pool pool, Volume source, String elementName, long syncType,
                               Set<Quirk> quirks, Jobs jobs, TaskMonitor monitor) {
        CIMObjectPath service = service(system, "CIM_ReplicationService");
        Jobs.Outcome outcome = jobs.run(service, CREATE_ELEMENT_REPLICA, monitor,
                (syncType == SYNC_SNAPSHOT ? "snapshot " : "clone ") + source.elementName() + " into " + elementName,
                new CIMArgument<>("ElementName", CIMDataType.STRING_T, elementName),
                new CIMArgument<>("SyncType", CIMDataType.UINT16_T, new UnsignedInteger16((int) syncType)),
                new CIMArgument<>("SourceElement", new CIMDataType("CIM_LogicalElement"), source.path()),
                new CIMArgument<>("TargetPool", new CIMDataType("CIM_ResourcePool"), pool.path()),
                new CIMArgument<>("WaitForCopyState", CIMDataType.UINT16_T, new UnsignedInteger16(COPY_SYNCHRONIZED)));
        return createdVolume(outcome, "TargetElement", elementName, quirks);
    }

    /**
     * End the replication relationship whose target is {@code target}, leaving both volumes as they are
     * (ModifyReplicaSynchronization 8 Detach). Does nothing when there is none.
     */
    void detachReplica(StorageSystem system, Volume target, Jobs jobs, TaskMonitor monitor) {
        for (CIMObjectPath sync : cim.referenceNames(target.path(), "CIM_StorageSynchronized")) {
            Object synced = sync.getKeyValue("SyncedElement");
            if (synced instanceof CIMObjectPath path && target.deviceId().equals(path.getKeyValue("DeviceID"))) {
                jobs.run(service(system, "CIM_ReplicationService"), MODIFY_REPLICA_SYNCHRONIZATION, monitor,
                        "detach " + target.elementName() + " from its source",
                        new CIMArgument<>("Operation", CIMDataType.UINT16_T, new UnsignedInteger16((int) DETACH)),
                        new CIMArgument<>("Synchronization", new CIMDataType("CIM_Synchronized"), sync));
            }
        }
    }

    /** The SyncType of every replication relationship by the DeviceID of its target. */
    Map<String, Long> replicaTargets(StorageSystem system) {
        Map<String, Long> targets = new HashMap<>();
        List<CIMInstance> syncs;
        try {
            syncs = cim.enumerateInstances(system.namespace(), "CIM_StorageSynchronized", "SyncType",
                    "SystemElement", "SyncedElement");
        } catch (StorageException e) {
            if (cimError(e) == WBEMException.CIM_ERR_INVALID_CLASS) {
                return targets;
            }
            throw e;
        }
        for (CIMInstance sync : syncs) {
            Object device = CimValues.reference(sync, "SyncedElement").getKeyValue("DeviceID");
            if (device instanceof String id) {
                targets.put(id, CimValues.optionalNumber(sync, "SyncType").orElse(0L));
            }
        }
        return targets;
    }

    /** Grow a volume with CreateOrModifyElementFromStoragePool on TheElement. */
    void resizeVolume(StorageSystem system, Volume volume, long sizeBytes, Jobs jobs, TaskMonitor monitor) {
        CIMObjectPath service = service(system, "CIM_StorageConfigurationService");
        jobs.run(service, CREATE_OR_MODIFY, monitor, "resize volume " + volume.elementName(),
                new CIMArgument<>("Size", CIMDataType.UINT64_T, new UnsignedInteger64(Long.toString(sizeBytes))),
                new CIMArgument<>("TheElement", new CIMDataType("CIM_LogicalElement"), volume.path()));
    }

    /** Give a volume's space back with ReturnToStoragePool. */
    void returnVolume(StorageSystem system, Volume volume, Jobs jobs, TaskMonitor monitor) {
        CIMObjectPath service = service(system, "CIM_StorageConfigurationService");
        jobs.run(service, RETURN_TO_POOL, monitor, "delete volume " + volume.elementName(),
                new CIMArgument<>("TheElement", new CIMDataType("CIM_LogicalElement"), volume.path()));
    }

    /** The CIM status code a failure carries, or 0 when it was no CIM error. */
    static int cimError(StorageException e) {
        return e.getCause() instanceof WBEMException w ? w.getID() : 0;
    }

    /** Compare dotted versions numerically: 1.10 is newer than 1.9; unparsable parts count as 0. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Long.compare(part(x, i), part(y, i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static long part(String[] parts, int i) {
        if (i >= parts.length) {
            return 0;
        }
        try {
            return Long.parseLong(parts[i].trim().toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
