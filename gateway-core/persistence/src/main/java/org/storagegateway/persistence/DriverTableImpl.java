package org.storagegateway.persistence;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.storagegateway.engine.model.DriverRecord;
import org.storagegateway.engine.port.DriverTable;

final class DriverTableImpl implements DriverTable {
    private final HibernateTransaction tx;

    DriverTableImpl(HibernateTransaction tx) {
        this.tx = tx;
    }

    @Override
    public void save(DriverRecord driver) {
        Objects.requireNonNull(driver, "driver is null");
        Limits.check(driver.srType(), Limits.SR_TYPE, "The SR type");
        String vendor = Limits.check(driver.vendor(), Limits.VENDOR, "The driver vendor");
        String version = Limits.check(driver.version(), Limits.VERSION, "The driver version");
        String spi = Limits.check(driver.requiredSpiVersion(), Limits.VERSION, "The required SPI version");
        String capabilities = Limits.check(Json.writeSet(driver.capabilities()), Limits.JSON, "The capabilities");
        tx.write(() -> {
            DriverEntity e = tx.find(DriverEntity.class, driver.srType());
            boolean isNew = e == null;
            if (isNew) {
                e = new DriverEntity();
                e.srType = driver.srType();
            }
            e.vendor = vendor;
            e.version = version;
            e.requiredSpiVersion = spi;
            e.capabilities = capabilities;
            e.firstSeen = driver.firstSeen();
            e.lastSeen = driver.lastSeen();
            if (isNew) {
                tx.persist(e, e.srType);
            }
        });
    }

    @Override
    public Optional<DriverRecord> find(String srType) {
        Objects.requireNonNull(srType, "srType is null");
        return tx.read(() -> Optional.ofNullable(tx.find(DriverEntity.class, srType))
                .map(DriverTableImpl::toRecord));
    }

    @Override
    public List<DriverRecord> list() {
        return tx.read(() -> tx.session()
                .createSelectionQuery("from Driver d order by d.srType", DriverEntity.class)
                .getResultList().stream().map(DriverTableImpl::toRecord).toList());
    }

    private static DriverRecord toRecord(DriverEntity e) {
        return new DriverRecord(e.srType, e.vendor, e.version, e.requiredSpiVersion,
                Json.readSet(e.capabilities, "capabilities of driver " + e.srType), e.firstSeen, e.lastSeen);
    }
}
