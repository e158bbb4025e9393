package org.storagegateway.persistence;

import org.storagegateway.engine.port.StoreConflictException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.Transaction;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.BootstrapServiceRegistry;
import org.hibernate.boot.registry.BootstrapServiceRegistryBuilder;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.boot.registry.classloading.internal.TcclLookupPrecedence;
import org.hibernate.cfg.AvailableSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.storagegateway.engine.port.GatewayStore;
import org.storagegateway.engine.port.StoreTransaction;

/**
 * The gateway's persistent state in an embedded Apache Derby database, through Hibernate ORM.
 *
 * <p>{@link #open} creates or opens the database in a directory (the gateway home's {@code db/}): Derby keeps the
 * database in its subdirectory {@value DerbyDatabase#DATABASE_NAME} and writes {@code derby.log} next to it (see
 * {@link DerbyDatabase} for how and when). Opening migrates the schema with Flyway ({@code db/migration} on this
 * module's class path), checks the secret key, then starts Hibernate, which only validates the schema.
 *
 * <p>Transactions run at Derby's default isolation, READ COMMITTED, with full durability: a commit returns once the
 * log is on disk. Every table has an optimistic-lock version, so a transaction that writes a row a concurrent
 * transaction changed after it was read here fails with {@link StoreConflictException} instead of losing that
 * change. Running the transaction again normally succeeds.
 *
 * <p>Secret device-config values are encrypted with AES-256-GCM under the key passed to {@link #open}, in their own
 * table. The key is checked at open against a value encrypted when the database was created.
 *
 * <p>Thread-safe. A {@link StoreTransaction} is not: use it only on the thread running the work, and only during
 * {@link #inTransaction}. Transactions do not nest.
 */
public final class DerbyGatewayStore implements GatewayStore {

