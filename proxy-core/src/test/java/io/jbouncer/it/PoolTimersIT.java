package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.Backends;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.HeldTransactions;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.ServerErrors;
import io.jbouncer.it.support.TestRole;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

/**
 * PgBouncer's timers in transaction pooling (PgBouncer config.md): server_idle_timeout (down to min_pool_size),
 * server_lifetime (0 = single use), the client timers that end a client with a FATAL 08P01 (query_timeout,
 * idle_transaction_timeout, client_idle_timeout, transaction_timeout, a per-user override), the
 * server_login_retry fast fail, and application_name_add_host, which also shapes what the server sees. Every test
 * starts a jbouncer of its own, since these settings are global, and uses a role of its own.
 */
class PoolTimersIT {

    private static final String DB = "timers";
    private static final Duration CLOSE = Duration.ofSeconds(5);

    private static final PostgresCluster pg = PostgresCluster.shared();
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    /** Transaction pooling, database {@value #DB} (pool_size=5 plus {@code dbSettings}), {@code role} listed. */
    private static JBouncerConfig config(TestRole role, String dbSettings) {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=5 " + dbSettings)
                .user(role.name(), role.password());
    }

    // ---- server timers -----------------------------------------------------------------------------------------

    @Test
    void serverIdleTimeoutClosesIdleServers() throws Exception {
        TestRole role = TestRole.create(pg, "timers_idle_user");
        JBouncerConfig config = config(role, "").set("server_idle_timeout", "1");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        openThreeServers(role, config);
        long released = System.nanoTime();
        assertEquals(3, backends.count(), "idle servers right after the burst");

        assertTrue(Poll.until(CLOSE, () -> backends.count() == 0),
                () -> backends.count() + " backends left; log:\n" + bouncer.log());
        long closedMillis = Duration.ofNanos(System.nanoTime() - released).toMillis();
        assertTrue(closedMillis >= 900, "idle servers closed after " + closedMillis + " ms, before 1 s");
    }

    @Test
    void serverIdleTimeoutKeepsMinPoolSize() throws Exception {
        TestRole role = TestRole.create(pg, "timers_idle_min_user");
        JBouncerConfig config = config(role, "min_pool_size=1").set("server_idle_timeout", "1");
        BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        openThreeServers(role, config);

        assertTrue(Poll.until(CLOSE, () -> backends.count() == 1), () -> backends.count() + " backends left");
        assertFalse(Poll.until(Duration.ofSeconds(2), () -> backends.count() != 1),
                "server_idle_timeout went below min_pool_size=1");
    }

    /** Three clients hold transactions at once, so the pool opens three servers, then commit and leave. */
    private static void openThreeServers(TestRole role, JBouncerConfig config) throws Exception {
        try (HeldTransactions held = HeldTransactions.start(3, client -> role.connect(config.port(), DB))) {
            assertTrue(held.awaitEntered(3, CLOSE), "three clients should get three servers");
            held.releaseAllAndAwait(CLOSE);
        }
    }

    /**
     * server_lifetime=1: a server is reused within its lifetime; one that outlived it inside a transaction is closed
     * when the transaction releases it, and the next transaction runs on a new backend.
     */
    @Test
    void serverLifetimeClosesAnOldServerWhenReleased() throws Exception {
        TestRole role = TestRole.create(pg, "timers_lifetime_user");
        JBouncerConfig config = config(role, "").set("server_lifetime", "1");
        BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        try (Connection c = role.connect(config.port(), DB)) {
            int young = backendPid(c);
            assertEquals(young, backendPid(c), "a server within its lifetime is reused");

            c.setAutoCommit(false);
            int old = backendPid(c);
            Thread.sleep(1500); // lets server_lifetime pass while the transaction holds the server
            assertEquals(old, backendPid(c), "a server is never closed inside a transaction");
            c.commit();
            c.setAutoCommit(true);

            assertTrue(Poll.until(CLOSE, () -> !backends.pids().contains(old)),
                    "the server past server_lifetime should be closed at release");
            assertNotEquals(old, backendPid(c), "the next transaction's backend");
        }
    }

    /** server_lifetime=0: every transaction gets a server of its own, closed when released. */
    @Test
    void serverLifetimeZeroUsesEachServerOnce() throws Exception {
        TestRole role = TestRole.create(pg, "timers_single_use_user");
        JBouncerConfig config = config(role, "").set("server_lifetime", "0");
        BOUNCERS.start(config);
        Set<Integer> pids = new HashSet<>();
        try (Connection c = role.connect(config.port(), DB)) {
            for (int i = 0; i < 5; i++) {
                pids.add(backendPid(c));
            }
            c.setAutoCommit(false);
            int inTransaction = backendPid(c);
            assertEquals(inTransaction, backendPid(c), "one server for the whole transaction");
            c.commit();
            pids.add(inTransaction);
        }
        assertEquals(6, pids.size(), "distinct backends of 6 transactions: " + pids);
    }

