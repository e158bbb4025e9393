package org.storagegateway.smis.simulator.array;

/**
 * A replica relationship (a CIM_StorageSynchronized) as persisted: the target volume holds a copy of the source's
 * data taken when the relationship was created or last resynchronised.
 *
 * @param sourceDeviceId the SystemElement
 * @param targetDeviceId the SyncedElement (a volume is the target of at most one relationship)
 * @param syncType       6 Mirror, 7 Snapshot, 8 Clone
 * @param copyState      4 Synchronized or 6 Fractured
 * @param syncedMillis   when the target's data was last copied from the source (WhenSynced)
 */
public record SyncRecord(String sourceDeviceId, String targetDeviceId, int syncType, int copyState,
                         long syncedMillis) {

    public static final int MIRROR = 6;
    public static final int SNAPSHOT = 7;
    public static final int CLONE = 8;

    public static final int SYNCHRONIZED = 4;
    public static final int FRACTURED = 6;

    /** CopyType of the legacy model: 3 Sync (mirror), 4 UnSyncAssoc (snapshot), 5 UnSyncUnAssoc (clone). */
    public int copyType() {
        return switch (syncType) {
            case MIRROR -> 3;
            case SNAPSHOT -> 4;
            default -> 5;
        };
    }

    /** SyncState of the legacy model: 6 Synchronized, 13 Fractured. */
    public int syncState() {
        return copyState == FRACTURED ? 13 : 6;
    }

    public SyncRecord withCopyState(int state, long atMillis) {
        return new SyncRecord(sourceDeviceId, targetDeviceId, syncType, state, atMillis);
    }
}
