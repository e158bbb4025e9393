package org.storagegateway.persistence;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.storagegateway.engine.model.VirtualDiskRecord;
import org.storagegateway.engine.port.VirtualDiskTable;

final class VirtualDiskTableImpl implements VirtualDiskTable {
    private final HibernateTransaction tx;

    VirtualDiskTableImpl(HibernateTransaction tx) {
        this.tx = tx;
    }

    @Override
    public void save(VirtualDiskRecord disk) {
        write(disk, false);
    }

    @Override
    public void insert(VirtualDiskRecord disk) {
        write(disk, true);
    }

    private void write(VirtualDiskRecord disk, boolean knownNew) {
        Objects.requireNonNull(disk, "disk is null");
        Limits.check(disk.uuid(), Limits.UUID, "The VDI UUID");
        Limits.check(disk.srUuid(), Limits.UUID, "The SR UUID");
        Limits.check(disk.nameLabel(), Limits.NAME_LABEL, "The VDI name-label");
        String parent = Limits.check(disk.parentUuid(), Limits.UUID, "The parent VDI UUID");
        String snapshotOf = Limits.check(disk.snapshotOf(), Limits.UUID, "The snapshot-of VDI UUID");
        String smConfig = Limits.check(Json.writeMap(disk.smConfig()), Limits.JSON, "The sm-config");
        tx.write(() -> {
            VirtualDiskEntity e = knownNew ? null : tx.find(VirtualDiskEntity.class, disk.uuid());
            boolean isNew = e == null;
            if (isNew) {
                e = new VirtualDiskEntity();
                e.uuid = disk.uuid();
            }
            e.srUuid = disk.srUuid();
            e.nameLabel = disk.nameLabel();
            e.virtualSize = disk.virtualSize();
            e.physicalUtilisation = disk.physicalUtilisation();
            e.readOnly = disk.readOnly();
            e.managed = disk.managed();
            e.hidden = disk.hidden();
            e.parentUuid = parent;
            e.snapshot = disk.snapshot();
            e.snapshotOf = snapshotOf;
            e.smConfig = smConfig;
            e.createdAt = disk.createdAt();
            if (isNew) {
                tx.persist(e, e.uuid);
            }
        });
    }

    @Override
    public Optional<VirtualDiskRecord> find(String uuid) {
        Objects.requireNonNull(uuid, "uuid is null");
        return tx.read(() -> Optional.ofNullable(tx.find(VirtualDiskEntity.class, uuid))
                .map(VirtualDiskTableImpl::toRecord));
    }

    @Override
    public List<VirtualDiskRecord> listBySr(String srUuid) {
        Objects.requireNonNull(srUuid, "srUuid is null");
        return tx.read(() -> tx.session()
                .createSelectionQuery("from VirtualDisk v where v.srUuid = :sr order by v.createdAt, v.uuid",
                        VirtualDiskEntity.class)
                .setParameter("sr", srUuid)
                .getResultList().stream().map(VirtualDiskTableImpl::toRecord).toList());
    }

    @Override
    public void delete(String uuid) {
        Objects.requireNonNull(uuid, "uuid is null");
        tx.write(() -> {
            VirtualDiskEntity e = tx.find(VirtualDiskEntity.class, uuid);
            if (e != null) {
                tx.session().remove(e);
            }
        });
    }

    private static VirtualDiskRecord toRecord(VirtualDiskEntity e) {
        return new VirtualDiskRecord(e.uuid, e.srUuid, e.nameLabel, e.virtualSize, e.physicalUtilisation, e.readOnly,
                e.managed, e.hidden, Optional.ofNullable(e.parentUuid), e.snapshot, Optional.ofNullable(e.snapshotOf),
                Json.readMap(e.smConfig, "sm-config of VDI " + e.uuid), e.createdAt);
    }
}
