package org.storagegateway.smis.simulator.array;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A masking view (a CIM_SCSIProtocolController) as persisted: which initiators reach which volumes through which
 * target ports. A view made by ExposePaths holds its initiators and ports itself; one made by CreateMaskingView
 * takes them from its initiator and target groups, and its units follow its device group.
 *
 * @param number          the view's number (its DeviceID is {@code SPC-<number>}; also its tgtd target ID)
 * @param elementName     the ElementName
 * @param hardwareIds     ExposePaths views: the InstanceIDs of the initiators' hardware IDs
 * @param targetPorts     ExposePaths views: the Names of the target ports
 * @param units           the volumes mapped, with their logical unit numbers
 * @param initiatorGroup  CreateMaskingView views: the initiator group's InstanceID (else null)
 * @param targetGroup     CreateMaskingView views: the target group's InstanceID
 * @param deviceGroup     CreateMaskingView views: the device group's InstanceID
 */
public record ViewRecord(long number, String elementName, List<String> hardwareIds, List<String> targetPorts,
                         List<Unit> units, String initiatorGroup, String targetGroup, String deviceGroup) {

    /**
     * A volume mapped in a view.
     *
     * @param deviceId     the volume
     * @param deviceNumber the logical unit number as the profile spells it: hexadecimal, e.g. {@code 0001}
     * @param access       DeviceAccess: 2 Read Write, 3 Read-Only, 4 No Access
     */
    public record Unit(String deviceId, String deviceNumber, int access) {
        public int lun() {
            return Integer.parseInt(deviceNumber, 16);
        }

        public static String deviceNumber(int lun) {
            return String.format(Locale.ROOT, "%04X", lun);
        }
    }

    public ViewRecord {
        hardwareIds = hardwareIds == null ? List.of() : List.copyOf(hardwareIds);
        targetPorts = targetPorts == null ? List.of() : List.copyOf(targetPorts);
        units = List.copyOf(units);
    }

    public String deviceId() {
        return "SPC-" + number;
    }

    public boolean grouped() {
        return initiatorGroup != null;
    }

    public Unit unit(String deviceId) {
        for (Unit u : units) {
            if (u.deviceId().equals(deviceId)) {
                return u;
            }
        }
        return null;
    }

    /** The lowest logical unit number from 1 up that no unit uses (tgtd keeps LUN 0 for its controller). */
    public int freeLun() {
        int lun = 1;
        while (true) {
            boolean used = false;
            for (Unit u : units) {
                used |= u.lun() == lun;
            }
            if (!used) {
                return lun;
            }
            lun++;
        }
    }

    public ViewRecord withUnits(List<Unit> next) {
        return new ViewRecord(number, elementName, hardwareIds, targetPorts, new ArrayList<>(next), initiatorGroup,
                targetGroup, deviceGroup);
    }

    public ViewRecord withPaths(List<String> nextHardwareIds, List<String> nextTargetPorts) {
        return new ViewRecord(number, elementName, nextHardwareIds, nextTargetPorts, units, initiatorGroup,
                targetGroup, deviceGroup);
    }
}
