package org.storagegateway.smis.adapter;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.storagegateway.smis.quirks.ArrayIdentity;
import org.storagegateway.smis.quirks.Quirk;
import org.storagegateway.smis.quirks.VendorQuirks;
import org.storagegateway.spi.DriverContext;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageDriverFactory;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.Capability;
import org.storagegateway.spi.model.ConfigKey;
import org.storagegateway.spi.model.DriverDescriptor;
import org.storagegateway.spi.model.ProbeEntry;
import org.storagegateway.spi.model.RepositoryConfig;

/**
 * The {@code smis} SR driver: an SR is one pool of one storage system of an SMI-S array, each VDI one volume.
 *
 * <p>The component owns one CIM-XML connection per array address (closed on deactivation, or replaced after a call
 * timed out) and the threads the calls run on, and tracks the {@link VendorQuirks} services of quirk bundles: the
 * quirks of an array are the union of those whose {@code appliesTo} accepts it.
 */
@Component(service = StorageDriverFactory.class, property = StorageDriverFactory.SR_TYPE_PROPERTY + "=smis")
public final class SmisDriverFactory implements StorageDriverFactory {
    static final String SYSTEM = "system";
    static final String POOL = "pool";
    static final String PROVISIONING = "provisioning";
    static final String INITIATOR = "initiator-iqn";
    static final String JOB_TIMEOUT = "job-timeout-seconds";
    static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofMinutes(30);
    static final String DRIVER_VERSION = "1.0.0";

    private static final DriverDescriptor DESCRIPTOR = new DriverDescriptor(
            "smis",
            "Storage gateway project",
            DRIVER_VERSION,
            "1.1",
            "Block arrays through SMI-S (CIM-XML): one LUN per VDI in a pool of a storage system",
            List.of(new ConfigKey(ArrayAddress.ADDRESS, "CIMOM address: host[:port] for HTTPS (port 5989 by default),"
                            + " or http[s]://host[:port]", true, false),
                    new ConfigKey(ArrayAddress.USER, "CIMOM user", true, false),
                    new ConfigKey(ArrayAddress.PASSWORD, "CIMOM password", true, true),
                    new ConfigKey(ArrayAddress.CERTIFICATE, "Absolute path of a PEM certificate to trust for HTTPS"
                            + " (the CIMOM's own or its CA); the JDK's CAs otherwise", false, false),
                    new ConfigKey(ArrayAddress.TIMEOUT, "Longest wait for one CIM-XML reply, in seconds (default 60)",
                            false, false),
                    new ConfigKey(JOB_TIMEOUT, "Longest wait for an array job, in seconds (default 1800)", false,
                            false),
                    new ConfigKey(SYSTEM, "Name of the storage system (from a probe); required for pools and SRs",
                            false, false),
                    new ConfigKey(POOL, "InstanceID of the pool (from a probe with 'system' set); required for SRs",
                            false, false),
                    new ConfigKey(PROVISIONING, "thick (default) or thin", false, false),
                    new ConfigKey(INITIATOR, "iSCSI initiator IQN of the host VDIs are attached to; required to"
                            + " attach", false, false)),
            EnumSet.of(Capability.SR_PROBE, Capability.SR_STATS, Capability.VDI_CREATE, Capability.VDI_DELETE,
                    Capability.VDI_RESIZE, Capability.VDI_INTRODUCE, Capability.VDI_CLONE, Capability.VDI_SNAPSHOT,
                    Capability.VDI_ATTACH, Capability.LUN_MASKING, Capability.THIN_PROVISIONING,
                    Capability.ARRAY_ADMINISTRATION));

    private final List<VendorQuirks> vendorQuirks = new CopyOnWriteArrayList<>();
    private final Map<String, SmisArray> arrays = new ConcurrentHashMap<>();
    /** Owned by the component: CIM calls run here so that callers can stop waiting; stopped on deactivation. */
    private volatile ExecutorService calls;

