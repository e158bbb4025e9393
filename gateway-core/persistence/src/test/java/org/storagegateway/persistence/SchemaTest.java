package org.storagegateway.persistence;

import org.storagegateway.engine.port.StoreConflictException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.engine.model.TaskRecord;

import jakarta.persistence.PersistenceException;

class SchemaTest {
    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void flywayRecordedTheMigrations() throws SQLException {
        List<String> versions = store.withClosedDatabase(c -> {
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\""
                         + " WHERE \"success\" = TRUE ORDER BY \"installed_rank\"")) {
                List<String> v = new java.util.ArrayList<>();
                while (r.next()) {
                    v.add(r.getString(1));
                }
                return v;
            }
        });
        assertThat(versions).containsExactly("1");
    }

    @Test
    void hibernateValidationCatchesAColumnDroppedBehindFlywaysBack() throws SQLException {
        store.withClosedDatabase(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("ALTER TABLE TASK DROP COLUMN RESOLUTION");
            }
        });

        assertThatThrownBy(() -> DerbyGatewayStore.open(store.directory(), store.key()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Schema-validation")
                .hasMessageContaining("RESOLUTION");

        // The failed open shut the database down again: it can be repaired and opened.
        store.withClosedDatabase(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("ALTER TABLE TASK ADD COLUMN RESOLUTION VARCHAR(4000)");
            }
        });
        store.reopen();
        store.use(tx -> tx.tasks().save(Records.fullTask("t1", "k1", Records.T0)));
        Optional<TaskRecord> found = store.tx(tx -> tx.tasks().find("t1"));
        assertThat(found).isPresent();
    }

    @Test
    void refusesADatabaseMigratedByANewerGateway() throws SQLException {
        store.withClosedDatabase(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO \"flyway_schema_history\" (\"installed_rank\","
                    + " \"version\", \"description\", \"type\", \"script\", \"checksum\", \"installed_by\","
                    + " \"execution_time\", \"success\") VALUES (99, '99', 'from the future', 'SQL',"
                    + " 'V99__from_the_future.sql', 0, 'test', 1, TRUE)")) {
                return s.executeUpdate();
            }
        });

        assertThatThrownBy(() -> DerbyGatewayStore.open(store.directory(), store.key()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("99");
    }

    @Test
    void theUniqueConstraintOnTheIdempotencyKeyIsReportedAsDuplicateKey() throws SQLException {
        // The store checks for a taken key before inserting; only a race reaches the constraint. Produce Derby's
        // real violation with plain JDBC and check the translation recognises it.
        store.use(tx -> tx.tasks().save(Records.pendingTask("t1", "k1", Records.T0)));
        SQLException violation = store.withClosedDatabase(c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO TASK (UUID, OPERATION, IDEMPOTENCY_KEY, REQUEST_FINGERPRINT, TASK_STATE,"
                        + " PROGRESS, CANCEL_REQUESTED, CREATED_AT, ROW_VERSION) VALUES ('t2', 'op', 'k1', 'fp',"
                        + " 'PENDING', 0, FALSE, CURRENT_TIMESTAMP, 0)");
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
        assertThat(violation.getSQLState()).isEqualTo("23505");

        RuntimeException translated = PersistenceErrors.translate(new PersistenceException("insert", violation));
        RuntimeException otherKey = PersistenceErrors.translate(new PersistenceException("insert",
                new SQLException("duplicate key value in 'TASK_PK'", "23505")));

        assertThat(translated).isInstanceOf(DuplicateIdempotencyKeyException.class)
                .hasCauseInstanceOf(PersistenceException.class);
        assertThat(otherKey).isInstanceOf(StoreConflictException.class);
    }
}
