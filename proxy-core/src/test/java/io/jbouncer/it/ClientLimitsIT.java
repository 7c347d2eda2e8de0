package io.jbouncer.it;

import static io.jbouncer.it.support.ServerErrors.assertLoginRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code max_db_client_connections} and {@code max_user_client_connections} (PgBouncer 1.24) with real clients:
 * the connection over the limit is refused with PgBouncer's text before its password exchange, the limits and the
 * counts are what SHOW DATABASES and SHOW USERS report, a client that leaves frees its place, and the console's
 * admin user is exempt.
 *
 * <p>Database {@value #CAPPED_DB} allows 2 clients ({@code [databases]} override of a global 100); user
 * {@value #CAPPED_USER} allows 2 ({@code [users]} override); {@value #OPEN_DB} has no database limit.
 */
class ClientLimitsIT {

    private static final String CAPPED_DB = "capped";
    private static final String OPEN_DB = "open";
    private static final String CAPPED_USER = PostgresCluster.TRUST_USER;
    private static final String CAPPED_PASS = "trust_pass";
    private static final String ADMIN = "limits_admin";
    private static final String ADMIN_PASS = "limits_admin_pass";

    private static final PostgresCluster pg = PostgresCluster.shared();
    /** Stopped, and checked for leaks, after the last test. */
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static int port;

    @BeforeAll
    static void start() {
        JBouncerConfig config = JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("max_db_client_connections", "100")
                .set("max_user_client_connections", "1")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(CAPPED_DB, pg.connstring(PostgresCluster.DB) + " max_db_client_connections=2")
                .database(OPEN_DB, pg.connstring(PostgresCluster.DB2))
                .userEntry(CAPPED_USER, "max_user_client_connections=2")
                .userEntry(PostgresCluster.MD5_USER, "max_user_client_connections=10")
                .userEntry(PostgresCluster.SCRAM_USER, "max_user_client_connections=10")
                .user(CAPPED_USER, CAPPED_PASS)
                .user(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS)
                .user(PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS)
                .user(ADMIN, ADMIN_PASS);
        BOUNCERS.start(config);
        port = config.port();
    }

    @Test
    void databaseLimitRefusesTheThirdClientAndCountsExactly() throws SQLException {
        List<Connection> held = new ArrayList<>();
        try (Connection console = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            held.add(connect(CAPPED_DB, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS));
            held.add(connect(CAPPED_DB, PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS));

            assertLoginRefused(port, CAPPED_DB, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS,
                    "client connections exceeded (max_db_client_connections)");
            Psql.Result psql = Psql.of(pg).run("host=127.0.0.1 port=" + port + " dbname=" + CAPPED_DB + " user="
                    + PostgresCluster.SCRAM_USER + " sslmode=disable", PostgresCluster.SCRAM_PASS, "-c", "SELECT 1");
            assertEquals(2, psql.exitCode(), psql.stderr());
            assertTrue(psql.stderr().contains("client connections exceeded (max_db_client_connections)"),
                    psql.stderr());

            assertTrue(Poll.until(Duration.ofSeconds(10), () -> databaseColumn(console, "current_client_connections")
                    .equals("2")), () -> "SHOW DATABASES: " + databaseRow(console));
            assertEquals("2", databaseColumn(console, "max_client_connections"));

            held.remove(0).close();
            held.add(connect(CAPPED_DB, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS));
            assertTrue(held.get(1).isValid(5), "a place freed by a leaving client is usable");
        } finally {
            closeAll(held);
        }
    }

    @Test
    void userLimitRefusesTheThirdClientAcrossDatabases() throws SQLException {
        List<Connection> held = new ArrayList<>();
        try (Connection console = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            held.add(connect(OPEN_DB, CAPPED_USER, CAPPED_PASS));
            held.add(connect(OPEN_DB, CAPPED_USER, CAPPED_PASS));

            assertLoginRefused(port, OPEN_DB, CAPPED_USER, CAPPED_PASS,
                    "client connections exceeded (max_user_client_connections)");
            assertLoginRefused(port, OPEN_DB, CAPPED_USER, "wrong_password",
                    "client connections exceeded (max_user_client_connections)"); // before the password exchange

            assertTrue(Poll.until(Duration.ofSeconds(10), () -> userColumn(console, "current_client_connections")
                    .equals("2")), () -> "SHOW USERS: " + userRow(console));
            assertEquals("2", userColumn(console, "max_user_client_connections"));
        } finally {
            closeAll(held);
        }
    }

    @Test
    void consoleAdminIsExemptFromTheGlobalUserLimit() throws SQLException {
        // The global max_user_client_connections is 1 and the admin has no [users] entry: the console exempts it.
        try (Connection first = AdminConsole.connect(port, ADMIN, ADMIN_PASS);
             Connection second = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            assertTrue(first.isValid(5) && second.isValid(5));
        }
    }

    private static Connection connect(String db, String user, String password) throws SQLException {
        return Jdbc.connect("127.0.0.1", port, db, user, password);
    }

    private static Map<String, String> databaseRow(Connection console) {
        try {
            return AdminConsole.row(console, "SHOW DATABASES", "name", CAPPED_DB);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String databaseColumn(Connection console, String column) {
        return databaseRow(console).get(column);
    }

    private static Map<String, String> userRow(Connection console) {
        try {
            return AdminConsole.row(console, "SHOW USERS", "name", CAPPED_USER);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String userColumn(Connection console, String column) {
        return userRow(console).get(column);
    }

    private static void closeAll(List<Connection> connections) throws SQLException {
        for (Connection c : connections) {
            c.close();
        }
    }
}
