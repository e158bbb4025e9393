package org.storagegateway.soap;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import javax.xml.datatype.DatatypeConfigurationException;
import javax.xml.datatype.DatatypeFactory;
import javax.xml.datatype.XMLGregorianCalendar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.model.DriverView;
import org.storagegateway.engine.model.StorageRepositoryRecord;
import org.storagegateway.engine.model.TaskRecord;
import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.soap.contract.CapabilityList;
import org.storagegateway.soap.contract.ConfigKey;
import org.storagegateway.soap.contract.ConfigSchema;
import org.storagegateway.soap.contract.DeviceConfig;
import org.storagegateway.soap.contract.DeviceConfigEntry;
import org.storagegateway.soap.contract.Driver;
import org.storagegateway.soap.contract.ErrorInfo;
import org.storagegateway.soap.contract.ErrorKind;
import org.storagegateway.soap.contract.KeyList;
import org.storagegateway.soap.contract.StorageRepository;
import org.storagegateway.soap.contract.StringMap;
import org.storagegateway.spi.model.Datapath;
import org.storagegateway.spi.model.LunInfo;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.TargetPort;
import org.storagegateway.soap.contract.StringMapEntry;
import org.storagegateway.soap.contract.Task;
import org.storagegateway.soap.contract.TaskState;
import org.storagegateway.soap.contract.VirtualDisk;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.DriverDescriptor;

/**
 * Maps between the engine's records and the generated contract types, field by field. The engine records carry no
 * binding annotations; this class is the only place that knows both sides.
 *
 * <p>Maps are written sorted by key so that responses are stable. Times are written in UTC with microsecond
 * precision, which every client's date type holds exactly.
 */
