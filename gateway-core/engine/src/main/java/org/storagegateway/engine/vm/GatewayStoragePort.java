package org.storagegateway.engine.vm;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.storagegateway.bridge.StoragePort;
import org.storagegateway.engine.StorageService;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.Datapath;

/**
 * The bridge's {@link StoragePort} on the gateway's own storage operations: attach and detach go to the SR driver
 * ({@code attachVdi}/{@code detachVdi}); snapshot, clone, create and destroy are the journaled VDI tasks, so VDI
 * records and journals stay consistent whatever the bridge does.
 *
 * <p>A driver keeps one datapath per VDI, not per host; during a live migration both hosts hold the same VDI. The
 * port therefore counts the hosts a VDI is attached for and detaches it from the driver when the last one lets go.
 */
public final class GatewayStoragePort implements StoragePort {
    private final StorageService storage;
    /** VDI uuid → the hosts it is attached for. Guarded by itself. */
    private final Map<String, Set<String>> attachedFor = new ConcurrentHashMap<>();

    public GatewayStoragePort(StorageService storage) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
    }

    @Override
    public Datapath attach(String vdiUuid, String hostUuid, boolean writable) {
        synchronized (attachedFor) {
            Datapath datapath = storage.attachVirtualDisk(vdiUuid, !writable);
            attachedFor.computeIfAbsent(vdiUuid, k -> new HashSet<>()).add(hostUuid);
            return datapath;
        }
    }

    @Override
    public void detach(String vdiUuid, String hostUuid) {
        synchronized (attachedFor) {
            Set<String> hosts = attachedFor.get(vdiUuid);
            if (hosts != null) {
                hosts.remove(hostUuid);
                if (!hosts.isEmpty()) {
                    return;
                }
                attachedFor.remove(vdiUuid);
            }
            storage.detachVirtualDisk(vdiUuid);
        }
    }

    /** The hosts a VDI is attached for, as the bridge asked. */
    public Set<String> attachedHosts(String vdiUuid) {
        synchronized (attachedFor) {
            return Set.copyOf(attachedFor.getOrDefault(vdiUuid, Set.of()));
        }
    }

    @Override
    public String snapshot(String vdiUuid, String nameLabel) {
        return storage.snapshotVirtualDisk(vdiUuid, Optional.empty()).uuid();
    }

    @Override
    public String clone(String vdiUuid, String nameLabel) {
        return storage.cloneVirtualDisk(vdiUuid, nameLabel, Optional.empty()).uuid();
    }

    @Override
    public String createVdi(String srUuid, String nameLabel, long virtualSizeBytes) {
        return storage.createVirtualDisk(srUuid, nameLabel, virtualSizeBytes, Optional.empty()).uuid();
    }

    @Override
    public long virtualSize(String vdiUuid) {
        return storage.getVirtualDisk(vdiUuid).virtualSize();
    }

    @Override
    public void destroy(String vdiUuid) {
        try {
            synchronized (attachedFor) {
                if (!attachedFor.containsKey(vdiUuid)) {
                    storage.detachVirtualDisk(vdiUuid); // a stray export, if any; idempotent
                }
            }
            storage.deleteVirtualDisk(vdiUuid, Optional.empty());
        } catch (StorageException e) {
            if (e.errorCode().code() != StandardErrorCode.VDI_NOT_FOUND.code()) {
                throw e;
            }
        }
    }
}
