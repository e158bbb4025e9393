package org.storagegateway.persistence;

import org.storagegateway.engine.port.StoreConflictException;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

import org.hibernate.Session;
import org.storagegateway.engine.port.DriverStateTable;
import org.storagegateway.engine.port.DriverTable;
import org.storagegateway.engine.port.RepositoryTable;
import org.storagegateway.engine.port.StoreTransaction;
import org.storagegateway.engine.port.TaskTable;
import org.storagegateway.engine.port.VirtualDiskTable;

/**
 * One transaction: a Hibernate session and the tables on top of it. Not thread-safe; valid only until
 * {@link DerbyGatewayStore#inTransaction} returns.
 *
 * <p>Every table operation goes through {@link #read} or {@link #write}: they reject use after the transaction
 * ended, translate persistence failures (see {@link PersistenceErrors}) and remember them, so a transaction whose
 * work swallowed such a failure still rolls back. Writes are flushed at once, so a constraint violation surfaces from
 * the call that caused it; the statements run once either way, so this costs nothing.
 *
 * <p>Optimistic locking covers rows this transaction read, through their version. It cannot cover a row this
 * transaction found absent: if a concurrent transaction creates it and commits, a later "insert or replace" here
 * would silently overwrite it (read nothing, write, lose the other write). So {@link #find} remembers the keys it
 * found absent, and finding such a key present later in the same transaction is a conflict.
 */
final class HibernateTransaction implements StoreTransaction {

    private final Session session;
    private final SecretCipher cipher;
    private boolean active = true;
    private RuntimeException failure;
    private final Set<Ref> seenAbsent = new HashSet<>();

    private RepositoryTable repositories;
    private VirtualDiskTable virtualDisks;
    private TaskTable tasks;
    private DriverTable drivers;
    private DriverStateTable driverState;

    HibernateTransaction(Session session, SecretCipher cipher) {
        this.session = session;
        this.cipher = cipher;
    }

    @Override
    public RepositoryTable repositories() {
        ensureActive();
        if (repositories == null) {
            repositories = new RepositoryTableImpl(this);
        }
        return repositories;
    }

    @Override
    public VirtualDiskTable virtualDisks() {
        ensureActive();
        if (virtualDisks == null) {
            virtualDisks = new VirtualDiskTableImpl(this);
        }
        return virtualDisks;
    }

    @Override
    public TaskTable tasks() {
        ensureActive();
        if (tasks == null) {
            tasks = new TaskTableImpl(this);
        }
        return tasks;
    }

    @Override
    public DriverTable drivers() {
        ensureActive();
        if (drivers == null) {
            drivers = new DriverTableImpl(this);
        }
        return drivers;
    }

    @Override
    public DriverStateTable driverState() {
        ensureActive();
        if (driverState == null) {
            driverState = new DriverStateTableImpl(this);
        }
        return driverState;
    }

    Session session() {
        return session;
    }

    SecretCipher cipher() {
        return cipher;
    }

    /**
     * Return the entity with the id, or null; called by the tables instead of {@code Session.find}.
     *
     * @throws StoreConflictException if this transaction found the entity absent before and it exists now
     */
    <E> E find(Class<E> type, Object id) {
        E entity = session.find(type, id);
        Ref ref = new Ref(type, id);
        if (entity == null) {
            seenAbsent.add(ref);
        } else if (seenAbsent.contains(ref)) {
            throw doom(new StoreConflictException("A concurrent transaction created the " + type.getSimpleName()
                    .replace("Entity", "") + " record " + id + " after this transaction found none", null));
        }
        return entity;
    }

    /** Persist a new entity found absent by {@link #find}. */
    void persist(Object entity, Object id) {
        session.persist(entity);
        seenAbsent.remove(new Ref(entity.getClass(), id));
    }

    /** Run a read. */
    <T> T read(Supplier<T> operation) {
        ensureActive();
        try {
            return operation.get();
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    /** Run a write and flush it. */
    void write(Runnable operation) {
        ensureActive();
        try {
            operation.run();
            session.flush();
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    /** Make this transaction unable to commit because of {@code e}, and return {@code e}. */
    RuntimeException doom(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /** Return the failure that keeps this transaction from committing, or null. */
    RuntimeException failure() {
        return failure;
    }

    /** Make this object unusable; called when the transaction ends. */
    void end() {
        active = false;
    }

    private RuntimeException failed(RuntimeException e) {
        if (PersistenceErrors.isPersistenceFailure(e)) {
            // The session is in an undefined state after a Hibernate failure: the transaction must roll back.
            return doom(PersistenceErrors.translate(e));
        }
        return e;
    }

    /** A key of one entity type. */
    private record Ref(Class<?> type, Object id) {
    }

    private void ensureActive() {
        if (!active) {
            throw new IllegalStateException("The store transaction has ended; use the StoreTransaction only inside"
                    + " the work passed to inTransaction");
        }
    }
}