    // ---- client timers -------------------------------------------------------------------------------------

    @Test
    void queryTimeoutDisconnectsTheClientAndClosesItsServer() throws Exception {
        TestRole role = TestRole.create(pg, "timers_query_user");
        JBouncerConfig config = config(role, "").set("query_timeout", "1");
        BOUNCERS.start(config);
        assertQueryTimeout(role, config.port());
    }

    /** A {@code [users]} entry's query_timeout applies to that user only; the global one is 0 (off). */
    @Test
    void perUserQueryTimeoutOverridesTheGlobalOne() throws Exception {
        TestRole limited = TestRole.create(pg, "timers_user_query_limited");
        TestRole free = TestRole.create(pg, "timers_user_query_free");
        JBouncerConfig config = config(limited, "").set("query_timeout", "0").user(free.name(), free.password());
        Path ini = config.write();
        Files.writeString(ini, "\n[users]\n" + limited.name() + " = query_timeout=1\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        BOUNCERS.start(ini, config.port());

        try (Connection c = free.connect(config.port(), DB); Statement st = c.createStatement()) {
            st.execute("SELECT pg_sleep(1.6)");
            assertEquals(1, single(st, "SELECT 1"), "the user without query_timeout keeps its connection");
        }
        assertQueryTimeout(limited, config.port());
    }

    /**
     * With query_timeout=1, {@code SELECT pg_sleep(2)} ends with FATAL 08P01 {@code query timeout} after about a
     * second, the client is disconnected and the server closed (PgBouncer does not cancel, it disconnects).
     */
    private static void assertQueryTimeout(TestRole role, int port) throws Exception {
        Backends backends = Backends.of(pg, role.name());
        try (Connection c = role.connect(port, DB); Statement st = c.createStatement()) {
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(2)"));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            ServerErrors.assertError("FATAL", "08P01", "query timeout", e);
            assertTrue(millis >= 900 && millis < 1900, "query timeout after " + millis + " ms");
            assertFalse(c.isValid(2), "the client connection should be closed");
        }
        assertTrue(Poll.until(CLOSE, () -> backends.count() == 0), "the server of the timed-out query should go");
    }

    @Test
    void idleTransactionTimeoutDisconnectsAClientIdleInATransaction() throws Exception {
        TestRole role = TestRole.create(pg, "timers_idle_tx_user");
        JBouncerConfig config = config(role, "").set("idle_transaction_timeout", "1");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT 1");
            long idleSince = System.nanoTime();

            assertTrue(bouncer.awaitLog("pooler error: idle transaction timeout", CLOSE), bouncer::log);
            long millis = Duration.ofNanos(System.nanoTime() - idleSince).toMillis();
            assertTrue(millis >= 900, "idle transaction timeout after " + millis + " ms");
            assertClosedWith("idle transaction timeout", c);
        }
        assertTrue(Poll.until(CLOSE, () -> backends.count() == 0),
                "the server left inside a transaction should be closed");
    }

