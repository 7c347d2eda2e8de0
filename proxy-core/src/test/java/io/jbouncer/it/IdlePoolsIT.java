package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pool_idle_timeout (PgBouncer HEAD) and autodb_idle_timeout: pools and auto-databases nobody uses are freed, and
 * the next client gets a new one. Servers close first (server_idle_timeout = 1 here), since a pool with a server
 * is in use.
 */
class IdlePoolsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final Duration FREED_WITHIN = Duration.ofSeconds(15);
    private static final String ADMIN = "idle_pools_admin";
    private static final String ADMIN_PASS = "idle_pools_admin_pass";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole user;

    @BeforeAll
    static void role() throws SQLException {
        user = TestRole.create(pg, "idle_pools_user");
    }

    private static JBouncerConfig config() {
        return JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .set("server_idle_timeout", "1")
                .user(user.name(), user.password())
                .user(ADMIN, ADMIN_PASS);
    }

    @Test
    void poolUnusedForPoolIdleTimeoutIsFreedAndMadeAgain() throws SQLException {
        JBouncerConfig config = config().set("pool_idle_timeout", "1")
                .database("kept", pg.connstring(PostgresCluster.DB));
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            assertEquals(1, selectOne(config.port(), "kept"));
            assertTrue(listsPool(config, "kept"));

            assertTrue(Poll.until(FREED_WITHIN, () -> !listsPool(config, "kept")), bouncer::log);
            assertTrue(bouncer.log().contains("pool freed, unused for pool_idle_timeout"), bouncer::log);

            assertEquals(1, selectOne(config.port(), "kept"), "the next client gets a new pool");
            assertTrue(listsPool(config, "kept"));
        }
    }

    @Test
    void autoDatabaseUnusedForAutodbIdleTimeoutIsDropped() throws SQLException {
        JBouncerConfig config = config().set("autodb_idle_timeout", "1")
                .database("*", "host=127.0.0.1 port=" + pg.port() + " dbname=" + PostgresCluster.DB);
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            assertEquals(1, selectOne(config.port(), "made_from_fallback"));
            assertTrue(listsPool(config, "made_from_fallback"));
            assertTrue(lists(config, "SHOW DATABASES", "name", "made_from_fallback"), "listed while it exists");
            assertTrue(bouncer.log().contains("registered new auto-database: made_from_fallback"), bouncer::log);

            assertTrue(bouncer.awaitLog("dropping database 'made_from_fallback' as it does not exist anymore or"
                    + " inactive auto-database", FREED_WITHIN), bouncer::log);
            assertFalse(listsPool(config, "made_from_fallback"));
            assertFalse(lists(config, "SHOW DATABASES", "name", "made_from_fallback"));
            assertEquals(1, selectOne(config.port(), "made_from_fallback"), "registered again on demand");
        }
    }

    private static boolean listsPool(JBouncerConfig config, String database) {
        return lists(config, "SHOW POOLS", "database", database);
    }

    private static boolean lists(JBouncerConfig config, String show, String column, String value) {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            return AdminConsole.rows(console, show).stream().anyMatch(row -> value.equals(row.get(column)));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int selectOne(int port, String database) throws SQLException {
        try (Connection c = user.connect(port, database);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
