package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * [databases] host lists with load_balance_hosts (PgBouncer 1.24), against the real cluster: it listens on
 * 127.0.0.1 and on its Unix socket, so those are two live hosts of the same PostgreSQL, and 127.0.0.2 (no listener)
 * is a dead one. Also: a reload that fixes a database forgets its cached login failure.
 */
class HostListIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DEAD_HOST = "127.0.0.2";
    private static final String ADMIN = "hosts_admin";
    private static final String ADMIN_PASS = "hosts_admin_pass";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole user;

    @BeforeAll
    static void role() throws SQLException {
        user = TestRole.create(pg, "hosts_user");
    }

    private static JBouncerConfig config(String entry) {
        return JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .set("server_login_retry", "60")
                .database("listed", entry + " port=" + pg.port() + " dbname=" + PostgresCluster.DB)
                .user(user.name(), user.password())
                .user(ADMIN, ADMIN_PASS);
    }

    @Test
    void disableStaysOnTheFirstHostThatWorksAfterSkippingADeadOne() throws SQLException {
        JBouncerConfig config = config("host=" + DEAD_HOST + ",127.0.0.1 load_balance_hosts=disable");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(1, selectOne(config.port()), "the dead first host must be skipped, not reported");
            }

            assertEquals(Set.of("127.0.0.1"), serverHosts(config), "disable stays on the host that worked");
        }
    }

    /** Two clients in session mode hold two servers at once: round-robin puts them on the two live hosts. */
    @Test
    void roundRobinSpreadsServersOverTheHostsAndSkipsTheDeadOne() throws SQLException {
        JBouncerConfig config = config("host=127.0.0.1," + DEAD_HOST + "," + pg.socketDir());
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            List<Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Connection c = user.connect(config.port(), "listed");
                    held.add(c);
                    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                        assertTrue(rs.next());
                    }
                }

                assertEquals(Set.of("127.0.0.1", "unix"), serverHosts(config));
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aListWhoseEveryHostFailsReportsTheCachedError() {
        JBouncerConfig config = config("host=" + DEAD_HOST + ",127.0.0.3");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            SQLException e = assertThrows(SQLException.class,
                    () -> selectOne(config.port()));

            ServerErrors.assertError("FATAL", "08P01",
                    "server login has been failing, cached error: connect failed (server_login_retry)", e);
        }
    }

    /** Fixed by a reload: the next client logs in at once, not after server_login_retry (60 s here). */
    @Test
    void reloadThatFixesTheHostForgetsTheCachedFailure() throws SQLException {
        JBouncerConfig config = config("host=" + DEAD_HOST);
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            SQLException e = assertThrows(SQLException.class,
                    () -> selectOne(config.port()));
            assertTrue(e.getMessage().contains("connect failed"), e.getMessage());

            config.database("listed", "host=127.0.0.1 port=" + pg.port() + " dbname=" + PostgresCluster.DB).write();
            try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
                AdminConsole.command(console, "RELOAD");
            }

            assertEquals(1, selectOne(config.port()));
        }
    }

    /** The host part of SHOW SERVERS' addr for database {@code listed}: an IP, or {@code unix}. */
    private static Set<String> serverHosts(JBouncerConfig config) throws SQLException {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            Set<String> hosts = new TreeSet<>();
            for (var row : AdminConsole.rows(console, "SHOW SERVERS")) {
                if ("listed".equals(row.get("database"))) {
                    hosts.add(row.get("addr"));
                }
            }
            return hosts;
        }
    }

    private static int selectOne(int port) throws SQLException {
        try (Connection c = user.connect(port, "listed");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
