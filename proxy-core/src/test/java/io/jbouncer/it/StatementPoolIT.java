package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BackendSampler;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.ServerErrors;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Statement pooling chosen by the {@code [databases]} entry ({@code pool_mode=statement}) while the global mode
 * stays {@code session}: single statements share servers, and a client that leaves a transaction open is
 * disconnected with PgBouncer's FATAL.
 */
class StatementPoolIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "stmt";
    private static final String TABLE = "stmt_rows";
    private static final int POOL_SIZE = 2;
    private static final int CLIENTS = 20;
    private static final int STATEMENTS = 20;
    private static final String REFUSAL = "transaction blocks not allowed in statement pooling mode";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws SQLException {
        role = TestRole.create(pg, "stmt_pool_user");
        role.createCounters(pg, TABLE, CLIENTS);
        config = JBouncerConfig.create()
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_mode=statement pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void beginAsItsOwnStatementDisconnectsTheClient() throws SQLException {
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> {
                st.execute("BEGIN");
                st.execute("SELECT 1");
                st.execute("COMMIT");
            });
            ServerErrors.assertError("FATAL", "08P01", REFUSAL, e);
            assertFalse(c.isValid(2), "the client must be disconnected");
        }
        assertServesAgain();
    }

    @Test
    void driverOpenedTransactionDisconnectsTheClient() throws SQLException {
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            SQLException e = assertThrows(SQLException.class, () -> st.executeQuery("SELECT 1").close());
            ServerErrors.assertError("FATAL", "08P01", REFUSAL, e);
        }
        assertServesAgain();
    }

    @Test
    void psqlSendingBeginSelectCommitSeparatelyGetsTheFatalError() {
        Psql.Result result = Psql.of(pg).run(role.connstring(config.port(), DB), role.password(),
                "-q", "-A", "-t", "-c", "BEGIN", "-c", "SELECT 1", "-c", "COMMIT");
        assertEquals(2, result.exitCode(), () -> "psql should lose its connection: " + result);
        assertTrue(result.stderr().contains("FATAL:  " + REFUSAL), result::toString);
        assertServesAgain();
    }

    @Test
    void transactionInsideOneQueryMessageIsAllowed() {
        Psql.Result result = Psql.of(pg).run(role.connstring(config.port(), DB), role.password(),
                "-q", "-A", "-t", "-c", "BEGIN; SELECT 6 * 7; COMMIT");
        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("42", result.stdout().strip(), result::toString);
    }

    @Test
    void twentyClientsRunAutocommitStatementsOnTwoServers() throws Exception {
        try (BackendSampler sampler = BackendSampler.start(pg, role.name())) {
            List<Integer> counts = ConcurrentClients.run(CLIENTS, Duration.ofSeconds(60), client -> {
                try (Connection c = role.connect(config.port(), DB);
                     PreparedStatement increment = c.prepareStatement(
                             "UPDATE " + TABLE + " SET n = n + 1 WHERE id = ? RETURNING n")) {
                    increment.setInt(1, client);
                    int n = 0;
                    for (int i = 0; i < STATEMENTS; i++) {
                        try (ResultSet rs = increment.executeQuery()) {
                            assertTrue(rs.next());
                            n = rs.getInt(1);
                            assertEquals(i + 1, n, "client " + client + " statement " + i);
                        }
                    }
                    return n;
                }
            });
            int peak = sampler.peak();

            assertTrue(counts.stream().allMatch(n -> n == STATEMENTS), counts::toString);
            assertTrue(peak >= 1 && peak <= POOL_SIZE, "PostgreSQL saw " + peak + " backends (pool_size="
                    + POOL_SIZE + ")");
        }
    }

    /** After a refused client, the pool still serves a new one: the refused client's server was not lost. */
    private static void assertServesAgain() {
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 'served', txid_current_if_assigned() IS NULL")) {
            assertTrue(rs.next());
            assertEquals("served", rs.getString(1));
            assertTrue(rs.getBoolean(2), "a new client landed inside the refused client's transaction");
        } catch (SQLException e) {
            throw new AssertionError("the pool does not serve a new client after a refusal", e);
        }
    }
}
