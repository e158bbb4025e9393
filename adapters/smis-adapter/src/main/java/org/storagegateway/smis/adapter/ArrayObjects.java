package org.storagegateway.smis.adapter;

import java.util.Map;

import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.storagegateway.smis.quirks.ArrayIdentity;

/** The array objects the adapter works with, as read from the CIMOM. */
final class ArrayObjects {
    private ArrayObjects() {
    }

    /**
     * What the CIMOM registered in its interop namespace.
     *
     * @param interopNamespace where the profiles were found
     * @param profiles the highest registered SNIA version of each profile name, such as {@code Array -> 1.5.0}
     */
    record Registration(String interopNamespace, Map<String, String> profiles) {
        boolean has(String profile) {
            return profiles.containsKey(profile);
        }
    }

    /** A top-level storage system, conformant to the Array profile. */
    record StorageSystem(CIMObjectPath path, ArrayIdentity identity) {
        String name() {
            return identity.systemName();
        }

        String namespace() {
            return identity.namespace();
        }
    }

    /**
     * A concrete storage pool.
     *
     * @param elementTypes SupportedStorageElementTypes of its StorageConfigurationCapabilities (2 thick, 5 thin)
     * @param features SupportedStorageElementFeatures of the same (12 capacity expansion)
     */
    record Pool(CIMObjectPath path, String id, String name, long totalBytes, long remainingBytes, long[] elementTypes,
                long[] features) {
        boolean supportsType(long elementType) {
            return CimValues.contains(elementTypes, elementType);
        }
    }

    /**
     * A storage volume: one LUN, which is one VDI when its ElementName is the VDI's UUID.
     *
     * @param naaName the SCSI VPD 0x83 NAA identifier (the volume's Name), used to expose it
     * @param consumedBytes the pool space it takes (SpaceConsumed of its AllocatedFromStoragePool)
     * @param snapshot whether it is the target of a snapshot relationship (SyncType 7): read-only for the gateway
     */
    record Volume(CIMObjectPath path, String deviceId, String elementName, String naaName, long blockSize,
                  long blocks, boolean thin, long consumedBytes, boolean snapshot) {
        long sizeBytes() {
            return blockSize * blocks;
        }
    }
}
