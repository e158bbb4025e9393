package org.storagegateway.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.storagegateway.engine.port.StoreTransaction;

/**
 * Opens a {@link DerbyGatewayStore} on a fresh temporary directory before each test and closes and deletes it after.
 * Register with {@code @RegisterExtension final StoreExtension store = new StoreExtension();}.
 */
final class StoreExtension implements BeforeEachCallback, AfterEachCallback {

    /** SQL work on a raw JDBC connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    private Path root;
    private byte[] key;
    private DerbyGatewayStore store;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory("gateway-store-test");
        key = randomKey();
        store = DerbyGatewayStore.open(directory(), key);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            close();
        } finally {
            deleteRecursively(root);
        }
    }

    /** Return the open store. */
    DerbyGatewayStore store() {
        if (store == null) {
            throw new IllegalStateException("The store is closed");
        }
        return store;
    }

    /** Return the database directory given to the store. */
    Path directory() {
        return root.resolve("db");
    }

    /** Return a copy of the secret key the store was opened with. */
    byte[] key() {
        return key.clone();
    }

    <T> T tx(Function<StoreTransaction, T> work) {
        return store().inTransaction(work);
    }

    void use(Consumer<StoreTransaction> work) {
        store().useTransaction(work);
    }

    /** Close the store (if open) and open it again on the same directory and key. */
    DerbyGatewayStore reopen() {
        close();
        store = DerbyGatewayStore.open(directory(), key);
        return store;
    }

    /** Close the store, if open. */
    void close() {
        if (store != null) {
            DerbyGatewayStore s = store;
            store = null;
            s.close();
        }
    }

    /** Run {@code work} on a raw JDBC connection to the closed store's database, then shut the database down. */
    <T> T withClosedDatabase(SqlWork<T> work) throws SQLException {
        close();
        return jdbc(directory(), work);
    }

    /** Run {@code work} on a raw JDBC connection to the database in {@code directory}, then shut it down. */
    static <T> T jdbc(Path directory, SqlWork<T> work) throws SQLException {
        EmbeddedDataSource ds = new EmbeddedDataSource();
        ds.setDatabaseName(directory.resolve(DerbyDatabase.DATABASE_NAME).toString());
        try (Connection connection = ds.getConnection()) {
            return work.run(connection);
        } finally {
            ds.setShutdownDatabase("shutdown");
            try {
                ds.getConnection().close();
            } catch (SQLException expected) {
                // 08006: shut down
            }
        }
    }

    static byte[] randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    static void deleteRecursively(Path path) throws IOException {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
