package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.ServerErrors;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

/**
 * {@code SHUTDOWN WAIT_FOR_CLIENTS} and {@code WAIT_FOR_SERVERS} (PgBouncer usage.md): the console answers
 * {@code SHUTDOWN}, the TCP listener closes at once, and the process exits by itself when the last client leaves or
 * the last server is closed.
 */
class AdminConsoleShutdownIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";
    private static final String DB = "app";
    /** How long a process that must stay up is watched. */
    private static final Duration STAYS_UP = Duration.ofSeconds(1);

    private JBouncerProcess bouncer;

    @Test
    void waitForClientsExitsWhenTheLastClientDisconnects() throws SQLException {
        TestRole role = TestRole.create(pg, "acsd_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB))
                .user(ADMIN, ADMIN_PASS)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);

        try (Connection client = role.connect(config.port(), DB)) {
            assertEquals(1, query(client, "SELECT 1"));
            try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
                 Statement st = console.createStatement()) {
                assertFalse(st.execute("SHUTDOWN WAIT_FOR_CLIENTS"), "SHUTDOWN answers no rows");
                assertNull(st.getWarnings(), "SHUTDOWN answers without notices");
            }
            assertTrue(bouncer.awaitExit(STAYS_UP).isEmpty(), "jbouncer exited while a client is connected");
            SQLException refused = assertThrows(SQLException.class, () -> role.connect(config.port(), DB).close());
            assertEquals("08001", refused.getSQLState(), "TCP connection refused, not a login error: " + refused);
            assertNull(refused instanceof PSQLException psql ? psql.getServerErrorMessage() : null,
                    "the listener is closed, so no server answers");
            assertEquals(2, query(client, "SELECT 2"), "the connected client keeps working");
        }
        assertEquals(OptionalInt.of(0), bouncer.awaitExit(Duration.ofSeconds(10)),
                () -> "jbouncer did not exit after its last client left; log:\n" + bouncer.log());
    }

    /**
     * {@code SHUTDOWN WAIT_FOR_SERVERS} in transaction mode: a client that asks for a server after the command is
     * dropped with {@code server shutting down} at once instead of queueing behind the pause, the client holding a
     * server inside its transaction finishes it, and the process exits once that server is closed.
     */
    @Test
    void waitForServersDropsClientsThatWouldQueueAndExitsWhenTheLastServerCloses() throws SQLException {
        TestRole role = TestRole.create(pg, "acsd_servers_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB))
                .user(ADMIN, ADMIN_PASS)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);

        try (Connection inTransaction = role.connect(config.port(), DB);
             Connection idle = role.connect(config.port(), DB)) {
            inTransaction.setAutoCommit(false);
            assertEquals(1, query(inTransaction, "SELECT 1"));
            try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
                 Statement st = console.createStatement()) {
                assertFalse(st.execute("SHUTDOWN WAIT_FOR_SERVERS"), "SHUTDOWN answers no rows");
            }
            SQLException dropped = assertThrows(SQLException.class, () -> query(idle, "SELECT 2"));
            ServerErrors.assertError("FATAL", "08P01", "server shutting down", dropped);
            assertTrue(bouncer.awaitExit(STAYS_UP).isEmpty(), "jbouncer exited while a server was busy");
            assertEquals(3, query(inTransaction, "SELECT 3"), "the open transaction goes on");
            inTransaction.commit();
            assertEquals(OptionalInt.of(0), bouncer.awaitExit(Duration.ofSeconds(10)),
                    () -> "jbouncer did not exit after its last server closed; log:\n" + bouncer.log());
        }
    }

    private static int query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