    private static final Logger LOG = LoggerFactory.getLogger(DerbyGatewayStore.class);
    /** The stores the current thread is in a transaction of (several only if work of one store uses another). */
    private static final ThreadLocal<Set<DerbyGatewayStore>> IN_TRANSACTION =
            ThreadLocal.withInitial(() -> Collections.newSetFromMap(new IdentityHashMap<>()));
    private static final String KEY_CHECK_PLAINTEXT = "storage-gateway secret key check";
    private static final String KEY_CHECK_ASSOCIATED_DATA = "SECRET_KEY_CHECK";
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final Path directory;
    private final SessionFactory sessionFactory;
    private final SecretCipher cipher;
    /** Transactions hold the read lock; close takes the write lock to wait for them. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private DerbyGatewayStore(Path directory, SessionFactory sessionFactory, SecretCipher cipher) {
        this.directory = directory;
        this.sessionFactory = sessionFactory;
        this.cipher = cipher;
    }

    /**
     * Open the gateway database in {@code databaseDirectory}, creating the directory and the database if needed.
     *
     * @param databaseDirectory the directory that holds the database, such as the gateway home's {@code db/}
     * @param secretKey the 32-byte AES-256 key that encrypts secret values; copied, so the caller may clear it
     * @return the open store; close it to shut the database down
     * @throws IllegalArgumentException if the key is not 32 bytes, or is not the key the database was created with
     * @throws IllegalStateException if this JVM already has the database open, another process has it open, the
     *         schema cannot be migrated, or it does not match the entities
     */
    public static DerbyGatewayStore open(Path databaseDirectory, byte[] secretKey) {
        Objects.requireNonNull(databaseDirectory, "databaseDirectory is null");
        SecretCipher cipher = new SecretCipher(secretKey);
        Path directory = databaseDirectory.toAbsolutePath().normalize();
        synchronized (DerbyDatabase.LOCK) {
            if (DerbyDatabase.isOpen(directory)) {
                throw new IllegalStateException("The gateway database in " + directory + " is already open");
            }
            try {
                Files.createDirectories(directory);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create the database directory " + directory, e);
            }
            long start = System.nanoTime();
            DataSource dataSource;
            try {
                dataSource = DerbyDatabase.boot(directory);
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot open the gateway database in " + directory
                        + bootHint(e) + ": " + e.getMessage(), e);
            }
            try {
                migrate(dataSource);
                checkSecretKey(dataSource, cipher, directory);
                SessionFactory sessionFactory = buildSessionFactory(dataSource);
                LOG.info("Opened the gateway database in {} in {} ms", directory,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                return new DerbyGatewayStore(directory, sessionFactory, cipher);
            } catch (RuntimeException | Error e) {
                DerbyDatabase.shutdown(directory);
                if (e instanceof IllegalArgumentException || e instanceof Error) {
                    throw e;
                }
                throw new IllegalStateException(
                        "Cannot open the gateway database in " + directory + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Exceptions thrown by {@code work} are rethrown unchanged, after the rollback. Failures of the database are
     * thrown as {@link org.storagegateway.spi.StorageException}: {@link StoreConflictException} for a conflict with
     * a concurrent transaction, {@link DuplicateIdempotencyKeyException} for a task idempotency key already taken,
     * and a plain one with code {@code INTERNAL_ERROR} for anything else.
     *
     * @throws IllegalStateException if the store is closed, or the calling thread is already in a transaction of
     *         this store
     */
    @Override
    public <T> T inTransaction(Function<StoreTransaction, T> work) {
        Objects.requireNonNull(work, "work is null");
        Set<DerbyGatewayStore> current = IN_TRANSACTION.get();
        try {
            if (!current.add(this)) {
                // A second session would wait for the locks of the first, on the same thread: fail, do not hang.
                throw new IllegalStateException("Transactions do not nest: this thread is already in a transaction"
                        + " of this store");
            }
            try {
                Lock lock = lifecycle.readLock();
                lock.lock();
                try {
                    if (closed) {
                        throw new IllegalStateException("The gateway database in " + directory + " is closed");
                    }
                    return run(work);
                } finally {
                    lock.unlock();
                }
            } finally {
                current.remove(this);
            }
        } finally {
            if (current.isEmpty()) {
                IN_TRANSACTION.remove();
            }
        }
    }

    private <T> T run(Function<StoreTransaction, T> work) {
        Session session;
        try {
            session = sessionFactory.openSession();
        } catch (RuntimeException e) {
            throw PersistenceErrors.translate(e);
        }
        HibernateTransaction tx = new HibernateTransaction(session, cipher);
        Transaction transaction = null;
        try {
            transaction = session.beginTransaction();
            T result = work.apply(tx);
            RuntimeException failure = tx.failure();
            if (failure != null) {
                // The work caught a database failure and went on; the session cannot commit after it.
                throw failure;
            }
            session.flush();
            transaction.commit();
            return result;
        } catch (RuntimeException | Error e) {
            rollback(transaction);
            if (e instanceof RuntimeException re && PersistenceErrors.isPersistenceFailure(re)) {
                // From begin, flush or commit above: work and table calls never let these through untranslated.
                throw PersistenceErrors.translate(re);
            }
            throw e;
        } finally {
            tx.end();
            try {
                session.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing a Hibernate session failed", e);
            }
        }
    }

    /** Roll back; a failure is logged, not added to the exception being thrown, which stays as it was. */
    private void rollback(Transaction transaction) {
        if (transaction == null) {
            return;
        }
        try {
            if (transaction.isActive()) {
                transaction.rollback();
            }
        } catch (RuntimeException e) {
            LOG.warn("Rolling back a transaction on the gateway database in {} failed", directory, e);
        }
    }

    /**
     * Release the store: wait up to 30 seconds for running transactions, stop Hibernate and shut the Derby database
     * down, so that it can be opened again, in this JVM or another. Closing a closed store does nothing.
     *
     * @throws IllegalStateException if called from inside a transaction of this store
     */
    @Override
    public void close() {
        Set<DerbyGatewayStore> current = IN_TRANSACTION.get();
        boolean inside = current.contains(this);
        if (current.isEmpty()) {
            IN_TRANSACTION.remove();
        }
        if (inside) {
            throw new IllegalStateException("Cannot close the store from inside one of its transactions");
        }
        Lock lock = lifecycle.writeLock();
        boolean locked = false;
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            try {
                locked = lock.tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!locked) {
                LOG.warn("Closing the gateway database in {} while transactions still run", directory);
            }
            synchronized (DerbyDatabase.LOCK) {
                try {
                    sessionFactory.close();
                } catch (RuntimeException e) {
                    LOG.warn("Closing Hibernate failed", e);
                } finally {
                    DerbyDatabase.shutdown(directory);
                }
            }
            LOG.info("Closed the gateway database in {}", directory);
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    /** Return the directory given to {@link #open}, made absolute. */
    public Path directory() {
        return directory;
    }

    @Override
    public String toString() {
        return "DerbyGatewayStore[" + directory + (closed ? ", closed]" : "]");
    }

    private static void migrate(DataSource dataSource) {
        Flyway.configure(DerbyGatewayStore.class.getClassLoader())
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                // Fail on migrations applied by a newer gateway rather than ignore them (Flyway's default).
                .ignoreMigrationPatterns(new String[0])
                .validateMigrationNaming(true)
                .load()
                .migrate();
    }

    /** Store a value encrypted with the key if the database has none, else check that the key decrypts it. */
    private static void checkSecretKey(DataSource dataSource, SecretCipher cipher, Path directory) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            byte[] stored = null;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT CIPHERTEXT FROM SECRET_KEY_CHECK WHERE ID = 1");
                 ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    stored = row.getBytes(1);
                }
            }
            if (stored == null) {
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO SECRET_KEY_CHECK (ID, CIPHERTEXT) VALUES (1, ?)")) {
                    insert.setBytes(1, cipher.encrypt(KEY_CHECK_PLAINTEXT, KEY_CHECK_ASSOCIATED_DATA));
                    insert.executeUpdate();
                }
                connection.commit();
                return;
            }
            connection.rollback();
            String plaintext;
            try {
                plaintext = cipher.decrypt(stored, KEY_CHECK_ASSOCIATED_DATA);
            } catch (GeneralSecurityException e) {
                plaintext = null;
            }
            if (!KEY_CHECK_PLAINTEXT.equals(plaintext)) {
                throw new IllegalArgumentException("The secret key is not the one the gateway database in "
                        + directory + " was created with; its secret values cannot be decrypted with it");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot check the secret key: " + e.getMessage(), e);
        }
    }

    private static SessionFactory buildSessionFactory(DataSource dataSource) {
        // Class loading: only this module's class loader (which sees Hibernate, Derby and the entities), never the
        // thread context class loader, which in a container may be anything.
        BootstrapServiceRegistryBuilder bootstrapBuilder = new BootstrapServiceRegistryBuilder()
                .applyClassLoader(DerbyGatewayStore.class.getClassLoader());
        bootstrapBuilder.applyTcclLookupPrecedence(TcclLookupPrecedence.NEVER);
        BootstrapServiceRegistry bootstrap = bootstrapBuilder.build();
        StandardServiceRegistry registry = new StandardServiceRegistryBuilder(bootstrap)
                .applySetting(AvailableSettings.CONNECTION_PROVIDER, new DerbyConnections(dataSource))
                // No hibernate.dialect: Hibernate picks org.hibernate.dialect.DerbyDialect (hibernate-core) from the
                // JDBC metadata, for the Derby version it finds.
                .applySetting(AvailableSettings.HBM2DDL_AUTO, "validate")
                // Instants are mapped as plain TIMESTAMP in this zone (@JdbcTypeCode on each Instant field, the
                // supported way; the global preferred_instant_jdbc_type setting is incubating): Hibernate's default
                // UTC timestamp type passes one static Calendar to every setTimestamp/getTimestamp, and Derby changes
                // the calendar it is given, so concurrent transactions stored and read wrong instants (or failed with
                // 22007). The plain type takes a new Calendar for the JDBC time zone on each call.
                .applySetting(AvailableSettings.JDBC_TIME_ZONE, "UTC")
                .applySetting(AvailableSettings.USE_SECOND_LEVEL_CACHE, false)
                .applySetting(AvailableSettings.XML_MAPPING_ENABLED, false)
                .build();
        try {
            return new MetadataSources(registry)
                    .addAnnotatedClass(DriverEntity.class)
                    .addAnnotatedClass(RepositoryEntity.class)
                    .addAnnotatedClass(RepositorySecretEntity.class)
                    .addAnnotatedClass(VirtualDiskEntity.class)
                    .addAnnotatedClass(TaskEntity.class)
                    .addAnnotatedClass(DriverStateEntity.class)
                    .buildMetadata()
                    .buildSessionFactory();
        } catch (RuntimeException e) {
            StandardServiceRegistryBuilder.destroy(registry);
            throw e;
        }
    }

    private static String bootHint(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if ("XSDB6".equals(s.getSQLState())) {
                return " (another process has it open)";
            }
        }
        return "";
    }
}
