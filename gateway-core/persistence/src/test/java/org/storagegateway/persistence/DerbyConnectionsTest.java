package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The idle Derby connections the store keeps between transactions, against the store's real database. */
class DerbyConnectionsTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    private DerbyConnections connections;

    private DerbyConnections connections() {
        if (connections == null) {
            EmbeddedDataSource dataSource = new EmbeddedDataSource();
            dataSource.setDatabaseName(store.directory().resolve(DerbyDatabase.DATABASE_NAME).toString());
            connections = new DerbyConnections(dataSource);
        }
        return connections;
    }

    @AfterEach
    void stop() {
        if (connections != null) {
            connections.stop();
        }
    }

    @Test
    void aConnectionHandedBackInAutoCommitIsReusedByTheNextTransaction() throws SQLException {
        Connection first = connections().getConnection();
        connections().closeConnection(first);

        assertThat(connections().getConnection()).isSameAs(first);
        assertThat(first.isClosed()).isFalse();
    }

    @Test
    void aConnectionHandedBackInsideATransactionIsClosedNotKept() throws SQLException {
        Connection open = connections().getConnection();
        open.setAutoCommit(false);
        try (Statement statement = open.createStatement()) {
            statement.executeUpdate("INSERT INTO DRIVER_STATE (SR_TYPE, STATE_KEY, STATE_VALUE, ROW_VERSION)"
                    + " VALUES ('t', 'k', 'uncommitted', 0)");
        }

        connections().closeConnection(open);

        assertThat(open.isClosed()).isTrue();
        assertThat(connections().idleCount()).isZero();
        Connection next = connections().getConnection();
        try (Statement statement = next.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM DRIVER_STATE")) {
            rows.next();
            assertThat(rows.getInt(1)).as("the closed connection's transaction rolled back").isZero();
        }
        connections().closeConnection(next);
    }

    @Test
    void aConnectionDerbyClosedIsNotKept() throws SQLException {
        Connection closed = connections().getConnection();
        closed.close();

        connections().closeConnection(closed);

        assertThat(connections().idleCount()).isZero();
    }

    @Test
    void atMostMaxIdleConnectionsAreKeptAndTheRestAreClosed() throws SQLException {
        List<Connection> many = new ArrayList<>();
        for (int i = 0; i < DerbyConnections.MAX_IDLE + 3; i++) {
            many.add(connections().getConnection());
        }
        for (Connection connection : many) {
            connections().closeConnection(connection);
        }

        assertThat(connections().idleCount()).isEqualTo(DerbyConnections.MAX_IDLE);
        assertThat(many.stream().filter(this::isClosed)).hasSize(3);
    }

    @Test
    void stoppingClosesTheIdleConnectionsAndKeepsNoneHandedBackLater() throws SQLException {
        Connection idle = connections().getConnection();
        Connection inUse = connections().getConnection();
        connections().closeConnection(idle);

        connections().stop();
        connections().closeConnection(inUse);

        assertThat(idle.isClosed()).isTrue();
        assertThat(inUse.isClosed()).isTrue();
        assertThat(connections().idleCount()).isZero();
    }

    @Test
    void theStoreRunsItsTransactionsOnKeptConnectionsAndStillRollsBackFailedWork() {
        for (int i = 0; i < 20; i++) {
            String key = "k" + i;
            store.use(tx -> tx.driverState().put("t", key, "v"));
            assertThatThrownBy(() -> store.use(tx -> {
                tx.driverState().put("t", key + "-rolled-back", "v");
                throw new IllegalStateException("work failed");
            })).hasMessage("work failed");
        }

        Map<String, String> kept = store.tx(tx -> tx.driverState().entries("t", "k"));
        assertThat(kept).hasSize(20).allSatisfy((key, value) -> assertThat(key).doesNotEndWith("-rolled-back"));
    }

    private boolean isClosed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
