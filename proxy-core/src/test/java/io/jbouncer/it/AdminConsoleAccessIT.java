package io.jbouncer.it;

import static io.jbouncer.it.support.ServerErrors.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who may do what on the console (PgBouncer usage.md): {@code admin_users} everything, {@code stats_users} the
 * read-only SHOWs (anything else is ERROR 08P01 {@code admin access needed}, and the session goes on), a user in
 * neither list FATAL {@code not allowed}, a wrong password the usual authentication failure.
 */
class AdminConsoleAccessIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";
    private static final String STATS = "stats";
    private static final String STATS_PASS = "stats_pass";
    private static final String NOBODY = "nobody";
    private static final String NOBODY_PASS = "nobody_pass";

    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void start() {
        config = JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("stats_users", STATS)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("app", pg.connstring(PostgresCluster.DB))
                .user(ADMIN, ADMIN_PASS)
                .user(STATS, STATS_PASS)
                .user(NOBODY, NOBODY_PASS);
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void adminMayRunEveryCommand() throws SQLException {
        try (Connection admin = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            assertTrue(AdminConsole.rows(admin, "SHOW FDS").stream().anyMatch(row -> "pooler".equals(row.get("task"))
                    && String.valueOf(config.port()).equals(row.get("port"))), "FDS lists the listening socket");
            for (String command : List.of("RELOAD", "PAUSE", "RESUME", "DISABLE app", "ENABLE app", "RECONNECT app",
                    "WAIT_CLOSE app", "PAUSE app", "RESUME app")) {
                AdminConsole.command(admin, command);
            }
            assertEquals("no", AdminConsole.row(admin, "SHOW STATE", "key", "paused").get("value"));
        }
    }

    @Test
    void statsUserReadsEveryShowButFds() throws SQLException {
        try (Connection stats = AdminConsole.connect(config.port(), STATS, STATS_PASS)) {
            for (String show : List.of("STATS", "STATS_TOTALS", "STATS_AVERAGES", "TOTALS", "SERVERS", "CLIENTS",
                    "POOLS", "LISTS", "USERS", "DATABASES", "SOCKETS", "ACTIVE_SOCKETS", "CONFIG", "MEM",
                    "DNS_HOSTS", "DNS_ZONES", "VERSION", "STATE", "PEERS", "PEER_POOLS")) {
                AdminConsole.rows(stats, "SHOW " + show);
            }
            Map<String, String> self = AdminConsole.row(stats, "SHOW CLIENTS", "user", STATS);
            assertEquals(AdminConsole.DB, self.get("database"));
            assertError("ERROR", "08P01", "admin access needed",
                    assertThrows(SQLException.class, () -> AdminConsole.rows(stats, "SHOW FDS")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PAUSE", "PAUSE app", "RESUME", "RELOAD", "SUSPEND", "DISABLE app", "ENABLE app",
            "RECONNECT", "KILL app", "KILL_CLIENT 1", "WAIT_CLOSE", "SHUTDOWN", "SHUTDOWN WAIT_FOR_CLIENTS",
            "SET default_pool_size = 5"})
    void statsUserGetsAdminAccessNeededAndKeepsTheSession(String command) throws SQLException {
        try (Connection stats = AdminConsole.connect(config.port(), STATS, STATS_PASS)) {
            assertError("ERROR", "08P01", "admin access needed",
                    assertThrows(SQLException.class, () -> AdminConsole.command(stats, command)));
            assertEquals("PgBouncer 1.25.2", AdminConsole.rows(stats, "SHOW VERSION").get(0).get("version"));
        }
        try (Connection admin = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            assertEquals("no", AdminConsole.row(admin, "SHOW STATE", "key", "paused").get("value"));
            assertEquals("0", AdminConsole.row(admin, "SHOW DATABASES", "name", "app").get("disabled"));
        }
    }

    @Test
    void userInNeitherListIsNotAllowed() {
        SQLException e = assertThrows(SQLException.class,
                () -> AdminConsole.connect(config.port(), NOBODY, NOBODY_PASS).close());
        assertError("FATAL", "08P01", "not allowed", e);
    }

    @Test
    void wrongPasswordFailsAuthentication() {
        SQLException e = assertThrows(SQLException.class,
                () -> AdminConsole.connect(config.port(), ADMIN, "wrong").close());
        assertError("FATAL", "08P01", "password authentication failed", e);
    }
}
