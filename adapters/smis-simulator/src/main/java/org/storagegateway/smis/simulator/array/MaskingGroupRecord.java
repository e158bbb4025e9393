package org.storagegateway.smis.simulator.array;

import java.util.ArrayList;
import java.util.List;

/**
 * A masking group (Group Masking and Mapping) as persisted.
 *
 * @param id            the InstanceID
 * @param name          the ElementName (unique among groups of its type)
 * @param type          2 initiators (hardware ID InstanceIDs), 3 targets (target port Names), 4 devices (DeviceIDs)
 * @param members       the members, in the order they were added
 * @param deleteOnEmpty the group goes away when its last member is removed
 */
public record MaskingGroupRecord(String id, String name, int type, List<String> members, boolean deleteOnEmpty) {
    public static final int INITIATORS = 2;
    public static final int TARGETS = 3;
    public static final int DEVICES = 4;

    public MaskingGroupRecord {
        members = List.copyOf(members);
    }

    public MaskingGroupRecord withMembers(List<String> next) {
        return new MaskingGroupRecord(id, name, type, new ArrayList<>(next), deleteOnEmpty);
    }
}
