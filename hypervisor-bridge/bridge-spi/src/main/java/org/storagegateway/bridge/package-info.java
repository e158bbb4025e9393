/**
 * The hypervisor bridge in XenAPI terms: a {@link org.storagegateway.bridge.Host} runs
 * {@link org.storagegateway.bridge.Vm}s whose disks are {@link org.storagegateway.bridge.Vbd}s on VDIs. The bridge
 * reaches the storage layer only through {@link org.storagegateway.bridge.StoragePort}, which hands out datapath
 * descriptors ({@link org.storagegateway.spi.model.Datapath}) and takes snapshots and clones: the bridge never knows
 * a disk format.
 *
 * <p>Values are records, failures are one {@link org.storagegateway.bridge.BridgeException} carrying a
 * {@link org.storagegateway.bridge.BridgeError}. Backends: {@code qemu-backend} (QMP).
 */
package org.storagegateway.bridge;
