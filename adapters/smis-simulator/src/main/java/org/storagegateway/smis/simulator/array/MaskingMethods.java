package org.storagegateway.smis.simulator.array;

import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.FAILED;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.INVALID_PARAMETER;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.IN_USE;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.OK;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.rejected;
import static org.storagegateway.smis.simulator.array.StorageConfigurationMethods.resolveVolume;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.ops.MethodInvocation;
import org.storagegateway.smis.simulator.ops.MethodResult;

/**
 * Masking and Mapping (ExposePaths/HidePaths on the ControllerConfigurationService), Group Masking and Mapping
 * (CreateGroup, AddMembers, RemoveMembers, DeleteGroup, CreateMaskingView, DeleteMaskingView) and
 * CreateStorageHardwareID/DeleteStorageHardwareID. All synchronous. Every change is published through the data path
 * before it is persisted, so a view exists in the CIM model only once its iSCSI target does. Rules: an initiator
 * belongs to at most one view (the array has one target port), a view's units have distinct logical unit numbers,
 * unknown initiators in ExposePaths become hardware IDs. Called with the model's lock held.
 */
final class MaskingMethods {
    private static final Logger LOG = LoggerFactory.getLogger(MaskingMethods.class);

    static final int MAXIMUM_MAP_COUNT = 256;

    /** ExposePaths/HidePaths return codes. */
    static final long INVALID_LU = 4097;
    static final long INVALID_INITIATOR = 4098;
    static final long INVALID_TARGET = 4099;
    static final long INVALID_PERMISSION = 4100;
    static final long ALREADY_EXPOSED = 4101;
    static final long LUN_IN_USE = 4102;
    static final long MAP_COUNT_EXCEEDED = 4103;
    /** CreateStorageHardwareID: the ID exists already (returned with it), and an IDType the array does not take. */
    static final long ID_ALREADY_CREATED = 4096;
    static final long ID_TYPE_NOT_SUPPORTED = 4097;

    private final ArrayModel model;

    MaskingMethods(ArrayModel model) {
        this.model = model;
    }

    /** The result of a masking method, or null when the method is not one of these. */
    MethodResult invoke(String method, MethodInvocation call) {
        return switch (method.toLowerCase(Locale.ROOT)) {
            case "exposepaths" -> exposePaths(call);
            case "hidepaths" -> hidePaths(call);
            case "creategroup" -> createGroup(call);
            case "addmembers" -> addMembers(call);
            case "removemembers" -> removeMembers(call);
            case "deletegroup" -> deleteGroup(call);
            case "createmaskingview" -> createMaskingView(call);
            case "deletemaskingview" -> deleteMaskingView(call);
            case "createstoragehardwareid" -> createStorageHardwareId(call);
            case "deletestoragehardwareid" -> deleteStorageHardwareId(call);
            default -> null;
        };
    }

    /** A rejection with its return code, thrown out of the helpers. */
    private static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long code;

