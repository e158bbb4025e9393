package org.storagegateway.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;

import javax.sql.DataSource;

import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;
import org.hibernate.service.UnknownUnwrapTypeException;
import org.hibernate.service.spi.Stoppable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections Hibernate runs the store's transactions on: embedded Derby connections, kept open between
 * transactions.
 *
 * <p>Opening an embedded connection costs more than a short transaction's statements (it authenticates, builds a
 * language context and looks the database up under a Derby-wide monitor, which concurrent transactions queued on), so
 * up to {@value #MAX_IDLE} idle connections are kept for the next transaction. Hibernate hands a connection back after
 * the transaction ended, with its statements closed and auto-commit restored, so a kept connection carries no
 * transaction state. One handed back otherwise (auto-commit off: it is rolled back), or closed by Derby after a severe
 * error, is closed instead of kept. Closing the session factory closes the idle connections, before the database
 * shuts down.
 */
final class DerbyConnections implements ConnectionProvider, Stoppable {
    private static final Logger LOG = LoggerFactory.getLogger(DerbyConnections.class);
    static final int MAX_IDLE = 16;

    private final DataSource dataSource;
    private final BlockingDeque<Connection> idle = new LinkedBlockingDeque<>(MAX_IDLE);
    private volatile boolean stopped;

    DerbyConnections(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection kept = idle.pollFirst();
        return kept != null ? kept : dataSource.getConnection();
    }

    @Override
    public void closeConnection(Connection connection) throws SQLException {
        boolean reusable = !stopped && !connection.isClosed() && connection.getAutoCommit();
        if (reusable) {
            connection.clearWarnings();
        }
        if (!reusable || !idle.offerFirst(connection)) {
            discard(connection);
        }
    }

    /** Close {@code connection}, rolling back a transaction left open on it (Derby refuses to close it otherwise). */
    private static void discard(Connection connection) throws SQLException {
        if (!connection.isClosed() && !connection.getAutoCommit()) {
            connection.rollback();
        }
        connection.close();
    }

    /** Return the number of idle connections kept now. */
    int idleCount() {
        return idle.size();
    }

    @Override
    public void stop() {
        stopped = true;
        for (Connection connection = idle.pollFirst(); connection != null; connection = idle.pollFirst()) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.warn("Closing an idle Derby connection failed", e);
            }
        }
    }

    @Override
    public boolean supportsAggressiveRelease() {
        return false;
    }

    @Override
    public boolean isUnwrappableAs(Class<?> type) {
        return type.isInstance(this) || type.isInstance(dataSource);
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        if (type.isInstance(dataSource)) {
            return type.cast(dataSource);
        }
        throw new UnknownUnwrapTypeException(type);
    }
}
