package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

/**
 * SUSPEND (PgBouncer usage.md): pooled sockets stop being read while console sessions go on; RESUME lets the held
 * work continue; the pooler resumes by itself when no console session is left.
 */
class AdminConsoleSuspendIT {
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";
    private static final String DB = "suspended";

    private static TestRole role;
    private static JBouncerProcess bouncer;
    private static JBouncerConfig config;

    @BeforeAll
    static void start() throws SQLException {
        role = TestRole.create(pg, "suspend_user");
        config = JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB))
                .user(ADMIN, ADMIN_PASS)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void suspendHoldsPooledTrafficUntilResume() throws Exception {
        try (Connection client = role.connect(config.port(), DB);
             Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            assertEquals(1, queryOne(client), "works before SUSPEND");

            AdminConsole.command(console, "SUSPEND");
            assertEquals("yes", state(console, "suspended"));
            PSQLException twice = assertThrows(PSQLException.class, () -> AdminConsole.command(console, "PAUSE"));
            assertEquals("already suspended/paused", twice.getServerErrorMessage().getMessage());

            CompletableFuture<Integer> held = CompletableFuture.supplyAsync(() -> queryOne(client));
            // A negative check needs a bound: the query must not complete while the pooler is suspended.
            assertThrows(TimeoutException.class, () -> held.get(700, TimeUnit.MILLISECONDS));

            AdminConsole.command(console, "RESUME");
            assertEquals(1, held.get(10, TimeUnit.SECONDS), "the held query completes after RESUME");
            assertEquals("no", state(console, "suspended"));
        }
    }

    @Test
    void suspendEndsWhenTheLastConsoleSessionLeaves() throws Exception {
        try (Connection client = role.connect(config.port(), DB)) {
            CompletableFuture<Integer> held;
            try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
                AdminConsole.command(console, "SUSPEND");
                held = CompletableFuture.supplyAsync(() -> queryOne(client));
                assertThrows(TimeoutException.class, () -> held.get(500, TimeUnit.MILLISECONDS));
            }
            assertEquals(1, held.get(10, TimeUnit.SECONDS), "resumed once no console session is left");
        }
    }

    private static int queryOne(Connection client) {
        try (Statement st = client.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String state(Connection console, String key) throws SQLException {
        return AdminConsole.row(console, "SHOW STATE", "key", key).get("value");
    }
}
