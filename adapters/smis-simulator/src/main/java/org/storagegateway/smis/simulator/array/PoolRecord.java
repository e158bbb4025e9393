package org.storagegateway.smis.simulator.array;

/**
 * A storage pool as persisted.
 *
 * @param id                     the InstanceID
 * @param name                   the ElementName
 * @param primordial             the primordial pool holds raw capacity; concrete pools are allocated from it
 * @param parentId               the pool this one is allocated from (null for the primordial pool)
 * @param totalBytes             TotalManagedSpace
 * @param thin                   whether thinly provisioned volumes may be created here
 * @param subscriptionLimitBytes for a thin pool, the SpaceLimit on the sum of its thin volumes' virtual sizes
 */
public record PoolRecord(String id, String name, boolean primordial, String parentId, long totalBytes, boolean thin,
                         long subscriptionLimitBytes) {
}
