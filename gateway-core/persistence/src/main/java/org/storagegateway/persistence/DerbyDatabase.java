package org.storagegateway.persistence;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

import javax.sql.DataSource;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Derby side: booting, shutting down and locating {@code derby.log}.
 *
 * <p>Derby's engine is one per JVM (class loader, strictly). This class counts the databases the stores of this JVM
 * have booted; when the last one is shut down it shuts the engine down too, so a later open boots it afresh. That
 * stops Derby's background threads between in-process restarts and lets each boot write its {@code derby.log} next
 * to the database it is opened for. All methods run under {@link #LOCK}.
 *
 * <p><b>derby.log.</b> Derby reads the location of its log only from JVM-wide properties, when the engine boots;
 * there is no per-database or per-connection setting. The least global choice is to set the system property
 * {@code derby.stream.error.file} right before the engine boots, only if nobody else configured Derby's log (none of
 * {@code derby.stream.error.file}, {@code .method}, {@code .field} or {@code derby.system.home} is set, or the value
 * there is one this class set earlier). It then names {@code derby.log} in the directory of the store that boots the
 * engine. {@code derby.system.home} is left alone: it would also move where Derby looks for {@code derby.properties}
 * and resolves relative database names.
 */
final class DerbyDatabase {

    static final Object LOCK = new Object();

    /** The name of the Derby database inside the directory the caller gives. */
    static final String DATABASE_NAME = "gateway";

    private static final Logger LOG = LoggerFactory.getLogger(DerbyDatabase.class);
    private static final String ERROR_FILE = "derby.stream.error.file";
    private static final Set<Path> BOOTED = new HashSet<>();
    private static String errorFileWeSet;

    private DerbyDatabase() {
    }

    /** Return whether a store of this JVM has the database in {@code directory} open. */
    static boolean isOpen(Path directory) {
        return BOOTED.contains(directory);
    }

    /**
     * Boot (creating it if needed) the database in {@code directory} and return a data source for it. Every
     * {@link DataSource#getConnection()} opens a new embedded connection; the store's transactions reuse them through
     * {@link DerbyConnections}.
     */
    static DataSource boot(Path directory) throws SQLException {
        if (BOOTED.isEmpty()) {
            routeErrorLog(directory.resolve("derby.log"));
        }
        Path database = directory.resolve(DATABASE_NAME);
        EmbeddedDataSource create = new EmbeddedDataSource();
        create.setDatabaseName(database.toString());
        create.setCreateDatabase("create");
        try (Connection connection = create.getConnection()) {
            connection.isValid(1);
        } catch (SQLException e) {
            if (BOOTED.isEmpty()) {
                shutdownEngine();
            }
            throw e;
        }
        BOOTED.add(directory);
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(database.toString());
        return dataSource;
    }

    /** Shut down the database in {@code directory}, and the engine if no other database is booted. */
    static void shutdown(Path directory) {
        EmbeddedDataSource shutdown = new EmbeddedDataSource();
        shutdown.setDatabaseName(directory.resolve(DATABASE_NAME).toString());
        shutdown.setShutdownDatabase("shutdown");
        try (Connection ignored = shutdown.getConnection()) {
            LOG.warn("Derby did not report the shutdown of the database in {}", directory);
        } catch (SQLException e) {
            // 08006: the database was shut down, as requested.
            if (!"08006".equals(e.getSQLState())) {
                LOG.warn("Shutting down the database in {} failed", directory, e);
            }
        } finally {
            BOOTED.remove(directory);
        }
        if (BOOTED.isEmpty()) {
            shutdownEngine();
        }
    }

    private static void shutdownEngine() {
        EmbeddedDataSource shutdown = new EmbeddedDataSource();
        shutdown.setDatabaseName("");
        shutdown.setShutdownDatabase("shutdown");
        // Keep Derby's driver registered with DriverManager so that the next connection boots the engine again.
        shutdown.setConnectionAttributes("deregister=false");
        try (Connection ignored = shutdown.getConnection()) {
            LOG.warn("Derby did not report the shutdown of its engine");
        } catch (SQLException e) {
            // XJ015: the engine was shut down, as requested.
            if (!"XJ015".equals(e.getSQLState())) {
                LOG.warn("Shutting down the Derby engine failed", e);
            }
        }
    }

    /**
     * Point derby.log at {@code logFile} for the engine boot about to happen. JVM-wide, unavoidably (Derby has no
     * other way); skipped when someone else configured Derby's log. See the class comment.
     */
    private static void routeErrorLog(Path logFile) {
        String current = System.getProperty(ERROR_FILE);
        boolean ours = current == null || current.equals(errorFileWeSet);
        boolean configuredElsewhere = System.getProperty("derby.stream.error.method") != null
                || System.getProperty("derby.stream.error.field") != null
                || System.getProperty("derby.system.home") != null;
        if (ours && !configuredElsewhere) {
            errorFileWeSet = logFile.toString();
            System.setProperty(ERROR_FILE, errorFileWeSet);
        }
    }
}