    /** Start the call threads; SCR calls it, and so do tests that use the factory outside OSGi. */
    @Activate
    public void activate() {
        AtomicInteger count = new AtomicInteger();
        calls = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "smis-cim-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Close every connection and stop the threads; nothing of the bundle stays reachable afterwards. */
    @Deactivate
    public void deactivate() {
        ExecutorService running = calls;
        calls = null;
        arrays.values().forEach(a -> a.connection().close());
        arrays.clear();
        if (running != null) {
            running.shutdownNow();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            service = VendorQuirks.class)
    public void addVendorQuirks(VendorQuirks quirks) {
        vendorQuirks.add(quirks);
    }

    public void removeVendorQuirks(VendorQuirks quirks) {
        vendorQuirks.remove(quirks);
    }

    @Override
    public DriverDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public StorageRepository open(RepositoryConfig config, DriverContext context) {
        Map<String, String> deviceConfig = config.deviceConfig();
        ArrayAddress address = ArrayAddress.from(deviceConfig, context);
        String system = ArrayAddress.required(deviceConfig, SYSTEM);
        String pool = ArrayAddress.required(deviceConfig, POOL);
        boolean thin = thin(deviceConfig.get(PROVISIONING));
        Duration jobTimeout = jobTimeout(deviceConfig.get(JOB_TIMEOUT));
        Optional<String> initiator = Optional.ofNullable(deviceConfig.get(INITIATOR)).map(String::trim)
                .filter(s -> !s.isEmpty());
        initiator.ifPresent(SmisDriverFactory::requireIqn);
        return new SmisRepository(array(address), system, pool, thin, initiator, this::quirksFor, jobTimeout,
                context);
    }

    /** Level 1 (no 'system'): the array's storage systems. Level 2: the usable pools of that system. */
    @Override
    public List<ProbeEntry> probe(Map<String, String> deviceConfig, DriverContext context) {
        ArrayAddress address = ArrayAddress.from(deviceConfig, context);
        SmisArray array = array(address);
        String systemName = deviceConfig.get(SYSTEM);
        if (systemName == null || systemName.isBlank()) {
            return ProbeEntries.systems(array, this::quirksFor);
        }
        return ProbeEntries.pools(array, array.system(systemName.trim()), this::quirksFor);
    }

    /** The union of the quirks every registered quirk bundle declares for this array. */
    Set<Quirk> quirksFor(ArrayIdentity identity) {
        EnumSet<Quirk> quirks = EnumSet.noneOf(Quirk.class);
        for (VendorQuirks vendor : vendorQuirks) {
            if (vendor.appliesTo(identity)) {
                quirks.addAll(vendor.quirks());
            }
        }
        return Set.copyOf(quirks);
    }

    /** The connection-wide view of the array at this address, replaced when a call on it timed out. */
    SmisArray array(ArrayAddress address) {
        ExecutorService running = calls;
        if (running == null) {
            throw new StorageException(StandardErrorCode.DRIVER_UNAVAILABLE, "The SMI-S adapter is not active");
        }
        return arrays.compute(address.connectionKey(), (key, known) -> {
            if (known != null && !known.connection().isBroken()) {
                return known;
            }
            if (known != null) {
                known.connection().close();
            }
            return new SmisArray(CimConnection.open(address, running));
        });
    }

    /** An iSCSI qualified name (RFC 3720 iqn. form) or an EUI-64 name. */
    static String requireIqn(String iqn) {
        if (!iqn.matches("iqn\\.\\d{4}-\\d{2}\\.[a-z0-9.-]+(:[^\\s]{1,200})?|eui\\.[0-9A-Fa-f]{16}")) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "Not an iSCSI initiator name: " + iqn);
        }
        return iqn;
    }

    private static boolean thin(String provisioning) {
        if (provisioning == null || provisioning.isBlank() || provisioning.trim().equalsIgnoreCase("thick")) {
            return false;
        }
        if (provisioning.trim().equalsIgnoreCase("thin")) {
            return true;
        }
        throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                "device-config '" + PROVISIONING + "' must be thick or thin: " + provisioning);
    }

    private static Duration jobTimeout(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_JOB_TIMEOUT;
        }
        try {
            long seconds = Long.parseLong(value.trim().toLowerCase(Locale.ROOT));
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                "device-config '" + JOB_TIMEOUT + "' must be a positive number of seconds: " + value);
    }
}
