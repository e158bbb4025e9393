package org.storagegateway.smis.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.storagegateway.smis.adapter.ArrayObjects.Pool;
import org.storagegateway.smis.adapter.ArrayObjects.StorageSystem;
import org.storagegateway.smis.adapter.ArrayObjects.Volume;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.spi.ArrayAdministration;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.TargetPort;

/**
 * The storage-admin view of one storage system: LUNs are its volumes identified by DeviceID, created by name with
 * the same Block Services methods as VDIs, and masked with the same ExposePaths/HidePaths.
 */
final class SmisArrayAdministration implements ArrayAdministration {
    private final SmisArray array;
    private final StorageSystem system;
    private final Function<ArrayIdentity, Set<Quirk>> quirkLookup;
    private final Set<Quirk> quirks;
    private final Jobs jobs;
    private final DriverContext context;

    SmisArrayAdministration(SmisArray array, StorageSystem system, Function<ArrayIdentity, Set<Quirk>> quirkLookup,
                            Jobs jobs, DriverContext context) {
        this.array = array;
        this.system = system;
        this.quirkLookup = quirkLookup;
        this.quirks = quirkLookup.apply(system.identity());
        this.jobs = jobs;
        this.context = context;
    }

    @Override
    public List<ProbeEntry> listStorageSystems() {
        return ProbeEntries.systems(array, quirkLookup);
    }

    @Override
    public List<ProbeEntry> listStoragePools(String systemId) {
        return ProbeEntries.pools(array, array.system(systemId), quirkLookup);
    }

    @Override
    public List<LunInfo> listLuns(String poolId) {
        Pool pool = array.pool(system, poolId, quirks);
        List<LunInfo> luns = new ArrayList<>();
        for (Volume volume : array.volumes(system, pool)) {
            luns.add(lun(volume, pool.id()));
        }
        return luns;
    }

    @Override
    public List<TargetPort> listTargetPorts() {
        List<TargetPort> ports = new ArrayList<>();
        for (Masking.TargetPort port : new Masking(array).targetPorts(system)) {
            ports.add(new TargetPort(port.name(), "iscsi", port.portal()));
        }
        return ports;
    }

    @Override
    public LunInfo createLun(String poolId, String name, long sizeBytes) {
        if (name.isBlank() || name.length() > 128 || name.chars().anyMatch(Character::isISOControl)) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "A LUN name is 1 to 128 printable"
                    + " characters: '" + name + "'");
        }
        if (sizeBytes <= 0) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "A LUN size must be positive");
        }
        Pool pool = array.pool(system, poolId, quirks);
        Optional<Volume> existing = array.volumeNamed(system, pool, name);
        if (existing.isPresent()) {
            return lun(existing.get(), pool.id());
        }
        require(Capability.VDI_CREATE, "create volumes");
        context.task().checkCancelled();
        Volume created = array.createVolume(system, pool, name, sizeBytes, false, quirks, jobs, context.task())
                .or(() -> array.volumeNamed(system, pool, name))
                .orElseThrow(() -> new StorageException(StandardErrorCode.STORAGE_FAILURE,
                        "The array reported LUN " + name + " created but does not list it"));
        return lun(created, pool.id());
    }

    @Override
    public void deleteLun(String lunId) {
        Optional<Map.Entry<String, Volume>> found = array.volumeById(system, lunId);
        if (found.isEmpty()) {
            return;
        }
        require(Capability.VDI_DELETE, "delete volumes");
        array.returnVolume(system, found.get().getValue(), jobs, context.task());
    }

    @Override
    public LunInfo resizeLun(String lunId, long sizeBytes) {
        Map.Entry<String, Volume> found = byId(lunId);
        Volume volume = found.getValue();
        if (sizeBytes < volume.sizeBytes()) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "LUN " + lunId + " is "
                    + volume.sizeBytes() + " bytes; shrinking it to " + sizeBytes + " is refused");
        }
        if (sizeBytes > volume.sizeBytes()) {
            require(Capability.VDI_RESIZE, "grow volumes");
            array.resizeVolume(system, volume, sizeBytes, jobs, context.task());
        }
        Map.Entry<String, Volume> now = byId(lunId);
        return lun(now.getValue(), now.getKey());
    }

    @Override
    public Datapath.Iscsi exposeLun(String lunId, String initiatorIqn) {
        SmisDriverFactory.requireIqn(initiatorIqn);
        require(Capability.LUN_MASKING, "map volumes to hosts");
        return new Masking(array).expose(system, byId(lunId).getValue(), initiatorIqn, false, jobs, context.task());
    }

    @Override
    public void hideLun(String lunId, String initiatorIqn) {
        SmisDriverFactory.requireIqn(initiatorIqn);
        Optional<Map.Entry<String, Volume>> found = array.volumeById(system, lunId);
        if (found.isPresent()) {
            require(Capability.LUN_MASKING, "map volumes to hosts");
            new Masking(array).hide(system, found.get().getValue(), initiatorIqn, jobs, context.task());
        }
    }

    private Map.Entry<String, Volume> byId(String lunId) {
        return array.volumeById(system, lunId).orElseThrow(() -> new StorageException(
                StandardErrorCode.INVALID_ARGUMENT, "Storage system '" + system.name() + "' has no LUN '" + lunId + "'"));
    }

    private void require(Capability capability, String what) {
        if (!array.capabilities(system).contains(capability)) {
            throw new StorageException(StandardErrorCode.UNSUPPORTED_OPERATION,
                    "Storage system '" + system.name() + "' does not " + what + " through SMI-S");
        }
    }

    private static LunInfo lun(Volume volume, String poolId) {
        return new LunInfo(volume.deviceId(), volume.elementName(), poolId, volume.sizeBytes(),
                volume.consumedBytes(), Map.of("naa", volume.naaName(), "thin", Boolean.toString(volume.thin()),
                        "snapshot", Boolean.toString(volume.snapshot())));
    }
}
