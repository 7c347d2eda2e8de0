package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * hold_on_server_restart (issue 19, beyond PgBouncer): while PostgreSQL is down, clients that are not in a
 * transaction keep their connections and their queries wait, then run once it is back, instead of failing with
 * "server login has been failing". PgBouncer's fast-fail stays the default (PoolFailureIT covers it).
 */
class HoldOnServerRestartIT {

    private static final int CLIENTS = 5;
    private static final String ADMIN = "hold_admin";
    private static final String ADMIN_PASS = "hold_admin_pass";

    @Test
    void queriesIssuedWhilePostgresIsDownWaitAndRunWhenItIsBack() throws Exception {
        PostgresCluster pg = PostgresCluster.shared();
        TestRole role = TestRole.create(pg, "hold_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("hold_on_server_restart", "1")
                .set("query_wait_timeout", "60")
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("held", pg.connstring(PostgresCluster.DB))
                .user(role.name(), role.password())
                .user(ADMIN, ADMIN_PASS);
        List<Connection> clients = new ArrayList<>();
        try (JBouncerProcess bouncer = JBouncerProcess.start(config.write(), config.port())) {
            for (int i = 0; i < CLIENTS; i++) {
                Connection c = role.connect(config.port(), "held");
                clients.add(c);
                assertEquals(1, intQuery(c, "SELECT 1"));
            }
            List<CompletableFuture<Integer>> queries = new ArrayList<>();
            try {
                pg.stopForAWhile();
                assertTrue(Poll.until(Duration.ofSeconds(10), () -> serverCount(config) == 0),
                        "jbouncer did not notice its servers were terminated");
                for (Connection c : clients) {
                    queries.add(CompletableFuture.supplyAsync(() -> intQuery(c, "SELECT 42")));
                }
                assertTrue(Poll.until(Duration.ofSeconds(10), () -> waitingClients(config) == CLIENTS),
                        "the clients must queue while PostgreSQL is down; log:\n" + bouncer.log());
                assertTrue(queries.stream().noneMatch(CompletableFuture::isDone), "no query may fail meanwhile");
            } finally {
                pg.startAgain();
            }

            for (CompletableFuture<Integer> query : queries) {
                assertEquals(42, query.get(15, TimeUnit.SECONDS));
            }
            for (Connection c : clients) {
                assertEquals(7, intQuery(c, "SELECT 7"), "the same connection serves on");
            }
            assertFalse(bouncer.log().contains("LEAK:"), bouncer::log);
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    private static int intQuery(Connection c, String sql) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
        }
    }

    private static int serverCount(JBouncerConfig config) {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            return (int) AdminConsole.rows(console, "SHOW SERVERS").stream()
                    .filter(row -> "held".equals(row.get("database"))).count();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long waitingClients(JBouncerConfig config) {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            return AdminConsole.number(console, "SHOW POOLS", "database", "held", "cl_waiting");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
