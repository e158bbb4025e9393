package org.storagegateway.smis.simulator.array;

/**
 * A storage volume as persisted.
 *
 * @param number      the sequence number it was created with (unique for the array's life, never reused)
 * @param deviceId    the DeviceID key
 * @param elementName the ElementName
 * @param naaId       the NAA (VPD page 0x83, type 3) identifier in 32 hex digits: the volume's Name
 * @param poolId      the pool it is allocated from
 * @param blockSize   bytes per block
 * @param blocks      NumberOfBlocks
 * @param thin        thinly provisioned: consumes nothing from the pool until written (here: never)
 */
public record VolumeRecord(long number, String deviceId, String elementName, String naaId, String poolId,
                           long blockSize, long blocks, boolean thin) {

    public long sizeBytes() {
        return blockSize * blocks;
    }

    /** The SpaceConsumed of the volume's AllocatedFromStoragePool. */
    public long consumedBytes() {
        return thin ? 0 : sizeBytes();
    }

    public VolumeRecord withBlocks(long newBlocks) {
        return new VolumeRecord(number, deviceId, elementName, naaId, poolId, blockSize, newBlocks, thin);
    }

    public VolumeRecord withElementName(String newName) {
        return new VolumeRecord(number, deviceId, newName, naaId, poolId, blockSize, blocks, thin);
    }
}