        Rejected(long code, String reason) {
            super(reason, null, false, false);
            this.code = code;
        }
    }

    /** Mutable copies of the masking records, for one change. */
    private final class Draft {
        final ArrayState state = model.state();
        final List<HardwareIdRecord> hardwareIds = new ArrayList<>(state.hardwareIds());
        final List<MaskingGroupRecord> groups = new ArrayList<>(state.groups());
        final List<ViewRecord> views = new ArrayList<>(state.views());
        long numbersUsed;

        long nextNumber() {
            return state.nextMaskingNumber() + numbersUsed++;
        }

        ArrayState result() {
            return state.withMasking(hardwareIds, groups, views, numbersUsed);
        }

        /** The hardware ID of an initiator name, created when the array does not know it yet. */
        HardwareIdRecord hardwareIdFor(String storageId) {
            for (HardwareIdRecord h : hardwareIds) {
                if (h.names(storageId)) {
                    return h;
                }
            }
            int type = HardwareIdRecord.typeOf(storageId);
            if (type == 0) {
                throw new Rejected(INVALID_INITIATOR, storageId + " is neither an iSCSI name nor a port WWN");
            }
            HardwareIdRecord h = new HardwareIdRecord("SIM:HWID-" + nextNumber(), storageId, type, storageId);
            hardwareIds.add(h);
            return h;
        }

        MaskingGroupRecord group(String id) {
            return groups.stream().filter(g -> g.id().equals(id)).findFirst().orElse(null);
        }

        void replace(ViewRecord view) {
            views.replaceAll(v -> v.number() == view.number() ? view : v);
        }

        void replace(MaskingGroupRecord group) {
            groups.replaceAll(g -> g.id().equals(group.id()) ? group : g);
        }

        /** The hardware IDs of a view's initiators, as the draft stands. */
        List<String> viewHardwareIds(ViewRecord view) {
            return view.grouped() ? group(view.initiatorGroup()).members() : view.hardwareIds();
        }

        /** Refuse hardware IDs that already reach the array through another view. */
        void checkNotExposedElsewhere(List<String> hardwareIdIds, long viewNumber, long code) {
            for (ViewRecord v : views) {
                if (v.number() == viewNumber) {
                    continue;
                }
                for (String h : viewHardwareIds(v)) {
                    if (hardwareIdIds.contains(h)) {
                        throw new Rejected(code, storageIdOf(h) + " is already exposed through " + v.deviceId());
                    }
                }
            }
        }

        String storageIdOf(String hardwareIdId) {
            return hardwareIds.stream().filter(h -> h.id().equals(hardwareIdId)).map(HardwareIdRecord::storageId)
                    .findFirst().orElse(hardwareIdId);
        }
    }

    private MethodResult run(String method, java.util.function.Supplier<MethodResult> change) {
        try {
            return change.get();
        } catch (Rejected r) {
            LOG.info("{} rejected with {}: {}", method, r.code, r.getMessage());
            return new MethodResult.Builder().build(r.code);
        }
    }

    // ---------------------------------------------------------------- ExposePaths / HidePaths

    private MethodResult exposePaths(MethodInvocation call) {
        return run("ExposePaths", () -> {
            Draft d = new Draft();
            List<String> luNames = strings(call, "LUNames");
            List<String> initiators = strings(call, "InitiatorPortIDs");
            List<String> targets = targetPorts(d.state, strings(call, "TargetPortIDs"));
            List<String> numbers = strings(call, "DeviceNumbers");
            List<?> accesses = (List<?>) call.argument("DeviceAccesses");
            List<ObjectPath> controllers = refs(call, "ProtocolControllers");
            if (controllers.size() > 1) {
                throw new Rejected(INVALID_PARAMETER, "ExposePaths modifies one ProtocolController at a time");
            }
            if (!numbers.isEmpty() && numbers.size() != luNames.size()
                    || accesses != null && accesses.size() != luNames.size()) {
                throw new Rejected(INVALID_PARAMETER, "DeviceNumbers and DeviceAccesses must match LUNames");
            }
            // A reference to nothing is a CIM error before any return code.
            ViewRecord existing = controllers.isEmpty() ? null : resolveView(d.state, controllers.get(0));
            List<String> volumes = volumesNamed(d.state, luNames);
            List<String> hardwareIds = new ArrayList<>();
            for (String initiator : initiators) {
                hardwareIds.add(d.hardwareIdFor(initiator).id());
            }
            ViewRecord view;
            if (existing == null) {
                if (hardwareIds.isEmpty()) {
                    throw new Rejected(INVALID_PARAMETER, "A new view needs InitiatorPortIDs");
                }
                d.checkNotExposedElsewhere(hardwareIds, -1, ALREADY_EXPOSED);
                long number = d.nextNumber();
                view = new ViewRecord(number, "SPC-" + number, hardwareIds,
                        targets.isEmpty() ? List.of(ObjectModel.targetPortName(d.state)) : targets, List.of(),
                        null, null, null);
                d.views.add(view);
            } else {
                view = existing;
                if (view.grouped() && (!hardwareIds.isEmpty() || !targets.isEmpty())) {
                    throw new Rejected(INVALID_PARAMETER, view.deviceId()
                            + " is a masking view: change its initiators and ports through its groups");
                }
                d.checkNotExposedElsewhere(hardwareIds, view.number(), ALREADY_EXPOSED);
                view = view.withPaths(union(view.hardwareIds(), hardwareIds), union(view.targetPorts(), targets));
                d.replace(view);
            }
            List<ViewRecord.Unit> units = new ArrayList<>(view.units());
            for (int i = 0; i < volumes.size(); i++) {
                int access = accesses == null || accesses.get(i) == null ? 2 : ((Long) accesses.get(i)).intValue();
                if (access < 2 || access > 4) {
                    throw new Rejected(INVALID_PERMISSION, "DeviceAccess " + access + " is not 2, 3 or 4");
                }
                Integer lun = numbers.isEmpty() ? null : lun(numbers.get(i));
                map(view.withUnits(units), units, volumes.get(i), lun, access);
            }
            if (units.size() > MAXIMUM_MAP_COUNT) {
                throw new Rejected(MAP_COUNT_EXCEEDED, "a view maps at most " + MAXIMUM_MAP_COUNT + " volumes");
            }
            view = view.withUnits(units);
            d.replace(view);
            model.commitPublished(d.result());
            LOG.info("ExposePaths: {} maps {} to {}", view.deviceId(), view.units(), model.state().viewInitiators(view));
            return new MethodResult.Builder().addArray("ProtocolControllers", CimType.REFERENCE,
                    List.of(ObjectModel.viewPath(model.state(), view))).build(OK);
        });
    }

    /** Add a volume to a view's units: with the number asked for (4102 when taken) or the lowest free one. */
    private static void map(ViewRecord view, List<ViewRecord.Unit> units, String deviceId, Integer lun, int access) {
        ViewRecord.Unit existing = view.unit(deviceId);
        if (existing != null) {
            if (lun != null && existing.lun() != lun) {
                throw new Rejected(LUN_IN_USE, deviceId + " is already mapped in " + view.deviceId() + " as LUN "
                        + existing.deviceNumber());
            }
            return;
        }
        if (lun != null) {
            for (ViewRecord.Unit u : units) {
                if (u.lun() == lun) {
                    throw new Rejected(LUN_IN_USE, "LUN " + u.deviceNumber() + " is in use in " + view.deviceId());
                }
            }
        }
        units.add(new ViewRecord.Unit(deviceId, ViewRecord.Unit.deviceNumber(lun == null ? view.freeLun() : lun),
                access));
    }

    private MethodResult hidePaths(MethodInvocation call) {
        return run("HidePaths", () -> {
            Draft d = new Draft();
            List<String> volumes = volumesNamed(d.state, strings(call, "LUNames"));
            List<String> initiators = strings(call, "InitiatorPortIDs");
            List<String> targets = targetPorts(d.state, strings(call, "TargetPortIDs"));
            List<String> hardwareIds = new ArrayList<>();
            for (String initiator : initiators) {
                HardwareIdRecord h = d.state.hardwareIdFor(initiator);
                if (h == null) {
                    throw new Rejected(INVALID_INITIATOR, "No hardware ID " + initiator);
                }
                hardwareIds.add(h.id());
            }
            List<ViewRecord> affected = new ArrayList<>();
            for (ObjectPath p : refs(call, "ProtocolControllers")) {
                affected.add(resolveView(d.state, p));
            }
            if (affected.isEmpty()) {
                for (ViewRecord v : d.state.views()) {
                    boolean hasInitiator = d.state.viewHardwareIds(v).stream().anyMatch(hardwareIds::contains);
                    boolean hasVolume = volumes.stream().anyMatch(id -> v.unit(id) != null);
                    if (hardwareIds.isEmpty() ? hasVolume : hasInitiator) {
                        affected.add(v);
                    }
                }
            }
            if (affected.isEmpty()) {
                throw new Rejected(INVALID_PERMISSION, "Nothing of that is exposed");
            }
            List<ObjectPath> remaining = new ArrayList<>();
            for (ViewRecord view : affected) {
                if (view.grouped() && (!hardwareIds.isEmpty() || !targets.isEmpty())) {
                    throw new Rejected(INVALID_PARAMETER, view.deviceId()
                            + " is a masking view: change its initiators and ports through its groups");
                }
                for (String h : hardwareIds) {
                    if (!view.hardwareIds().contains(h)) {
                        throw new Rejected(INVALID_PERMISSION, d.storageIdOf(h) + " is not exposed through "
                                + view.deviceId());
                    }
                }
                List<ViewRecord.Unit> units = new ArrayList<>(view.units());
                for (String id : volumes) {
                    if (!units.removeIf(u -> u.deviceId().equals(id)) && affected.size() == 1) {
                        throw new Rejected(INVALID_LU, id + " is not mapped in " + view.deviceId());
                    }
                }
                if (view.grouped()) {
                    throw new Rejected(INVALID_PARAMETER, view.deviceId()
                            + " is a masking view: remove volumes from its device group");
                }
                ViewRecord next = view.withUnits(units).withPaths(minus(view.hardwareIds(), hardwareIds),
                        minus(view.targetPorts(), targets));
                if (next.hardwareIds().isEmpty() || next.targetPorts().isEmpty()) {
                    d.views.removeIf(v -> v.number() == view.number());
                } else {
                    d.replace(next);
                    remaining.add(ObjectModel.viewPath(d.state, next));
                }
            }
            model.commitPublished(d.result());
            LOG.info("HidePaths: {} changed", affected.stream().map(ViewRecord::deviceId).toList());
            return new MethodResult.Builder().addArray("ProtocolControllers", CimType.REFERENCE, remaining).build(OK);
        });
    }

    // ---------------------------------------------------------------- groups and views

    private MethodResult createGroup(MethodInvocation call) {
        return run("CreateGroup", () -> {
            Draft d = new Draft();
            String name = (String) call.argument("GroupName");
            Long type = (Long) call.argument("Type");
            if (name == null || name.isBlank() || !StorageConfigurationMethods.validName(name.trim())) {
                throw new Rejected(INVALID_PARAMETER, "GroupName is required");
            }
            if (type == null || type < MaskingGroupRecord.INITIATORS || type > MaskingGroupRecord.DEVICES) {
                throw new Rejected(INVALID_PARAMETER, "Type must be 2 Initiator, 3 Target or 4 Device");
            }
            String trimmed = name.trim();
            if (d.groups.stream().anyMatch(g -> g.type() == type && g.name().equals(trimmed))) {
                throw new Rejected(FAILED, "A masking group of type " + type + " named " + trimmed + " exists");
            }
            List<String> members = members(d.state, type.intValue(), refs(call, "Members"));
            MaskingGroupRecord group = new MaskingGroupRecord(
                    "SIM:" + switch (type.intValue()) {
                        case MaskingGroupRecord.INITIATORS -> "IG-";
                        case MaskingGroupRecord.TARGETS -> "TG-";
                        default -> "DG-";
                    } + d.nextNumber(), trimmed, type.intValue(), members,
                    Boolean.TRUE.equals(call.argument("DeleteOnEmpty")));
            d.groups.add(group);
            model.commitPublished(d.result());
            LOG.info("CreateGroup: {} '{}' with {}", group.id(), group.name(), members);
            return new MethodResult.Builder().add("MaskingGroup", CimType.REFERENCE, ObjectModel.groupPath(group))
                    .build(OK);
        });
    }

    private MethodResult addMembers(MethodInvocation call) {
        return run("AddMembers", () -> {
            Draft d = new Draft();
            MaskingGroupRecord group = resolveGroup(d.state, (ObjectPath) call.argument("MaskingGroup"));
            List<String> added = members(d.state, group.type(), refs(call, "Members"));
            List<String> numbers = strings(call, "DeviceNumbers");
            if (!numbers.isEmpty() && numbers.size() != added.size()) {
                throw new Rejected(INVALID_PARAMETER, "DeviceNumbers must match Members");
            }
            MaskingGroupRecord next = group.withMembers(union(group.members(), added));
            d.replace(next);
            for (ViewRecord view : List.copyOf(d.views)) {
                if (group.type() == MaskingGroupRecord.INITIATORS && group.id().equals(view.initiatorGroup())) {
                    d.checkNotExposedElsewhere(added, view.number(), FAILED);
                }
                if (group.type() == MaskingGroupRecord.DEVICES && group.id().equals(view.deviceGroup())) {
                    List<ViewRecord.Unit> units = new ArrayList<>(view.units());
                    for (int i = 0; i < added.size(); i++) {
                        map(view.withUnits(units), units, added.get(i), numbers.isEmpty() ? null : lun(numbers.get(i)),
                                2);
                    }
                    d.replace(view.withUnits(units));
                }
            }
            model.commitPublished(d.result());
            LOG.info("AddMembers: {} now holds {}", group.id(), next.members());
            return new MethodResult.Builder().build(OK);
        });
    }

    private MethodResult removeMembers(MethodInvocation call) {
        return run("RemoveMembers", () -> {
            Draft d = new Draft();
            MaskingGroupRecord group = resolveGroup(d.state, (ObjectPath) call.argument("MaskingGroup"));
            List<String> removed = members(d.state, group.type(), refs(call, "Members"));
            for (String m : removed) {
                if (!group.members().contains(m)) {
                    throw new Rejected(INVALID_PARAMETER, m + " is not a member of " + group.name());
                }
            }
            MaskingGroupRecord next = group.withMembers(minus(group.members(), removed));
            boolean inView = d.views.stream().anyMatch(v -> group.id().equals(v.initiatorGroup())
                    || group.id().equals(v.targetGroup()) || group.id().equals(v.deviceGroup()));
            boolean deleteOnEmpty = call.has("DeleteOnEmpty") ? Boolean.TRUE.equals(call.argument("DeleteOnEmpty"))
                    : group.deleteOnEmpty();
            if (next.members().isEmpty() && deleteOnEmpty && !inView) {
                d.groups.removeIf(g -> g.id().equals(group.id()));
            } else {
                d.replace(next);
            }
            if (group.type() == MaskingGroupRecord.DEVICES) {
                for (ViewRecord view : List.copyOf(d.views)) {
                    if (group.id().equals(view.deviceGroup())) {
                        d.replace(view.withUnits(view.units().stream()
                                .filter(u -> !removed.contains(u.deviceId())).toList()));
                    }
                }
            }
            model.commitPublished(d.result());
            LOG.info("RemoveMembers: {} now holds {}", group.id(), next.members());
            return new MethodResult.Builder().build(OK);
        });
    }

    private MethodResult deleteGroup(MethodInvocation call) {
        return run("DeleteGroup", () -> {
            Draft d = new Draft();
            MaskingGroupRecord group = resolveGroup(d.state, (ObjectPath) call.argument("MaskingGroup"));
            List<ViewRecord> using = d.views.stream().filter(v -> group.id().equals(v.initiatorGroup())
                    || group.id().equals(v.targetGroup()) || group.id().equals(v.deviceGroup())).toList();
            if (!using.isEmpty() && !Boolean.TRUE.equals(call.argument("Force"))) {
                throw new Rejected(IN_USE, group.name() + " is used by " + using.get(0).deviceId());
            }
            d.views.removeAll(using);
            d.groups.removeIf(g -> g.id().equals(group.id()));
            model.commitPublished(d.result());
            LOG.info("DeleteGroup: {} '{}' (and {} view(s))", group.id(), group.name(), using.size());
            return new MethodResult.Builder().build(OK);
        });
    }

    private MethodResult createMaskingView(MethodInvocation call) {
        return run("CreateMaskingView", () -> {
            Draft d = new Draft();
            MaskingGroupRecord initiators = requiredGroup(d.state, call, "InitiatorMaskingGroup",
                    MaskingGroupRecord.INITIATORS);
            MaskingGroupRecord targets = requiredGroup(d.state, call, "TargetMaskingGroup", MaskingGroupRecord.TARGETS);
            MaskingGroupRecord devices = requiredGroup(d.state, call, "DeviceMaskingGroup", MaskingGroupRecord.DEVICES);
            List<String> numbers = strings(call, "DeviceNumbers");
            if (!numbers.isEmpty() && numbers.size() != devices.members().size()) {
                throw new Rejected(INVALID_PARAMETER, "DeviceNumbers must match the device group's members");
            }
            d.checkNotExposedElsewhere(initiators.members(), -1, FAILED);
            long number = d.nextNumber();
            String name = StorageConfigurationMethods.elementName(call);
            ViewRecord view = new ViewRecord(number, name == null || name.isEmpty() ? "SPC-" + number : name, null,
                    null, List.of(), initiators.id(), targets.id(), devices.id());
            List<ViewRecord.Unit> units = new ArrayList<>();
            for (int i = 0; i < devices.members().size(); i++) {
                map(view.withUnits(units), units, devices.members().get(i),
                        numbers.isEmpty() ? null : lun(numbers.get(i)), 2);
            }
            view = view.withUnits(units);
            d.views.add(view);
            model.commitPublished(d.result());
            LOG.info("CreateMaskingView: {} maps {} to {}", view.deviceId(), units, model.state().viewInitiators(view));
            return new MethodResult.Builder().add("ProtocolController", CimType.REFERENCE,
                    ObjectModel.viewPath(model.state(), view)).build(OK);
        });
    }

    private MethodResult deleteMaskingView(MethodInvocation call) {
        return run("DeleteMaskingView", () -> {
            Draft d = new Draft();
            ObjectPath path = (ObjectPath) call.argument("ProtocolController");
            if (path == null) {
                throw new Rejected(INVALID_PARAMETER, "ProtocolController is required");
            }
            ViewRecord view = resolveView(d.state, path);
            d.views.removeIf(v -> v.number() == view.number());
            model.commitPublished(d.result());
            LOG.info("DeleteMaskingView: {}", view.deviceId());
            return new MethodResult.Builder().build(OK);
        });
    }

    // ---------------------------------------------------------------- hardware IDs

    private MethodResult createStorageHardwareId(MethodInvocation call) {
        return run("CreateStorageHardwareID", () -> {
            Draft d = new Draft();
            String storageId = (String) call.argument("StorageID");
            Long idType = (Long) call.argument("IDType");
            if (storageId == null || storageId.isBlank() || idType == null) {
                throw new Rejected(INVALID_PARAMETER, "StorageID and IDType are required");
            }
            storageId = storageId.trim();
            if (idType != HardwareIdRecord.PORT_WWN && idType != HardwareIdRecord.ISCSI_NAME) {
                throw new Rejected(idType >= 1 && idType <= 7 ? ID_TYPE_NOT_SUPPORTED : INVALID_PARAMETER,
                        "IDType " + idType + " is not supported (2 PortWWN and 5 iSCSI Name are)");
            }
            if (HardwareIdRecord.typeOf(storageId) != idType) {
                throw new Rejected(INVALID_PARAMETER, storageId + " is not of IDType " + idType);
            }
            HardwareIdRecord existing = d.state.hardwareIdFor(storageId);
            if (existing != null) {
                return new MethodResult.Builder().add("HardwareID", CimType.REFERENCE,
                        ObjectModel.hardwareIdPath(existing.id())).build(ID_ALREADY_CREATED);
            }
            String name = StorageConfigurationMethods.elementName(call);
            HardwareIdRecord h = new HardwareIdRecord("SIM:HWID-" + d.nextNumber(), storageId, idType.intValue(),
                    name == null || name.isEmpty() ? storageId : name);
            d.hardwareIds.add(h);
            model.commitPublished(d.result());
            LOG.info("CreateStorageHardwareID: {} for {}", h.id(), h.storageId());
            return new MethodResult.Builder().add("HardwareID", CimType.REFERENCE, ObjectModel.hardwareIdPath(h.id()))
                    .build(OK);
        });
    }

    private MethodResult deleteStorageHardwareId(MethodInvocation call) {
        return run("DeleteStorageHardwareID", () -> {
            Draft d = new Draft();
            ObjectPath path = (ObjectPath) call.argument("HardwareID");
            if (path == null) {
                throw new Rejected(INVALID_PARAMETER, "HardwareID is required");
            }
            HardwareIdRecord h = resolveHardwareId(d.state, path);
            boolean used = d.views.stream().anyMatch(v -> v.hardwareIds().contains(h.id()))
                    || d.groups.stream().anyMatch(g -> g.type() == MaskingGroupRecord.INITIATORS
                            && g.members().contains(h.id()));
            if (used) {
                throw new Rejected(FAILED, h.storageId() + " is used by a view or an initiator group");
            }
            d.hardwareIds.removeIf(x -> x.id().equals(h.id()));
            model.commitPublished(d.result());
            return new MethodResult.Builder().build(OK);
        });
    }

    // ---------------------------------------------------------------- parameters

    private static List<String> strings(MethodInvocation call, String name) {
        List<String> result = new ArrayList<>();
        Object value = call.argument(name);
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (item == null || item.toString().isBlank()) {
                    throw new Rejected(INVALID_PARAMETER, name + " holds an empty entry");
                }
                result.add(item.toString().trim());
            }
        }
        return result;
    }

    private static List<ObjectPath> refs(MethodInvocation call, String name) {
        List<ObjectPath> result = new ArrayList<>();
        Object value = call.argument(name);
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (item == null) {
                    throw new Rejected(INVALID_PARAMETER, name + " holds a NULL reference");
                }
                result.add((ObjectPath) item);
            }
        }
        return result;
    }

    private static Integer lun(String deviceNumber) {
        try {
            int lun = Integer.parseInt(deviceNumber, 16);
            if (lun < 1 || lun > 0x3FFF) {
                throw new NumberFormatException();
            }
            return lun;
        } catch (NumberFormatException e) {
            throw new Rejected(INVALID_PARAMETER, "DeviceNumber " + deviceNumber
                    + " is not a hexadecimal logical unit number from 1 to 3FFF");
        }
    }

    private static List<String> volumesNamed(ArrayState state, List<String> luNames) {
        List<String> ids = new ArrayList<>();
        for (String n : luNames) {
            VolumeRecord v = state.volumeByNaa(n);
            if (v == null) {
                throw new Rejected(INVALID_LU, "No volume is named " + n);
            }
            ids.add(v.deviceId());
        }
        return ids;
    }

    private static List<String> targetPorts(ArrayState state, List<String> names) {
        String port = ObjectModel.targetPortName(state);
        for (String n : names) {
            if (!n.equalsIgnoreCase(port)) {
                throw new Rejected(INVALID_TARGET, "No target port " + n + " (the array has " + port + ")");
            }
        }
        return names.isEmpty() ? List.of() : List.of(port);
    }

    /** The member keys of a group of a type: hardware ID InstanceIDs, target port Names or DeviceIDs. */
    private static List<String> members(ArrayState state, int type, List<ObjectPath> paths) {
        List<String> members = new ArrayList<>();
        for (ObjectPath p : paths) {
            String member = switch (type) {
                case MaskingGroupRecord.INITIATORS -> resolveHardwareId(state, p).id();
                case MaskingGroupRecord.TARGETS -> {
                    if (!p.className().equalsIgnoreCase(Names.ISCSI_ENDPOINT_CLASS) || p.key("Name") == null) {
                        throw new Rejected(INVALID_PARAMETER, p + " is not a target port");
                    }
                    yield targetPorts(state, List.of(p.key("Name").toString())).get(0);
                }
                default -> resolveVolume(state, p).deviceId();
            };
            if (!members.contains(member)) {
                members.add(member);
            }
        }
        return members;
    }

    private static HardwareIdRecord resolveHardwareId(ArrayState state, ObjectPath path) {
        Object id = path.key("InstanceID");
        HardwareIdRecord h = path.className().equalsIgnoreCase(Names.HARDWARE_ID_CLASS) && id != null
                ? state.hardwareId(id.toString()) : null;
        if (h == null) {
            throw CimException.notFound("HardwareID " + path + " does not exist");
        }
        return h;
    }

    private static MaskingGroupRecord resolveGroup(ArrayState state, ObjectPath path) {
        if (path == null) {
            throw new Rejected(INVALID_PARAMETER, "MaskingGroup is required");
        }
        Object id = path.key("InstanceID");
        MaskingGroupRecord g = id == null ? null : state.group(id.toString());
        if (g == null || !path.className().equalsIgnoreCase(ObjectModel.groupClass(g.type()))) {
            throw CimException.notFound("MaskingGroup " + path + " does not exist");
        }
        return g;
    }

    private static MaskingGroupRecord requiredGroup(ArrayState state, MethodInvocation call, String parameter,
                                                    int type) {
        ObjectPath path = (ObjectPath) call.argument(parameter);
        if (path == null) {
            throw new Rejected(INVALID_PARAMETER, parameter + " is required");
        }
        MaskingGroupRecord g = resolveGroup(state, path);
        if (g.type() != type) {
            throw new Rejected(INVALID_PARAMETER, parameter + " " + g.name() + " is a group of type " + g.type());
        }
        return g;
    }

    private static ViewRecord resolveView(ArrayState state, ObjectPath path) {
        for (ViewRecord v : state.views()) {
            if (ObjectModel.viewPath(state, v).equals(path.withDefaultNamespace(Names.ARRAY_NAMESPACE))) {
                return v;
            }
        }
        throw CimException.notFound("ProtocolController " + path + " does not exist");
    }

    private static List<String> union(List<String> a, List<String> b) {
        Set<String> seen = new HashSet<>(a);
        List<String> result = new ArrayList<>(a);
        for (String s : b) {
            if (seen.add(s)) {
                result.add(s);
            }
        }
        return result;
    }

    private static List<String> minus(List<String> a, List<String> b) {
        return a.stream().filter(s -> !b.contains(s)).toList();
    }
}
