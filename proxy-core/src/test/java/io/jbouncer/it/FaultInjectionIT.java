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
import io.jbouncer.it.support.Exec;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PoolRecovery;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.ServerErrors;
import io.jbouncer.it.support.TestRole;
import io.jbouncer.it.support.WireMessages;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.PSQLException;

/**
 * Fault injection (docs/reliability.md, issue 15 section 1), transaction pooling on {@value #POOL_SIZE} servers:
 * backends killed mid-transaction and mid-COPY, clients that vanish mid-COPY and mid-result, PostgreSQL unreachable
 * when jbouncer starts, a storm of reloads and a broken reload under load, {@code pg_ctl restart -m immediate} and
 * a 10 s stop under load, a frozen server, and a client that stops reading a 1 GB result. After each fault
 * ({@link PoolRecovery}): the client saw a PostgreSQL-style error, no server that was inside a transaction or COPY
 * served anyone again, the servers are within the pool size, the process is up, and a new client is served within
 * {@link #RECOVERY}. (Restart {@code -m fast}, an unreachable server and clients killed mid-transaction are in
 * PoolFailureIT; the machine's faults in ResourceExhaustionIT; a slow network in SlowLinkIT.)
 */
class FaultInjectionIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "faults";
    private static final int POOL_SIZE = 2;
    private static final Duration RECOVERY = Duration.ofSeconds(10);
    private static final int OUTAGE_SECONDS = 10;
    private static final Duration QUERY_WAIT = Duration.ofSeconds(5);
    /** What a loaded 2-core machine may add to a timeout before a wait counts as a hang. */
    private static final Duration HANG_SLACK = Duration.ofSeconds(5);
    private static final long MAX_GROWTH_MB = 64;
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);
    private static final String ADMIN = "fi_admin";
    private static final String ADMIN_PASS = "fi_admin_pass";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static Backends backends;
    private static PoolRecovery checks;

    @BeforeAll
    static void roles() throws SQLException {
        role = TestRole.create(pg, "fi_user");
        backends = Backends.of(pg, role.name());
        checks = new PoolRecovery(pg, role, DB, POOL_SIZE, ADMIN, ADMIN_PASS);
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
        assertRecoveredWithNoRowsOf("backend killed mid-transaction", "killed mid-transaction", bouncer, config,
                killed);
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
        assertRecoveredWithNoRowsOf("backend killed mid-COPY", "killed mid-copy", bouncer, config, killed);
    }

    /** The client closes its socket in the middle of COPY FROM STDIN: that server must never serve again. */
    @Test
    void clientAbortsMidCopyIn() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config);
        int copying;
        try (RawConnection raw = WireMessages.login(config.port(), role.name(), DB)) {
            copying = backendPid(raw);
            raw.send(WireMessages.query("COPY fi_rows FROM STDIN"));
            RawConnection.Message message = raw.readMessage();
            while (message.tag() != 'G') {
                message = raw.readMessage();
            }
            raw.send(WireMessages.message('d', "3\taborted mid-copy\n"));
        }
        assertRecoveredWithNoRowsOf("client gone mid-COPY IN", "aborted mid-copy", bouncer, config, copying);
    }

    /** The client vanishes after the first rows of a large result: its server is not handed on mid-result. */
    @Test
    void clientAbortsMidLargeResult() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config);
        int streaming;
        try (RawConnection raw = WireMessages.login(config.port(), role.name(), DB)) {
            streaming = backendPid(raw);
            raw.send(WireMessages.query("SELECT repeat('x', 1000) FROM generate_series(1, 2000000)"));
            assertEquals('T', raw.readMessage().tag());
            assertEquals('D', raw.readMessage().tag());
        }
        checks.assertRecovered("client gone mid-result", bouncer, config.port(), streaming, RECOVERY);
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
            SQLException e = assertThrows(SQLException.class, () -> checks.selectOne(config.port()));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals("08P01", e.getSQLState(), e::toString);
            assertTrue(millis < 10_000, "the first client waited " + millis + " ms");
        } finally {
            pg.startAgain();
        }
        long back = System.nanoTime();
        assertTrue(Poll.until(RECOVERY, () -> checks.servesANewClient(config.port())), bouncer::log);
        System.out.printf("recovery after PostgreSQL appeared: %d ms%n",
                Duration.ofNanos(System.nanoTime() - back).toMillis());
        checks.assertServersWithinPool(config.port());
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
        checks.assertServersWithinPool(config.port());
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
            assertTrue(Poll.until(RECOVERY, () -> checks.servesANewClient(config.port())), bouncer::log);
            stop.set(true);
            endings = load.await(Duration.ofSeconds(30));
        }
        System.out.printf("recovery after pg_ctl restart -m immediate: %d ms%n",
                Duration.ofNanos(System.nanoTime() - back).toMillis());
        for (SQLException e : endings.stream().filter(Objects::nonNull).toList()) {
            assertTrue(ServerErrors.isServerGone(e), () -> e.getSQLState() + " " + e.getMessage());
        }
        checks.assertServersWithinPool(config.port());
        assertTrue(bouncer.awaitExit(Duration.ZERO).isEmpty(), "jbouncer exited");
    }

    /**
     * {@code pg_ctl stop -m fast}, {@value #OUTAGE_SECONDS} s without PostgreSQL, then {@code pg_ctl start}, under
     * eight clients that reconnect after each error: every error is a server-gone error or the pool's wait
     * timeout, no statement waits longer than {@code query_wait_timeout} (plus slack for a loaded machine), the
     * console answers throughout, and every client commits again once PostgreSQL is back.
     */
    @Test
    void stopAndStartAfterTenSecondsUnderLoad() throws Exception {
        JBouncerConfig config = config().set("query_wait_timeout", Long.toString(QUERY_WAIT.toSeconds()));
        JBouncerProcess bouncer = BOUNCERS.start(config);
        Outage outage = new Outage(8);
        long back;
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
             ConcurrentClients<Void> load = ConcurrentClients.start(8,
                     client -> outage.transactionsThroughErrors(client, config))) {
            assertTrue(Poll.until(RECOVERY, () -> outage.committed() > 50), () -> "the load did not get going:\n"
                    + bouncer.log());
            pg.stopForAWhile();
            long down = System.nanoTime();
            try {
                // The fault is the 10 s without PostgreSQL, not a wait for something: meanwhile the console must
                // answer (the pooler is not stuck behind its dead servers).
                while (System.nanoTime() - down < TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS)) {
                    AdminConsole.rows(console, "SHOW POOLS");
                    Thread.sleep(200);
                }
            } finally {
                pg.startAgain();
            }
            back = System.nanoTime();
            outage.markRestarted();
            assertTrue(Poll.until(RECOVERY, outage::everyClientCommittedSinceRestart),
                    () -> "not every client committed again: " + outage + "\n" + bouncer.log());
            outage.stop();
            load.await(Duration.ofSeconds(30));
        }
        System.out.printf("recovery after %d s without PostgreSQL: %d ms; %s%n", OUTAGE_SECONDS,
                Duration.ofNanos(System.nanoTime() - back).toMillis(), outage);
        outage.assertErrorsWereServerGoneOrWaitTimeout();
        assertTrue(outage.longestFailingStatement().compareTo(QUERY_WAIT.plus(HANG_SLACK)) < 0,
                () -> "a statement hung for " + outage.longestFailingStatement().toMillis() + " ms");
        checks.assertServersWithinPool(config.port());
        assertTrue(bouncer.awaitExit(Duration.ZERO).isEmpty(), "jbouncer exited");
    }

    /**
     * A client asks for a 1 GB result and stops reading after the first row: jbouncer stops reading from the server
     * (PostgreSQL waits on ClientWrite), its resident set stays within {@value #MAX_GROWTH_MB} MB of where it was,
     * with direct memory capped below the result; when the client finally leaves, that server is closed, not
     * handed on in the middle of the result.
     */
    @Test
    void clientStopsReadingAGigabyteResult() throws Exception {
        JBouncerConfig config = config();
        JBouncerProcess bouncer = BOUNCERS.start(config, List.of("-XX:MaxDirectMemorySize=128m"));
        int streaming;
        try (RawConnection raw = WireMessages.login(config.port(), role.name(), DB)) {
            streaming = backendPid(raw);
            long baseline = bouncer.residentSetBytes();
            raw.send(WireMessages.query("SELECT repeat('x', 1000) FROM generate_series(1, 1000000)"));
            assertEquals('T', raw.readMessage().tag());
            assertEquals('D', raw.readMessage().tag());
            AtomicInteger blocked = new AtomicInteger();
            assertTrue(Poll.until(RECOVERY, () -> (waitsOnClientWrite(streaming) ? blocked.incrementAndGet()
                    : resetTo(blocked)) >= 20), "PostgreSQL never stayed blocked writing: jbouncer reads on for a"
                    + " client that does not");
            long growth = bouncer.residentSetBytes() - baseline;
            System.out.printf("resident set growth with a stalled 1 GB result: %d MB%n", growth >> 20);
            assertTrue(growth < (MAX_GROWTH_MB << 20), "jbouncer's resident set grew by " + (growth >> 20) + " MB");
        }
        checks.assertRecovered("client gone after stalling a 1 GB result", bouncer, config.port(), streaming,
                RECOVERY);
        assertFalse(bouncer.log().contains("OutOfDirectMemoryError"), bouncer::log);
    }

    /**
     * A server that stops answering in the middle of a transaction (its backend frozen with SIGSTOP, the far end of
     * a slow server): with {@code query_timeout = 2} the client gets FATAL 08P01 {@code query timeout} within the
     * timeout (plus slack), another client is served by the other server meanwhile, and the frozen server never
     * serves again once it thaws.
     */
    @Test
    void frozenServerMidTransaction() throws Exception {
        JBouncerConfig config = config().set("query_timeout", Long.toString(QUERY_TIMEOUT.toSeconds()));
        JBouncerProcess bouncer = BOUNCERS.start(config);
        int frozen;
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            frozen = backendPid(st);
            signal("STOP", frozen, config);
            try {
                long start = System.nanoTime();
                SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT 1"));
                long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
                ServerErrors.assertError("FATAL", "08P01", "query timeout", e);
                System.out.printf("frozen server: the client got query timeout after %d ms%n", waited);
                assertTrue(waited < QUERY_TIMEOUT.plus(HANG_SLACK).toMillis(), "waited " + waited + " ms");
                assertEquals(1, checks.selectOne(config.port()), "no other client served meanwhile");
            } finally {
                signal("CONT", frozen, config);
            }
        }
        checks.assertRecovered("a frozen server", bouncer, config.port(), frozen, RECOVERY);
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

    private static boolean waitsOnClientWrite(int pid) {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB);
             PreparedStatement st = c.prepareStatement("SELECT wait_event FROM pg_stat_activity WHERE pid = ?")) {
            st.setInt(1, pid);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && "ClientWrite".equals(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        }
    }

    private static int resetTo(AtomicInteger counter) {
        counter.set(0);
        return 0;
    }

    /**
     * The clients of an outage: each runs transactions, and after an error records it (with how long the failing
     * statement took) and reconnects, until stopped.
     */
    private static final class Outage {
        private final AtomicInteger committed = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<SQLException> errors = new CopyOnWriteArrayList<>();
        private final AtomicLong longestFailureNanos = new AtomicLong();
        private final AtomicLongArray lastCommit;
        private volatile long restarted = Long.MAX_VALUE;

        Outage(int clients) {
            lastCommit = new AtomicLongArray(clients);
        }

        Void transactionsThroughErrors(int client, JBouncerConfig config) {
            while (!stop.get()) {
                long started = System.nanoTime();
                try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        started = System.nanoTime();
                        c.setAutoCommit(false);
                        st.execute("SELECT count(*) FROM fi_rows");
                        c.commit();
                        committed.incrementAndGet();
                        lastCommit.set(client, System.nanoTime());
                    }
                } catch (SQLException e) {
                    errors.add(e);
                    longestFailureNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
                }
            }
            return null;
        }

        int committed() {
            return committed.get();
        }

        void markRestarted() {
            restarted = System.nanoTime();
        }

        boolean everyClientCommittedSinceRestart() {
            for (int i = 0; i < lastCommit.length(); i++) {
                if (lastCommit.get(i) - restarted < 0) {
                    return false;
                }
            }
            return true;
        }

        void stop() {
            stop.set(true);
        }

        Duration longestFailingStatement() {
            return Duration.ofNanos(longestFailureNanos.get());
        }

        void assertErrorsWereServerGoneOrWaitTimeout() {
            for (SQLException e : errors) {
                assertTrue(ServerErrors.isServerGone(e) || isWaitTimeout(e),
                        () -> e.getSQLState() + " " + e.getMessage());
            }
        }

        private static boolean isWaitTimeout(SQLException e) {
            return "08P01".equals(e.getSQLState()) && e instanceof PSQLException p
                    && p.getServerErrorMessage() != null
                    && "query_wait_timeout".equals(p.getServerErrorMessage().getMessage());
        }

        @Override
        public String toString() {
            Map<String, Long> byState = new TreeMap<>();
            errors.forEach(e -> byState.merge(e.getSQLState() + " " + firstLine(e), 1L, Long::sum));
            return committed.get() + " transactions committed, errors " + byState + ", longest failing statement "
                    + longestFailingStatement().toMillis() + " ms";
        }

        private static String firstLine(SQLException e) {
            String message = String.valueOf(e.getMessage());
            int newline = message.indexOf('\n');
            return newline < 0 ? message : message.substring(0, newline);
        }
    }

    /** Sends {@code SIG<name>} to PostgreSQL backend {@code pid} (the tests run as root or as its owner). */
    private static void signal(String name, int pid, JBouncerConfig config) {
        Exec.check(config.dir(), Duration.ofSeconds(10), List.of("kill", "-" + name, Integer.toString(pid)));
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

    private static int backendPid(RawConnection raw) {
        raw.send(WireMessages.query("SELECT pg_backend_pid()"));
        return Integer.parseInt(WireMessages.replies(raw).replaceAll(".*D:(\\d+).*", "$1"));
    }

    /**
     * After {@code fault} on server {@code pid} in the middle of writing the rows marked {@code note}: the pool
     * recovered ({@link PoolRecovery#assertRecovered}) and not one of those rows was committed.
     */
    private static void assertRecoveredWithNoRowsOf(String fault, String note, JBouncerProcess bouncer,
                                                    JBouncerConfig config, int pid) throws SQLException {
        checks.assertRecovered(fault, bouncer, config.port(), pid, RECOVERY);
        assertEquals(0, rows(note), () -> fault + ": rows of the interrupted write were committed");
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
