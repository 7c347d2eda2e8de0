package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.PsqlConsole;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

/**
 * The console's {@code SET key = value} (PgBouncer usage.md): reloadable settings change at once, restart-only ones
 * report success but keep their value, unknown keys and refused values answer {@code SET failed} and keep the
 * session, and a RELOAD goes back to the file.
 */
class AdminConsoleSetIT {
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";

    private static JBouncerProcess bouncer;
    private static JBouncerConfig config;

    @BeforeAll
    static void start() {
        config = JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("default_pool_size", "20")
                .database("app", pg.connstring(PostgresCluster.DB))
                .user(ADMIN, ADMIN_PASS);
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void reloadableSettingChangesUntilTheNextReload() throws SQLException {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            AdminConsole.command(console, "SET default_pool_size = 7");
            assertEquals("7", configValue(console, "default_pool_size"));
            assertEquals(7, AdminConsole.number(console, "SHOW DATABASES", "name", "app", "pool_size"));

            AdminConsole.command(console, "RELOAD");
            assertEquals("20", configValue(console, "default_pool_size"), "RELOAD reads the file again");
        }
    }

    @Test
    void restartOnlySettingIsAcceptedButKept() throws SQLException {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            String before = configValue(console, "listen_port");
            AdminConsole.command(console, "SET listen_port = 1");
            assertEquals(before, configValue(console, "listen_port"));
        }
    }

    @Test
    void unknownKeyOrBadValueFailsAndTheSessionGoesOn() throws SQLException {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            PSQLException badValue = assertThrows(PSQLException.class,
                    () -> AdminConsole.command(console, "SET query_wait_timeout = 'soon'"));
            assertEquals("SET failed", badValue.getServerErrorMessage().getMessage());
            assertEquals("08P01", badValue.getSQLState());
            assertEquals("120", configValue(console, "query_wait_timeout"), "the session is still usable");
        }
    }

    /**
     * The pseudo user {@code pgbouncer} is admin without a password over the Unix socket from the same OS user
     * (PgBouncer usage.md, Admin console); over TCP it is an ordinary, unknown user.
     */
    @Test
    void pseudoUserPgbouncerIsAdminOverTheUnixSocketOnly() {
        PsqlConsole local = PsqlConsole.unixSocket(pg, config, "pgbouncer", "");
        assertEquals("PgBouncer 1.25.2", local.show("SHOW VERSION").get(0).get("version"));
        assertEquals(0, local.run("RELOAD").exitCode(), "admin rights");
        assertTrue(bouncer.log().contains("pgbouncer access from unix socket"), bouncer.log());

        PSQLException overTcp = assertThrows(PSQLException.class,
                () -> AdminConsole.connect(config.port(), "pgbouncer", "anything").close());
        assertEquals("password authentication failed", overTcp.getServerErrorMessage().getMessage());
    }

    private static String configValue(Connection console, String key) throws SQLException {
        return AdminConsole.row(console, "SHOW CONFIG", "key", key).get("value");
    }
}