    @Test
    void clientIdleTimeoutDisconnectsAnIdleClient() throws Exception {
        TestRole role = TestRole.create(pg, "timers_client_idle_user");
        JBouncerConfig config = config(role, "").set("client_idle_timeout", "1");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            long idleSince = System.nanoTime();

            assertTrue(bouncer.awaitLog("pooler error: client_idle_timeout", CLOSE), bouncer::log);
            long millis = Duration.ofNanos(System.nanoTime() - idleSince).toMillis();
            assertTrue(millis >= 900, "client_idle_timeout after " + millis + " ms");
            assertClosedWith("client_idle_timeout", c);
        }
    }

    /**
     * transaction_timeout=2 counts from the start of the transaction, however busy: a transaction running short
     * queries back to back is ended with FATAL 08P01 {@code transaction timeout} after about two seconds.
     */
    @Test
    void transactionTimeoutEndsALongTransaction() throws Exception {
        TestRole role = TestRole.create(pg, "timers_tx_user");
        JBouncerConfig config = config(role, "").set("transaction_timeout", "2");
        BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> {
                while (System.nanoTime() - start < Duration.ofSeconds(6).toNanos()) {
                    st.execute("SELECT pg_sleep(0.2)");
                }
            });
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            ServerErrors.assertError("FATAL", "08P01", "transaction timeout", e);
            assertTrue(millis >= 1900 && millis < 3500, "transaction timeout after " + millis + " ms");
        }
        assertTrue(Poll.until(CLOSE, () -> backends.count() == 0), "the server of the transaction should go");
    }

    /**
     * The client was closed with a FATAL {@code message} while idle: its next statement fails; when pgjdbc reports
     * the ErrorResponse that was waiting in the socket, it is PgBouncer's.
     */
    private static void assertClosedWith(String message, Connection c) {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Statement st = c.createStatement()) {
                single(st, "SELECT 1");
            }
        });
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
            ServerErrors.assertError("FATAL", "08P01", message, e);
        }
    }

    // ---- server login retry --------------------------------------------------------------------------------

    /**
     * A database on a closed port with server_login_retry=5: the first client fails fast (well before
     * server_connect_timeout) with the cached connect error, clients within the next five seconds get it without a
     * new connect attempt, and a client after that makes the pooler try to connect again. The periods are long
     * enough that a client's own login on a loaded machine never blurs them.
     */
    @Test
    void serverLoginRetryFailsFastThenTriesAgain() throws Exception {
        TestRole role = TestRole.create(pg, "timers_login_retry_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits")
                .set("server_login_retry", "5")
                .set("server_connect_timeout", "5")
                .database(DB, "host=127.0.0.1 port=" + FreePort.find() + " dbname=" + PostgresCluster.DB)
                .user(role.name(), role.password());
        JBouncerProcess bouncer = BOUNCERS.start(config);

        long start = System.nanoTime();
        assertFastFail(role, config.port());
        long firstMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(firstMillis < 4000, "the first client failed after " + firstMillis + " ms");
        assertEquals(1, connectAttempts(bouncer), bouncer::log);

        long secondStart = System.nanoTime();
        assertFastFail(role, config.port());
        long secondMillis = Duration.ofNanos(System.nanoTime() - secondStart).toMillis();
        assertTrue(secondMillis < 4000, "the cached error took " + secondMillis + " ms");
        assertEquals(1, connectAttempts(bouncer), () -> "a connect attempt within server_login_retry; log:\n"
                + bouncer.log());

        assertTrue(Poll.until(Duration.ofSeconds(10), () -> {
            assertFastFail(role, config.port());
            return connectAttempts(bouncer) == 2;
        }), bouncer::log);
        long retryMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(retryMillis >= 4900, "a new connect attempt after " + retryMillis + " ms, before 5 s");
    }

    /** A client of {@code role} is refused with PgBouncer's fast-fail text quoting the connect failure. */
    private static void assertFastFail(TestRole role, int port) {
        SQLException e = assertThrows(SQLException.class, () -> role.connect(port, DB).close());
        String message = ServerErrors.of(e).getMessage();
        assertTrue(message.matches("server login has been failing, cached error: connect (failed|timeout)"
                + " \\(server_login_retry\\)"), message);
    }

    private static long connectAttempts(JBouncerProcess bouncer) {
        return bouncer.log().lines().filter(line -> line.contains(": connect failed: ")).count();
    }

    // ---- application_name_add_host -------------------------------------------------------------------------

    /**
     * application_name_add_host=1: the backend serving psql shows {@code psql - 127.0.0.1:<client port>}, and one
     * serving pgjdbc its startup application_name with the address added.
     */
    @Test
    void applicationNameAddHostAppendsTheClientAddress() throws Exception {
        TestRole role = TestRole.create(pg, "timers_app_name_user");
        JBouncerConfig config = config(role, "").set("application_name_add_host", "1");
        BOUNCERS.start(config);

        Psql.Result psql = Psql.of(pg).run(role.connstring(config.port(), DB), role.password(), "-At", "-c",
                "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()");
        assertEquals(0, psql.exitCode(), psql::stderr);
        assertTrue(psql.stdout().strip().matches("psql - 127\\.0\\.0\\.1:\\d+"), psql.stdout());

        Properties named = new Properties();
        named.setProperty("ApplicationName", "probe");
        // in the StartupMessage, as psql sends it: below 9.0 pgjdbc would run SET application_name after login
        named.setProperty("assumeMinServerVersion", "9.0");
        try (Connection c = role.connect(config.port(), DB, named); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(
                     "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            assertTrue(rs.getString(1).matches("probe - 127\\.0\\.0\\.1:\\d+"), rs.getString(1));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            return single(st, "SELECT pg_backend_pid()");
        }
    }

    private static int single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
