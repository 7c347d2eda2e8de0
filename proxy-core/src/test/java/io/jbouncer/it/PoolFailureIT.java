package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.KilledClient;
import io.jbouncer.it.support.PgStatActivity;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.ServerErrors;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.ServerErrorMessage;

/**
 * Transaction pooling when things go wrong: PostgreSQL restarting under load, PostgreSQL unreachable, clients that
 * vanish inside a transaction, and a leak check over thousands of transactions with clients killed at random
 * points. Every test uses its own role, so a backend count sees its own pool only.
 */
class PoolFailureIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String RESTART_DB = "restart";
    private static final String DOWN_DB = "down";
    private static final String SINGLE_DB = "single";
    private static final String LEAK_DB = "leak";
    private static final int RESTART_POOL_SIZE = 5;
    private static final int LEAK_POOL_SIZE = 5;
    private static final int LEAK_WORKERS = 20;
    private static final int LEAK_SESSIONS = 220;
    private static final int LEAK_TRANSACTIONS_PER_SESSION = 50;
    /** Sessions with this remainder modulo 10 are killed half-way: one in ten. */
    private static final int VICTIM_REMAINDER = 3;
    private static final int SERVER_CONNECT_TIMEOUT_SECONDS = 2;
    private static final int CLIENT_LOGIN_TIMEOUT_SECONDS = 3;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static PgStatActivity activity;
    private static TestRole restartRole;
    private static TestRole downRole;
    private static TestRole vanishRole;
    private static TestRole leakRole;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws SQLException {
        activity = PgStatActivity.of(pg);
        restartRole = TestRole.create(pg, "fail_restart_user");
        downRole = TestRole.create(pg, "fail_down_user");
        vanishRole = TestRole.create(pg, "fail_vanish_user");
        leakRole = TestRole.create(pg, "fail_leak_user");
        restartRole.createCounters(pg, "restart_rows", 20);
        leakRole.createCounters(pg, "leak_rows", LEAK_WORKERS);
        vanishRole.createCounters(pg, "vanish_rows", 1);
        String closedPort = Integer.toString(FreePort.find());
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits")
                .set("server_connect_timeout", Integer.toString(SERVER_CONNECT_TIMEOUT_SECONDS))
                .set("server_login_retry", "1")
                .set("client_login_timeout", Integer.toString(CLIENT_LOGIN_TIMEOUT_SECONDS))
                .database(RESTART_DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + RESTART_POOL_SIZE)
                .database(DOWN_DB, "host=127.0.0.1 port=" + closedPort + " dbname=" + PostgresCluster.DB)
                .database(SINGLE_DB, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .database(LEAK_DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + LEAK_POOL_SIZE)
                .user(restartRole.name(), restartRole.password())
                .user(downRole.name(), downRole.password())
                .user(vanishRole.name(), vanishRole.password())
                .user(leakRole.name(), leakRole.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void poolRecoversWhenPostgresRestartsUnderLoad() throws Exception {
        int clients = 20;
        AtomicInteger committed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<SQLException> endings;
        try (ConcurrentClients<SQLException> load = ConcurrentClients.start(clients,
                client -> loopUntilError(client, committed, stop))) {
            assertTrue(Poll.until(Duration.ofSeconds(20), () -> committed.get() >= 200),
                    "the load did not get going");

            pg.restart();

            assertTrue(Poll.until(Duration.ofSeconds(10), PoolFailureIT::restartPoolServesANewClient),
                    "no new client was served within 10 s of PostgreSQL accepting connections again; log:\n"
                            + bouncer.log());
            stop.set(true);
            endings = load.await(Duration.ofSeconds(30));
        }
        List<SQLException> errors = endings.stream().filter(Objects::nonNull).toList();
        assertFalse(errors.isEmpty(), "no client was mid-transaction when PostgreSQL went down?");
        for (SQLException e : errors) {
            assertTrue(ServerErrors.isServerGone(e), () -> "unexpected error for a client during the restart: "
                    + describe(e) + "; all: " + errors.stream().map(PoolFailureIT::describe).toList());
        }
        List<Integer> pids = ConcurrentClients.run(3 * RESTART_POOL_SIZE, Duration.ofSeconds(30), client -> {
            try (Connection c = restartRole.connect(config.port(), RESTART_DB); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.executeUpdate("UPDATE restart_rows SET n = n + 1 WHERE id = " + client);
                int pid = backendPid(st);
                c.commit();
                return pid;
            }
        });
        assertTrue(new HashSet<>(pids).size() <= RESTART_POOL_SIZE, "servers after the restart: " + pids);
    }

    /**
     * A client of the restart load: transactions on its own row until {@code stop} (returns {@code null}) or until
     * its first error (returned).
     */
    private static SQLException loopUntilError(int client, AtomicInteger committed, AtomicBoolean stop)
            throws SQLException {
        try (Connection c = restartRole.connect(config.port(), RESTART_DB);
             PreparedStatement increment = c.prepareStatement(
                     "UPDATE restart_rows SET n = n + 1 WHERE id = ?");
             Statement st = c.createStatement()) {
            increment.setInt(1, client);
            while (!stop.get()) {
                try {
                    c.setAutoCommit(false);
                    increment.executeUpdate();
                    st.execute("SELECT pg_sleep(0.005)");
                    c.commit();
                    committed.incrementAndGet();
                } catch (SQLException e) {
                    return e;
                }
            }
            c.setAutoCommit(true);
            return null;
        }
    }

    private static String describe(SQLException e) {
        return e.getSQLState() + " " + e.getMessage();
    }

    private static boolean restartPoolServesANewClient() {
        try (Connection c = restartRole.connect(config.port(), RESTART_DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            return rs.next() && rs.getInt(1) == 1;
        } catch (SQLException notYet) {
            return false;
        }
    }

    /**
     * PostgreSQL unreachable (a closed port): the first client gets a FATAL within
     * {@code server_connect_timeout} plus a margin, not a hang. PgBouncer itself keeps a client of a pool that never
     * logged in waiting until {@code client_login_timeout} (set below that bound here) and then sends
     * {@code client_login_timeout (server down)} (as PgBouncer 1.25); failing it at once with the cached connect error
     * is accepted too. The next client, within {@code server_login_retry} of the last failed connect, gets the
     * cached error at once (5.5).
     */
    @Test
    void unreachableServerFailsClientsInsteadOfHanging() {
        String cachedError = "server login has been failing, cached error: connect failed (server_login_retry)";
        long start = System.nanoTime();
        SQLException first = assertThrows(SQLException.class, () -> runSelectOne(DOWN_DB));
        long firstMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        start = System.nanoTime();
        SQLException second = assertThrows(SQLException.class, () -> runSelectOne(DOWN_DB));
        long secondMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        ServerErrorMessage firstError = ServerErrors.of(first);
        assertEquals("FATAL 08P01", firstError.getSeverity() + " " + firstError.getSQLState(), first::toString);
        assertTrue(Set.of("client_login_timeout (server down)", cachedError).contains(firstError.getMessage()),
                first::toString);
        assertTrue(firstMillis <= SERVER_CONNECT_TIMEOUT_SECONDS * 1000L + 2000,
                "the first client waited " + firstMillis + " ms for its error");
        ServerErrors.assertError("FATAL", "08P01", cachedError, second);
        assertTrue(secondMillis < 1000, "the cached error took " + secondMillis + " ms");
    }

    private static void runSelectOne(String db) throws SQLException {
        try (Connection c = downRole.connect(config.port(), db); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
    }

    @Test
    void clientKilledInsideATransactionLeavesNoTransactionBehind() throws Exception {
        KilledClient.killInsideTransaction(pg, vanishRole.connstring(config.port(), SINGLE_DB), vanishRole.password(),
                "INSERT INTO vanish_rows (id, n) VALUES (9001, 0)");

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (Connection clientB = vanishRole.connect(config.port(), SINGLE_DB);
                 Statement st = clientB.createStatement()) {
                KilledClient.assertNothingInherited(st, "vanish_rows", 9001);
            }
        });
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM vanish_rows WHERE id = 9001")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1), "client A's insert was committed");
        }
    }

    @Test
    void clientsKilledMidTransactionLeakNoServerConnection() throws Exception {
        AtomicInteger nextSession = new AtomicInteger();
        List<int[]> perWorker = ConcurrentClients.run(LEAK_WORKERS, Duration.ofSeconds(120), worker -> {
            int[] transactionsAndIncrements = new int[2];
            for (int s = nextSession.getAndIncrement(); s < LEAK_SESSIONS; s = nextSession.getAndIncrement()) {
                runLeakSession(worker, s, transactionsAndIncrements);
            }
            return transactionsAndIncrements;
        });
        int transactions = perWorker.stream().mapToInt(counts -> counts[0]).sum();
        assertTrue(transactions >= 10_000, "only " + transactions + " transactions ran");

        assertTrue(Poll.until(Duration.ofSeconds(15), () -> {
            List<String> states = activity.backendStates(leakRole.name());
            return states.size() <= LEAK_POOL_SIZE && states.stream().allMatch("idle"::equals);
        }), () -> "backends of the pool after the dust settled: " + activity.backendStates(leakRole.name()));
        for (int worker = 0; worker < LEAK_WORKERS; worker++) {
            assertEquals(perWorker.get(worker)[1], counterOf(worker),
                    "committed increments of worker " + worker + " (a killed client's update must not commit)");
        }
        assertEveryPoolSlotServes();
    }

    /**
     * One client session of the leak check: {@value #LEAK_TRANSACTIONS_PER_SESSION} transactions (autocommit
     * SELECT, committed increment, rolled-back increment in turn) on the worker's own row; one session in ten is
     * killed half-way, inside a transaction, either idle or with a query running. Adds to {@code counts} the
     * transactions run and the increments committed.
     */
    private static void runLeakSession(int worker, int session, int[] counts) throws Exception {
        boolean victim = session % 10 == VICTIM_REMAINDER;
        try (Connection c = leakRole.connect(config.port(), LEAK_DB); Statement st = c.createStatement()) {
            String increment = "UPDATE leak_rows SET n = n + 1 WHERE id = " + worker;
            for (int t = 0; t < LEAK_TRANSACTIONS_PER_SESSION; t++) {
                if (victim && t == LEAK_TRANSACTIONS_PER_SESSION / 2) {
                    c.setAutoCommit(false);
                    st.executeUpdate(increment);
                    if (session / 10 % 2 == 0) {
                        abortWithQueryRunning(c, st, "SELECT pg_sleep(1) /* leak victim " + session + " */");
                    } else {
                        c.abort(Runnable::run); // closes the socket: no Terminate, no ROLLBACK
                    }
                    counts[0]++;
                    return;
                }
                switch (t % 3) {
                    case 0 -> st.execute("SELECT " + t);
                    case 1 -> {
                        c.setAutoCommit(false);
                        st.executeUpdate(increment);
                        c.commit();
                        counts[1]++;
                    }
                    default -> {
                        c.setAutoCommit(false);
                        st.executeUpdate(increment);
                        c.rollback();
                    }
                }
                c.setAutoCommit(true);
                counts[0]++;
            }
        }
    }

    /** Starts {@code query} on another thread, waits until PostgreSQL runs it, then closes the socket abruptly. */
    private static void abortWithQueryRunning(Connection c, Statement st, String query) throws Exception {
        CompletableFuture<Void> running = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                st.execute(query);
                running.complete(null);
            } catch (SQLException expected) {
                running.completeExceptionally(expected);
            }
        }, "leak-victim");
        runner.start();
        assertTrue(Poll.until(Duration.ofSeconds(10), () -> activity.activeQueries(query) == 1),
                "the victim's query never started on a server");
        c.abort(Runnable::run);
        runner.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(running.isCompletedExceptionally(), "the aborted query returned normally");
    }

    /**
     * All {@value #LEAK_POOL_SIZE} slots of the leak pool still serve: as many clients each hold a transaction at
     * the same time, on distinct servers, and PostgreSQL sees exactly that many backends, all in a transaction.
     */
    private static void assertEveryPoolSlotServes() throws Exception {
        CountDownLatch allLinked = new CountDownLatch(LEAK_POOL_SIZE);
        CountDownLatch release = new CountDownLatch(1);
        try (ConcurrentClients<Integer> holders = ConcurrentClients.start(LEAK_POOL_SIZE, client -> {
            try (Connection c = leakRole.connect(config.port(), LEAK_DB); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                int pid = backendPid(st);
                allLinked.countDown();
                assertTrue(release.await(30, TimeUnit.SECONDS));
                c.commit();
                return pid;
            }
        })) {
            assertTrue(allLinked.await(15, TimeUnit.SECONDS), "only " + (LEAK_POOL_SIZE - allLinked.getCount())
                    + " of " + LEAK_POOL_SIZE + " clients got a server: the pool lost count of its servers");
            List<String> states = activity.backendStates(leakRole.name());
            release.countDown();
            assertEquals(LEAK_POOL_SIZE, states.size(), states::toString);
            assertTrue(states.stream().allMatch("idle in transaction"::equals), states::toString);
            assertEquals(LEAK_POOL_SIZE, new HashSet<>(holders.await(Duration.ofSeconds(30))).size());
        }
    }

    private static int counterOf(int id) throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT n FROM leak_rows WHERE id = " + id)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static int backendPid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
