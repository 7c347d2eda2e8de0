package io.jbouncer.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The checks after a fault (docs/reliability.md, fault injection) on one pool of {@code poolSize} servers of
 * {@code role} in database {@code db}: a new client is served, the faulty server never serves again and no client
 * starts inside someone else's transaction, SHOW SERVERS, SHOW POOLS and PostgreSQL's own count stay within the
 * pool size, and the process is up. The console is reached as {@code admin}.
 */
public record PoolRecovery(PostgresCluster pg, TestRole role, String db, int poolSize, String admin,
                           String adminPassword) {

    /** A backend pid no server has: for a fault that has no one faulty server. */
    public static final int NO_PID = -1;

    /**
     * After a fault on the server with backend pid {@code faulty} ({@link #NO_PID} for none): asserts everything of
     * the class comment, a new client being served within {@code recovery}; returns how long that took.
     */
    public Duration assertRecovered(String fault, JBouncerProcess bouncer, int port, int faulty, Duration recovery)
            throws SQLException {
        long start = System.nanoTime();
        assertTrue(Poll.until(recovery, () -> servesANewClient(port)), bouncer::log);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("recovery after %s: %d ms%n", fault, took.toMillis());
        Backends backends = Backends.of(pg, role.name());
        assertTrue(Poll.until(recovery, () -> !backends.pids().contains(faulty)), "the faulty backend lives on");
        for (int i = 0; i < 2 * poolSize; i++) {
            try (Connection c = role.connect(port, db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), txid_current_if_assigned()")) {
                assertTrue(rs.next());
                assertNotEquals(faulty, rs.getInt(1), "the faulty server served again");
                assertEquals(null, rs.getObject(2), "a new client runs inside a transaction it did not begin");
            }
        }
        assertServersWithinPool(port);
        assertTrue(bouncer.awaitExit(Duration.ZERO).isEmpty(), "jbouncer exited");
        return took;
    }

    /** SHOW SERVERS, SHOW POOLS and pg_stat_activity count no more than {@code poolSize} servers of the pool. */
    public void assertServersWithinPool(int port) throws SQLException {
        try (Connection console = AdminConsole.connect(port, admin, adminPassword)) {
            List<Map<String, String>> servers = AdminConsole.rows(console, "SHOW SERVERS").stream()
                    .filter(row -> db.equals(row.get("database"))).toList();
            assertTrue(servers.size() <= poolSize, "SHOW SERVERS: " + servers);
            Map<String, String> pool = AdminConsole.row(console, "SHOW POOLS", "database", db);
            int total = Integer.parseInt(pool.get("sv_active")) + Integer.parseInt(pool.get("sv_idle"))
                    + Integer.parseInt(pool.get("sv_used")) + Integer.parseInt(pool.get("sv_tested"))
                    + Integer.parseInt(pool.get("sv_login"));
            assertTrue(total <= poolSize, "SHOW POOLS: " + pool);
        }
        Backends backends = Backends.of(pg, role.name());
        assertTrue(backends.count() <= poolSize, "PostgreSQL backends of the pool: " + backends.pids());
    }

    /** Whether a new client logs in and runs {@code SELECT 1}. */
    public boolean servesANewClient(int port) {
        try {
            return selectOne(port) == 1;
        } catch (SQLException notYet) {
            return false;
        }
    }

    /** A new client's {@code SELECT 1}. */
    public int selectOne(int port) throws SQLException {
        try (Connection c = role.connect(port, db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