final class ContractMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ContractMapper.class);
    private static final DatatypeFactory DATATYPES;

    static {
        try {
            DATATYPES = DatatypeFactory.newInstance();
        } catch (DatatypeConfigurationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ContractMapper() {
    }

    // ------------------------------------------------------------------ requests

    /**
     * Return the device-config of a request as a map.
     *
     * @throws IllegalArgumentException if a key is given twice or an entry lacks its key or value
     */
    static Map<String, String> deviceConfig(DeviceConfig config) {
        Map<String, String> map = new LinkedHashMap<>();
        if (config == null) {
            return map;
        }
        for (DeviceConfigEntry entry : config.getEntry()) {
            if (entry == null || entry.getKey() == null || entry.getValue() == null) {
                throw new IllegalArgumentException("every deviceConfig entry needs a key and a value");
            }
            if (map.putIfAbsent(entry.getKey(), entry.getValue()) != null) {
                throw new IllegalArgumentException("deviceConfig key '" + entry.getKey() + "' is given twice");
            }
        }
        return map;
    }

    /** Return an optional request value: absent when not given. */
    static Optional<String> optional(String value) {
        return Optional.ofNullable(value);
    }

    // ------------------------------------------------------------------ responses

    static Driver driver(DriverView view) {
        DriverDescriptor descriptor = view.descriptor();
        Driver driver = new Driver();
        driver.setSrType(descriptor.srType());
        driver.setVendor(descriptor.vendor());
        driver.setVersion(descriptor.version());
        driver.setRequiredSpiVersion(descriptor.requiredSpiVersion());
        driver.setDescription(descriptor.description());
        CapabilityList capabilities = new CapabilityList();
        descriptor.capabilities().stream()
                .sorted(Comparator.comparing(Capability::ordinal))
                .map(Capability::name)
                .forEach(capabilities.getCapability()::add);
        driver.setCapabilities(capabilities);
        ConfigSchema schema = new ConfigSchema();
        for (org.storagegateway.spi.model.ConfigKey key : descriptor.configSchema()) {
            ConfigKey out = new ConfigKey();
            out.setName(key.name());
            out.setDescription(key.description());
            out.setRequired(key.required());
            out.setSecret(key.secret());
            schema.getKey().add(out);
        }
        driver.setConfigSchema(schema);
        driver.setAvailable(view.available());
        return driver;
    }

    static StorageRepository storageRepository(StorageRepositoryRecord record) {
        StorageRepository sr = new StorageRepository();
        sr.setUuid(record.uuid());
        sr.setType(record.type());
        sr.setNameLabel(record.nameLabel());
        Set<String> secretKeys = record.secretKeys();
        Map<String, String> visible = new TreeMap<>();
        record.deviceConfig().forEach((key, value) -> {
            // The engine keeps secret values apart already; never echo one should a record carry it anyway.
            if (!secretKeys.contains(key)) {
                visible.put(key, value);
            }
        });
        sr.setDeviceConfig(stringMap(visible));
        KeyList keys = new KeyList();
        secretKeys.stream().sorted().forEach(keys.getKey()::add);
        sr.setSecretKeys(keys);
        sr.setCreated(dateTime(record.createdAt()));
        return sr;
    }

    static VirtualDisk virtualDisk(VirtualDiskRecord record) {
        VirtualDisk vdi = new VirtualDisk();
        vdi.setUuid(record.uuid());
        vdi.setSrUuid(record.srUuid());
        vdi.setNameLabel(record.nameLabel());
        vdi.setVirtualSize(record.virtualSize());
        vdi.setPhysicalUtilisation(record.physicalUtilisation());
        vdi.setReadOnly(record.readOnly());
        vdi.setManaged(record.managed());
        vdi.setHidden(record.hidden());
        vdi.setParentUuid(record.parentUuid().orElse(null));
        vdi.setIsASnapshot(record.snapshot());
        vdi.setSnapshotOf(record.snapshotOf().orElse(null));
        vdi.setSmConfig(stringMap(record.smConfig()));
        vdi.setCreated(dateTime(record.createdAt()));
        return vdi;
    }

    static Task task(TaskRecord record) {
        Task task = new Task();
        task.setUuid(record.uuid());
        task.setOperation(record.operation());
        task.setState(taskState(record.state()));
        task.setProgress(record.progress());
        task.setCancelRequested(record.cancelRequested());
        task.setSubjectUuid(record.subjectUuid().orElse(null));
        task.setResultUuid(record.resultUuid().orElse(null));
        task.setError(taskError(record));
        task.setResolution(record.resolution().orElse(null));
        task.setCreated(dateTime(record.createdAt()));
        task.setFinished(record.finishedAt().map(ContractMapper::dateTime).orElse(null));
        return task;
    }

    static TaskState taskState(org.storagegateway.engine.model.TaskState state) {
        return switch (state) {
            case PENDING -> TaskState.PENDING;
            case RUNNING -> TaskState.RUNNING;
            case SUCCESS -> TaskState.SUCCESS;
            case FAILURE -> TaskState.FAILURE;
            case CANCELLED -> TaskState.CANCELLED;
            case INTERRUPTED -> TaskState.INTERRUPTED;
        };
    }

    static ErrorKind errorKind(org.storagegateway.spi.ErrorKind kind) {
        return switch (kind) {
            case USER -> ErrorKind.USER;
            case EXTERNAL -> ErrorKind.EXTERNAL;
            case INSUFFICIENT_RESOURCES -> ErrorKind.INSUFFICIENT_RESOURCES;
            case UNSUPPORTED -> ErrorKind.UNSUPPORTED;
            case INTERNAL -> ErrorKind.INTERNAL;
        };
    }

    static ErrorInfo errorInfo(int code, String name, ErrorKind kind, String message) {
        ErrorInfo info = new ErrorInfo();
        info.setCode(code);
        info.setName(name);
        info.setKind(kind);
        info.setMessage(message);
        return info;
    }

    /**
     * Return the error of a failed task, or null if it has none. The record keeps the four parts separately; a part
     * that is missing is filled from {@code INTERNAL_ERROR} rather than dropping the error.
     */
    private static ErrorInfo taskError(TaskRecord record) {
        if (record.errorCode().isEmpty() && record.errorName().isEmpty() && record.errorKind().isEmpty()
                && record.errorMessage().isEmpty()) {
            return null;
        }
        ErrorKind kind = record.errorKind().map(name -> parseKind(name, record.uuid())).orElse(ErrorKind.INTERNAL);
        return errorInfo(
                record.errorCode().orElse(StandardErrorCode.INTERNAL_ERROR.code()),
                record.errorName().orElse(StandardErrorCode.INTERNAL_ERROR.name()),
                kind,
                record.errorMessage().orElse(""));
    }

    private static ErrorKind parseKind(String name, String taskUuid) {
        try {
            return errorKind(org.storagegateway.spi.ErrorKind.valueOf(name));
        } catch (IllegalArgumentException e) {
            LOG.warn("Task {} records the unknown error kind '{}'; reporting it as INTERNAL", taskUuid, name);
            return ErrorKind.INTERNAL;
        }
    }

    static org.storagegateway.soap.contract.StorageSystem storageSystem(ProbeEntry entry) {
        org.storagegateway.soap.contract.StorageSystem out = new org.storagegateway.soap.contract.StorageSystem();
        out.setId(entry.id());
        out.setName(entry.name());
        out.setAttributes(stringMap(entry.attributes()));
        return out;
    }

    static org.storagegateway.soap.contract.StoragePool storagePool(ProbeEntry entry) {
        org.storagegateway.soap.contract.StoragePool out = new org.storagegateway.soap.contract.StoragePool();
        out.setId(entry.id());
        out.setName(entry.name());
        out.setAttributes(stringMap(entry.attributes()));
        return out;
    }

    static org.storagegateway.soap.contract.ProbeEntry probeEntry(ProbeEntry entry) {
        org.storagegateway.soap.contract.ProbeEntry out = new org.storagegateway.soap.contract.ProbeEntry();
        out.setKind(entry.kind().name());
        out.setId(entry.id());
        out.setName(entry.name());
        out.setAttributes(stringMap(entry.attributes()));
        return out;
    }

    static org.storagegateway.soap.contract.Lun lun(LunInfo lun) {
        org.storagegateway.soap.contract.Lun out = new org.storagegateway.soap.contract.Lun();
        out.setId(lun.id());
        out.setName(lun.name());
        out.setPoolId(lun.poolId());
        out.setSizeBytes(lun.sizeBytes());
        out.setConsumedBytes(lun.consumedBytes());
        out.setAttributes(stringMap(lun.attributes()));
        return out;
    }

    static org.storagegateway.soap.contract.TargetPort targetPort(TargetPort port) {
        org.storagegateway.soap.contract.TargetPort out = new org.storagegateway.soap.contract.TargetPort();
        out.setId(port.id());
        out.setProtocol(port.protocol());
        out.setAddress(port.address());
        return out;
    }

    static org.storagegateway.soap.contract.IscsiDatapath iscsiDatapath(Datapath.Iscsi datapath) {
        org.storagegateway.soap.contract.IscsiDatapath out = new org.storagegateway.soap.contract.IscsiDatapath();
        out.setPortal(datapath.portal());
        out.setTargetIqn(datapath.targetIqn());
        out.setLun(datapath.lun());
        return out;
    }

    static StringMap stringMap(Map<String, String> map) {
        StringMap out = new StringMap();
        new TreeMap<>(map).forEach((key, value) -> {
            StringMapEntry entry = new StringMapEntry();
            entry.setKey(key);
            entry.setValue(value);
            out.getEntry().add(entry);
        });
        return out;
    }

    static XMLGregorianCalendar dateTime(Instant instant) {
        return DATATYPES.newXMLGregorianCalendar(instant.truncatedTo(ChronoUnit.MICROS).toString());
    }
}
