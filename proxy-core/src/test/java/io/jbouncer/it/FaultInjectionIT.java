package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.Backends;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.ServerErrors;
import io.jbouncer.it.support.TestRole;
import io.jbouncer.it.support.WireMessages;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Fault injection (docs/reliability.md, issue 15 section 1), transaction pooling on {@value #POOL_SIZE} servers:
 * backends killed mid-transaction and mid-COPY, clients that vanish mid-COPY and mid-result, PostgreSQL unreachable
 * when jbouncer starts, a storm of reloads and a broken reload under load, and {@code pg_ctl restart -m
 * immediate} under load. After each fault: the client saw a PostgreSQL-style error, no server that was inside a
 * transaction or COPY served anyone again, the servers are within the pool size, the process is up, and a new
 * client is served within {@link #RECOVERY}. (Restart {@code -m fast}, an unreachable server and clients killed
 * mid-transaction are in PoolFailureIT; a slow reader in LargeResultIT.)
 */
class FaultInjectionIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "faults";
    private static final int POOL_SIZE = 2;
    private static final Duration RECOVERY = Duration.ofSeconds(10);
    private static final String ADMIN = "fi_admin";
    private static final String ADMIN_PASS = "fi_admin_pass";

    private static PostgresCluster pg;
    private static TestRole role;
    private static Backends backends;

    @BeforeAll
    static void roles() throws SQLException {
        pg = PostgresCluster.shared();
        role = TestRole.create(pg, "fi_user");
        backends = Backends.of(pg, role.name());
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS fi_rows (id int, note text)");
            st.execute("GRANT ALL ON fi_rows TO " + role.name());
        }
    }

    private static JBouncerConfig config() {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("auth_type", "trust")
                .set("admin_users", ADMIN)
                .set("server_connect_timeout", "2")
                .set("server_login_retry", "1")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password())
                .user(ADMIN, ADMIN_PASS);
    }

    @Test
    void backendKilledMidTransaction() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config);
        int killed;
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO fi_rows VALUES (1, 'killed mid-transaction')");
            killed = backendPid(st);
            assertTrue(backends.terminate(killed));
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT 1"));
            assertTrue(ServerErrors.isServerGone(e), () -> e.getSQLState() + " " + e.getMessage());
        }
        assertRecovered("backend killed mid-transaction", bouncer, config, killed);
        assertEquals(0, rows("killed mid-transaction"), "the killed transaction was committed");
    }

    @Test
    void backendKilledMidCopy() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config);
        int killed;
        Connection c = role.connect(config.port(), DB);
        try (Statement st = c.createStatement()) {
            killed = backendPid(st);
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY fi_rows FROM STDIN");
            byte[] row = "2\tkilled mid-copy\n".getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(row, 0, row.length);
            copy.flushCopy();
            assertTrue(backends.terminate(killed));
            SQLException e = assertThrows(SQLException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    copy.writeToCopy(row, 0, row.length);
                    copy.flushCopy();
                }
                copy.endCopy();
            });
            assertTrue(ServerErrors.isServerGone(e), () -> e.getSQLState() + " " + e.getMessage());
        } finally {
            closeLostConnection(c);
        }
        assertRecovered("backend killed mid-COPY", bouncer, config, killed);
        assertEquals(0, rows("killed mid-copy"), "rows of the killed COPY were committed");
    }

    /** The client closes its socket in the middle of COPY FROM STDIN: that server must never serve again. */
    @Test
    void clientAbortsMidCopyIn() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config);
        int copying;
        try (RawConnection raw = WireMessages.login(config.port(), role.name(), DB)) {
            raw.send(WireMessages.query("SELECT pg_backend_pid()"));
            copying = Integer.parseInt(WireMessages.replies(raw).replaceAll(".*D:(\\d+).*", "$1"));
            raw.send(WireMessages.query("COPY fi_rows FROM STDIN"));
            RawConnection.Message message = raw.readMessage();
            while (message.tag() != 'G') {
                message = raw.readMessage();
            }
            raw.send(WireMessages.message('d', "3\taborted mid-copy\n"));
        }
        assertRecovered("client gone mid-COPY IN", bouncer, config, copying);
        assertEquals(0, rows("aborted mid-copy"));
    }

    /** The client vanishes after the first rows of a large result: its server is not handed on mid-result. */
    @Test
    void clientAbortsMidLargeResult() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config);
        int streaming;
        try (RawConnection raw = WireMessages.login(config.port(), role.name(), DB)) {
            raw.send(WireMessages.query("SELECT pg_backend_pid()"));
            streaming = Integer.parseInt(WireMessages.replies(raw).replaceAll(".*D:(\\d+).*", "$1"));
            raw.send(WireMessages.query("SELECT repeat('x', 1000) FROM generate_series(1, 2000000)"));
            assertEquals('T', raw.readMessage().tag());
            assertEquals('D', raw.readMessage().tag());
        }
        assertRecovered("client gone mid-result", bouncer, config, streaming);
    }

    /** PostgreSQL down when jbouncer starts: clients get an error, not a hang, and are served once it is back. */
    @Test
    void postgresUnreachableAtStartThenAppearing() throws Exception {
        JBouncerConfig config = config();
        pg.stopForAWhile();
        JBouncerProcess bouncer;
        try {
            bouncer = BOUNCERS.start(config);
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> selectOne(config));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals("08P01", e.getSQLState(), e::toString);
            assertTrue(millis < 10_000, "the first client waited " + millis + " ms");
        } finally {
            pg.startAgain();
        }
        long back = System.nanoTime();
        assertTrue(Poll.until(RECOVERY, () -> servesANewClient(config)), bouncer::log);
        System.out.printf("recovery after PostgreSQL appeared: %d ms%n",
                Duration.ofNanos(System.nanoTime() - back).toMillis());
        assertServersWithinPool(config);
    }

    /**
     * 100 RELOADs, then a broken one, while eight clients run transactions: not one transaction fails, and the
     * broken file changes nothing.
     */
    @Test
    void reloadStormAndBrokenReloadUnderLoad() throws Exception {
        JBouncerConfig config = config().set("max_client_conn", "100");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        AtomicInteger committed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
             ConcurrentClients<SQLException> load = ConcurrentClients.start(8,
                     client -> transactionsUntilError(config, committed, stop))) {
            assertTrue(Poll.until(RECOVERY, () -> committed.get() > 50), () -> "the load did not get going ("
                    + committed.get() + " transactions):\n" + bouncer.log());
            for (int i = 0; i < 100; i++) {
                AdminConsole.command(console, "RELOAD");
            }
            config.set("default_pool_size", "77").set("no_such_key", "1").write();
            SQLException broken = assertThrows(SQLException.class, () -> AdminConsole.command(console, "RELOAD"));
            assertEquals("F0000", broken.getSQLState(), broken::toString);
            assertEquals("20", AdminConsole.row(console, "SHOW CONFIG", "key", "default_pool_size").get("value"));
            int before = committed.get();
            assertTrue(Poll.until(RECOVERY, () -> committed.get() > before + 50), "the load stalled");
            stop.set(true);
            List<SQLException> errors = load.await(Duration.ofSeconds(30)).stream().filter(Objects::nonNull).toList();
            assertEquals(List.of(), errors, "transactions failed during the reloads");
        }
        assertTrue(bouncer.log().contains("config file loading failed"), bouncer::log);
        assertServersWithinPool(config);
    }

    /** {@code pg_ctl restart -m immediate} (a crash) under load: errors are server-gone errors, service returns. */
    @Test
    void immediateRestartUnderLoad() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config);
        AtomicInteger committed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<SQLException> endings;
        long back;
        try (ConcurrentClients<SQLException> load = ConcurrentClients.start(8,
                client -> transactionsUntilError(config, committed, stop))) {
            assertTrue(Poll.until(RECOVERY, () -> committed.get() > 50), () -> "the load did not get going ("
                    + committed.get() + " transactions):\n" + bouncer.log());
            pg.restartImmediately();
            back = System.nanoTime();
            assertTrue(Poll.until(RECOVERY, () -> servesANewClient(config)), bouncer::log);
            stop.set(true);
            endings = load.await(Duration.ofSeconds(30));
        }
        System.out.printf("recovery after pg_ctl restart -m immediate: %d ms%n",
                Duration.ofNanos(System.nanoTime() - back).toMillis());
        for (SQLException e : endings.stream().filter(Objects::nonNull).toList()) {
            assertTrue(ServerErrors.isServerGone(e), () -> e.getSQLState() + " " + e.getMessage());
        }
        assertServersWithinPool(config);
        assertTrue(bouncer.awaitExit(Duration.ZERO).isEmpty(), "jbouncer exited");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Transactions until {@code stop} (returns {@code null}) or the first error (returned). */
    private static SQLException transactionsUntilError(JBouncerConfig config, AtomicInteger committed,
                                                       AtomicBoolean stop) throws SQLException {
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            while (!stop.get()) {
                try {
                    c.setAutoCommit(false);
                    st.execute("SELECT count(*) FROM fi_rows");
                    st.execute("SELECT pg_backend_pid()");
                    c.commit();
                    committed.incrementAndGet();
                } catch (SQLException e) {
                    return e;
                }
            }
            return null;
        }
    }

    /**
     * After a fault on the server with backend pid {@code faulty}: the process is up, a new client is served within
     * {@link #RECOVERY} on another backend outside any transaction, and the servers are within the pool size.
     */
    private static void assertRecovered(String fault, JBouncerProcess bouncer, JBouncerConfig config, int faulty)
            throws Exception {
        long start = System.nanoTime();
        assertTrue(Poll.until(RECOVERY, () -> servesANewClient(config)), bouncer::log);
        System.out.printf("recovery after %s: %d ms%n", fault, Duration.ofNanos(System.nanoTime() - start).toMillis());
        assertTrue(Poll.until(RECOVERY, () -> !backends.pids().contains(faulty)), "the faulty backend lives on");
        for (int i = 0; i < 2 * POOL_SIZE; i++) {
            try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), txid_current_if_assigned()")) {
                assertTrue(rs.next());
                assertNotEquals(faulty, rs.getInt(1), "the faulty server served again");
                assertEquals(null, rs.getObject(2), "a new client runs inside a transaction it did not begin");
            }
        }
        assertServersWithinPool(config);
        assertTrue(bouncer.awaitExit(Duration.ZERO).isEmpty(), "jbouncer exited");
    }

    private static void assertServersWithinPool(JBouncerConfig config) throws SQLException {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            List<Map<String, String>> servers = AdminConsole.rows(console, "SHOW SERVERS").stream()
                    .filter(row -> DB.equals(row.get("database"))).toList();
            assertTrue(servers.size() <= POOL_SIZE, "SHOW SERVERS: " + servers);
            Map<String, String> pool = AdminConsole.row(console, "SHOW POOLS", "database", DB);
            int total = Integer.parseInt(pool.get("sv_active")) + Integer.parseInt(pool.get("sv_idle"))
                    + Integer.parseInt(pool.get("sv_used")) + Integer.parseInt(pool.get("sv_tested"))
                    + Integer.parseInt(pool.get("sv_login"));
            assertTrue(total <= POOL_SIZE, "SHOW POOLS: " + pool);
        }
        assertTrue(backends.count() <= POOL_SIZE, "PostgreSQL backends of the pool: " + backends.pids());
    }

    private static boolean servesANewClient(JBouncerConfig config) {
        try {
            return selectOne(config) == 1;
        } catch (SQLException notYet) {
            return false;
        }
    }

    private static int selectOne(JBouncerConfig config) throws SQLException {
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    /** pgjdbc's close fails on a connection lost in the middle of COPY (its COPY lock is still held): ignored. */
    private static void closeLostConnection(Connection c) {
        try {
            c.close();
        } catch (SQLException alreadyLost) {
            // the socket is gone either way
        }
    }

    private static int backendPid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static int rows(String note) throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM fi_rows WHERE note = '" + note + "'")) {
            assertTrue(rs.next());
            assertFalse(rs.wasNull());
            return rs.getInt(1);
        }
    }
}
