package org.storagegateway.smis.quirks;

/**
 * A declared deviation of an array from what the generic SMI-S adapter expects (reference smis.md §4.3). The adapter
 * consults the set of quirks of the array it talks to at the few places they matter; it never tests vendor names.
 * New constants may be added in minor versions; a published constant never changes meaning.
 */
public enum Quirk {
    /**
     * Associators from a job with a PropertyList return empty instances (HPE 3PAR {@code TPD_ConcreteJob}): ask for
     * the affected element without a PropertyList.
     */
    ASSOCIATORS_WITHOUT_PROPERTY_LIST,
    /**
     * Every pool accepts only ElementType 5 (ThinlyProvisionedStorageVolume), whatever its capabilities say (HDS AMS
     * thin pools): create every volume as thin.
     */
    THIN_ELEMENT_TYPE_ONLY,
    /**
     * Per-pool StorageConfigurationCapabilities are missing (IBM DS8000): take the element types and features from the
     * configuration service's capabilities instead.
     */
    NO_POOL_CAPABILITIES,
    /**
     * Finished jobs disappear at once (DeleteOnCompletion): a job that is gone after it was accepted counts as
     * completed, and the result is found by name.
     */
    JOBS_VANISH_WHEN_DONE
}
