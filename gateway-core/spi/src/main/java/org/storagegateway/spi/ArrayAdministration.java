package org.storagegateway.spi;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.TargetPort;

/**
 * Storage-admin operations on the array behind an SR, reached through {@link StorageRepository#arrayAdministration()}
 * for one host call: LUNs of the SR's storage system in any of its pools (not only the SR's VDIs), its target ports,
 * and masking to host initiators. Storage systems and pools are reported as a two-level probe reports them.
 *
 * <p>Same contracts as {@link StorageRepository}: mutating methods are idempotent (a LUN is identified by its name
 * within a pool when it is created), long ones report progress and honour cancel through the task, and failures are
 * {@link StorageException}s.
 *
 * @since 1.1
 */
@ConsumerType
public interface ArrayAdministration {

    /** List the storage systems of the array behind the SR. */
    List<ProbeEntry> listStorageSystems();

    /** List the usable pools of a storage system of the array (the SR's own or another). */
    List<ProbeEntry> listStoragePools(String systemId);

    /** List the LUNs of a pool of the SR's storage system. */
    List<LunInfo> listLuns(String poolId);

    /** List the storage system's target ports. */
    List<TargetPort> listTargetPorts();

    /** Create a LUN named {@code name} in a pool; returns the existing one if a LUN of that name is there. */
    LunInfo createLun(String poolId, String name, long sizeBytes);

    /** Delete a LUN; deleting a LUN that is gone returns normally. A LUN still exposed is refused as VDI_IN_USE. */
    void deleteLun(String lunId);

    /** Grow a LUN; shrinking is refused with kind USER. */
    LunInfo resizeLun(String lunId, long sizeBytes);

    /** Expose a LUN to a host initiator (idempotent) and return how that initiator reaches it. */
    Datapath.Iscsi exposeLun(String lunId, String initiatorIqn);

    /** Hide a LUN from a host initiator; hiding what is not exposed returns normally. */
    void hideLun(String lunId, String initiatorIqn);
}
