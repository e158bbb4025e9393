package org.storagegateway.smis.simulator.array;

import java.util.Locale;

/**
 * A CIM_StorageHardwareID as persisted: a host initiator the array knows by name.
 *
 * @param id          the InstanceID
 * @param storageId   the StorageID: an iSCSI name (IDType 5) or a port WWN of 16 hex digits (IDType 2)
 * @param idType      2 PortWWN or 5 iSCSI Name
 * @param elementName the ElementName
 */
public record HardwareIdRecord(String id, String storageId, int idType, String elementName) {
    public static final int PORT_WWN = 2;
    public static final int ISCSI_NAME = 5;

    /** The IDType a StorageID has by its form (iqn./eui./naa. names, 16 hex digit WWNs), or 0 for neither. */
    public static int typeOf(String storageId) {
        String s = storageId.toLowerCase(Locale.ROOT);
        if (s.matches("iqn\\.\\d{4}-\\d{2}\\.[a-z0-9][-a-z0-9.]*(:[^\\s]+)?") || s.matches("eui\\.[0-9a-f]{16}")
                || s.matches("naa\\.[0-9a-f]{16}([0-9a-f]{16})?")) {
            return ISCSI_NAME;
        }
        return s.matches("[0-9a-f]{16}") ? PORT_WWN : 0;
    }

    /** Whether this ID names that initiator (iSCSI names and WWNs compare without regard to case). */
    public boolean names(String initiator) {
        return storageId.equalsIgnoreCase(initiator);
    }
}
