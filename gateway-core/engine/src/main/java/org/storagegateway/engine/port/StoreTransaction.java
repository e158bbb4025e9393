package org.storagegateway.engine.port;

/** The repositories reachable inside one transaction of {@link GatewayStore}. Valid only during that transaction. */
public interface StoreTransaction {

    /** Return the SR records, with their secrets kept apart. */
    RepositoryTable repositories();

    /** Return the VDI records. */
    VirtualDiskTable virtualDisks();

    /** Return the task records. */
    TaskTable tasks();

    /** Return the drivers seen. */
    DriverTable drivers();

    /** Return the drivers' small key-value stores. */
    DriverStateTable driverState();
}
