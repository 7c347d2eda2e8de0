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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SHOW POOLS and SHOW CLIENTS/SERVERS read the per-pool state counts that every connection keeps through its
 * transitions (issue 20, the state model): a queued client, a server idle past server_check_delay ({@code used}),
 * and everything back at zero once the clients leave.
 */
class ConnectionStatesIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final Duration SETTLE = Duration.ofSeconds(15);

    @Test
    void poolColumnsFollowClientsAndServersThroughTheirStates() throws Exception {
        TestRole role = TestRole.create(pg, "states_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", role.name())
                .set("server_check_delay", "1")
                .database("st", pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(role.name(), role.password());
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection console = AdminConsole.connect(config.port(), role.name(), role.password())) {
            try (Connection a = role.connect(config.port(), "st");
                 Connection b = role.connect(config.port(), "st")) {
                a.setAutoCommit(false);
                try (Statement st = a.createStatement()) {
                    st.execute("SELECT 1"); // A holds the only server inside its transaction
                }
                CompletableFuture<Integer> queued = CompletableFuture.supplyAsync(() -> selectOne(b));
                assertTrue(Poll.until(SETTLE, () -> column(console, "cl_waiting").equals("1")),
                        () -> "B never showed as waiting: " + pools(console));
                Map<String, String> busy = poolRow(console);
                assertEquals("1", busy.get("cl_active"), busy::toString);
                assertEquals("1", busy.get("sv_active"), busy::toString);
                assertEquals("0", busy.get("sv_idle"), busy::toString);
                assertTrue(Long.parseLong(busy.get("maxwait_us")) + 1_000_000L * Long.parseLong(busy.get("maxwait"))
                        > 0, busy::toString);
                List<String> clientStates = AdminConsole.rows(console, "SHOW CLIENTS").stream()
                        .filter(r -> "st".equals(r.get("database")))
                        .map(r -> r.get("state")).sorted().toList();
                assertEquals(List.of("active", "waiting"), clientStates);

                a.commit(); // the server goes to B
                assertEquals(1, queued.get(30, TimeUnit.SECONDS));
                assertTrue(Poll.until(SETTLE, () -> column(console, "cl_waiting").equals("0")
                        && column(console, "sv_active").equals("0") && column(console, "sv_idle").equals("1")),
                        () -> "the server never went back to idle: " + pools(console));
                assertEquals("2", column(console, "cl_active"), () -> pools(console));
                assertFdsListSocketsOfThePool(console);
                Map<String, String> clientCache = AdminConsole.row(console, "SHOW MEM", "name", "client_cache");
                assertEquals("3", clientCache.get("used"), "A, B and the console: " + clientCache);

                // Unused for server_check_delay, the idle server shows as used until the check before its next use.
                assertTrue(Poll.until(SETTLE, () -> column(console, "sv_used").equals("1")),
                        () -> "the idle server never became used: " + pools(console));
                assertEquals("0", column(console, "sv_idle"));
                assertEquals("used", AdminConsole.row(console, "SHOW SERVERS", "database", "st").get("state"));
                assertEquals(1, selectOne(b)); // checked, used, returned: idle again
                assertTrue(Poll.until(SETTLE, () -> column(console, "sv_idle").equals("1")
                        && column(console, "sv_used").equals("0")), () -> pools(console));
            }
            assertTrue(Poll.until(SETTLE, () -> column(console, "cl_active").equals("0")),
                    () -> "clients still counted after they left: " + pools(console));
            Map<String, String> rest = poolRow(console);
            for (String counted : List.of("cl_waiting", "cl_active_cancel_req", "cl_waiting_cancel_req", "sv_active",
                    "sv_active_cancel", "sv_being_canceled", "sv_tested", "sv_login")) {
                assertEquals("0", rest.get(counted), () -> counted + " in " + rest);
            }
            assertEquals("1", AdminConsole.row(console, "SHOW POOLS", "database", "pgbouncer").get("cl_active"));
            assertFalse(bouncer.log().contains("no move from"), bouncer::log);
        }
    }

    /** SHOW FDS: real descriptors for the listener, both clients and the idle server; the console is left out. */
    private static void assertFdsListSocketsOfThePool(Connection console) throws SQLException {
        List<Map<String, String>> fds = AdminConsole.rows(console, "SHOW FDS");
        assertTrue(fds.stream().anyMatch(r -> "pooler".equals(r.get("task"))), fds::toString);
        List<Map<String, String>> clients = fds.stream().filter(r -> "client".equals(r.get("task"))).toList();
        assertEquals(2, clients.size(), fds::toString);
        assertTrue(clients.stream().allMatch(r -> "st".equals(r.get("database"))
                && "states_user".equals(r.get("user")) && !"0".equals(r.get("cancel"))
                && "UTF8".equals(r.get("client_encoding"))), clients::toString);
        Map<String, String> server = fds.stream().filter(r -> "server".equals(r.get("task"))).findFirst()
                .orElseThrow(() -> new AssertionError("no server row: " + fds));
        assertEquals("0", server.get("link"), "an idle server is linked to nobody: " + server);
        assertTrue(Integer.parseInt(server.get("fd")) > 2, server::toString);
        long distinct = fds.stream().map(r -> r.get("fd")).distinct().count();
        assertEquals(fds.size(), distinct, "one row per descriptor: " + fds);
    }

    private static int selectOne(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> poolRow(Connection console) throws SQLException {
        return AdminConsole.row(console, "SHOW POOLS", "database", "st");
    }

    private static String column(Connection console, String name) {
        try {
            return poolRow(console).get(name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pools(Connection console) {
        try {
            return AdminConsole.rows(console, "SHOW POOLS").toString();
        } catch (SQLException e) {
            return e.toString();
        }
    }
}
