package org.storagegateway.engine.port;

import java.util.List;
import java.util.Optional;

import org.storagegateway.engine.model.VirtualDiskRecord;

/** VDI records. */
public interface VirtualDiskTable {

    /** Insert or replace the record with the same UUID. */
    void save(VirtualDiskRecord disk);

    /** Insert a new record without first looking for one; a taken UUID fails the transaction as a conflict. */
    void insert(VirtualDiskRecord disk);

    Optional<VirtualDiskRecord> find(String uuid);

    /** Return the VDIs of an SR, hidden ones included, oldest first. */
    List<VirtualDiskRecord> listBySr(String srUuid);

    /** Delete a VDI record; deleting an absent one does nothing. */
    void delete(String uuid);
}
