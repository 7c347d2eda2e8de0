package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BackendSampler;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transaction pooling ({@code pool_mode = transaction} set globally) end to end with pgjdbc: many clients on few
 * server connections, cancel routed to the server running the client's query at that moment, and
 * {@code query_wait_timeout}. Whether tracked parameters leak between clients sharing servers is
 * {@link TransactionPoolParameterIT}'s subject.
 */
class TransactionPoolIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB10 = "txn10";
    private static final String DB5 = "txn5";
    private static final String MANY_TABLE = "tx_many_rows";
    private static final int MANY_CLIENTS = 500;
    private static final int MANY_POOL_SIZE = 10;
    /** Each client of the 500 alternates an autocommit SELECT and an explicit transaction this many times. */
    private static final int MANY_ROUNDS = 10;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static PgStatActivity activity;
    /** Roles of this class only, one per test, so a backend count sees one test's pool only. */
    private static TestRole manyRole;
    private static TestRole cancelRole;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws SQLException {
        activity = PgStatActivity.of(pg);
        manyRole = TestRole.create(pg, "tx_many_user");
        cancelRole = TestRole.create(pg, "tx_cancel_user");
        manyRole.createCounters(pg, MANY_TABLE, MANY_CLIENTS);
        config = transactionConfig()
                .set("max_client_conn", "1000")
                .database(DB10, pg.connstring(PostgresCluster.DB) + " pool_size=" + MANY_POOL_SIZE)
                .database(DB5, pg.connstring(PostgresCluster.DB) + " pool_size=5")
                .user(manyRole.name(), manyRole.password())
                .user(cancelRole.name(), cancelRole.password());
        bouncer = BOUNCERS.start(config);
    }

    private static JBouncerConfig transactionConfig() {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits");
    }

    @Test
    void fiveHundredClientsCompleteOnTenServerConnections() throws Exception {
        try (BackendSampler sampler = BackendSampler.start(pg, manyRole.name())) {
            List<Integer> finalCounts = ConcurrentClients.run(MANY_CLIENTS, Duration.ofSeconds(120),
                    TransactionPoolIT::runManyClient);
            int peak = sampler.peak();

            assertTrue(finalCounts.stream().allMatch(n -> n == MANY_ROUNDS), finalCounts::toString);
            assertTrue(peak >= 1 && peak <= MANY_POOL_SIZE,
                    "PostgreSQL saw " + peak + " backends of the pool (pool_size=" + MANY_POOL_SIZE + ")");
        }
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), min(n), max(n) FROM " + MANY_TABLE)) {
            assertTrue(rs.next());
            assertEquals(MANY_CLIENTS + " " + MANY_ROUNDS + " " + MANY_ROUNDS,
                    rs.getInt(1) + " " + rs.getInt(2) + " " + rs.getInt(3), "committed increments per row");
        }
    }

    /**
     * One of the 500: on its own row, an autocommit SELECT then one increment in an explicit transaction per
     * round, the transaction opened by pgjdbc ({@code setAutoCommit(false)}) or by plain {@code BEGIN}/
     * {@code COMMIT} statements in turn; finally an increment rolled back. Returns the row's final value.
     */
    private static int runManyClient(int client) throws SQLException {
        try (Connection c = manyRole.connect(config.port(), DB10);
             PreparedStatement read = c.prepareStatement("SELECT n FROM " + MANY_TABLE + " WHERE id = ?");
             PreparedStatement increment = c.prepareStatement(
                     "UPDATE " + MANY_TABLE + " SET n = n + 1 WHERE id = ?");
             Statement plain = c.createStatement()) {
            read.setInt(1, client);
            increment.setInt(1, client);
            for (int round = 0; round < MANY_ROUNDS; round++) {
                assertEquals(round, single(read), "client " + client + " before round " + round);
                boolean driverTransaction = round % 2 == 0;
                if (driverTransaction) {
                    c.setAutoCommit(false);
                } else {
                    plain.execute("BEGIN");
                }
                assertEquals(1, increment.executeUpdate());
                assertEquals(round + 1, single(read), "client " + client + " inside round " + round);
                if (driverTransaction) {
                    c.commit();
                    c.setAutoCommit(true);
                } else {
                    plain.execute("COMMIT");
                }
            }
            c.setAutoCommit(false);
            increment.executeUpdate();
            c.rollback();
            c.setAutoCommit(true);
            return single(read);
        }
    }

    private static int single(PreparedStatement query) throws SQLException {
        try (ResultSet rs = query.executeQuery()) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    @Test
    void cancelReachesTheServerRunningTheQueryAndNoOtherClient() throws Exception {
        int loaders = 20;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger loadQueries = new AtomicInteger();
        try (ConcurrentClients<Integer> load = ConcurrentClients.start(loaders,
                client -> runLoader(client, stop, loadQueries))) {
            assertTrue(Poll.until(Duration.ofSeconds(20), () -> loadQueries.get() >= 200),
                    "the load did not get going");
            try (Connection victim = cancelRole.connect(config.port(), DB5); Statement st = victim.createStatement()) {
                for (int i = 0; i < 10; i++) {
                    st.execute("SELECT " + i); // lands on several servers before the long query
                }
                String sleep = "SELECT pg_sleep(30) /* cancel victim */";
                AtomicLong failedAt = new AtomicLong();
                CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                    try {
                        st.execute(sleep);
                        return null;
                    } catch (SQLException e) {
                        failedAt.set(System.nanoTime());
                        return e;
                    }
                });
                assertTrue(Poll.until(Duration.ofSeconds(10), () -> activity.activeQueries(sleep) == 1),
                        "the long query never started on a server");
                int queriesBefore = loadQueries.get();

                long cancelledAt = System.nanoTime();
                st.cancel();
                SQLException e = outcome.get(10, TimeUnit.SECONDS);

                assertNotNull(e, "the long query was not cancelled");
                ServerErrors.assertError("ERROR", "57014", "canceling statement due to user request", e);
                long millis = TimeUnit.NANOSECONDS.toMillis(failedAt.get() - cancelledAt);
                assertTrue(millis < 1000, "cancel took " + millis + " ms");
                assertTrue(loadQueries.get() > queriesBefore || Poll.until(Duration.ofSeconds(5),
                        () -> loadQueries.get() > queriesBefore), "the load stalled around the cancel");
                try (ResultSet rs = st.executeQuery("SELECT 'after cancel'")) {
                    assertTrue(rs.next());
                    assertEquals("after cancel", rs.getString(1));
                }
            } finally {
                stop.set(true);
            }
            List<Integer> perLoader = load.await(Duration.ofSeconds(30));
            assertTrue(perLoader.stream().allMatch(n -> n > 0), "a loader never ran: " + perLoader);
        }
    }

    /**
     * A client of the load: short autocommit queries and short transactions until {@code stop}, checking every
     * result; any error (a misrouted cancel would be 57014) fails it. Returns how many queries it ran.
     */
    private static int runLoader(int client, AtomicBoolean stop, AtomicInteger total) throws SQLException {
        int queries = 0;
        try (Connection c = cancelRole.connect(config.port(), DB5);
             PreparedStatement echo = c.prepareStatement("SELECT ?::int + 1, pg_sleep(0.002)")) {
            while (!stop.get()) {
                boolean transaction = queries % 3 == 0;
                c.setAutoCommit(!transaction);
                echo.setInt(1, client * 100_000 + queries);
                try (ResultSet rs = echo.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(client * 100_000 + queries + 1, rs.getInt(1));
                }
                if (transaction) {
                    c.commit();
                }
                queries++;
                total.incrementAndGet();
            }
            c.setAutoCommit(true);
        }
        return queries;
    }

    @Test
    void clientWaitingLongerThanQueryWaitTimeoutGetsFatalError() throws Exception {
        TestRole waitRole = TestRole.create(pg, "tx_wait_user");
        JBouncerConfig waitConfig = transactionConfig()
                .set("query_wait_timeout", "1")
                .database("single", pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(waitRole.name(), waitRole.password());
        JBouncerProcess waitBouncer = BOUNCERS.start(waitConfig);
        try (Connection holder = waitRole.connect(waitConfig.port(), "single");
             Connection waiter = waitRole.connect(waitConfig.port(), "single");
             Statement holding = holder.createStatement();
             Statement waiting = waiter.createStatement()) {
            holder.setAutoCommit(false);
            holding.execute("SELECT pg_backend_pid()"); // holds the only server until COMMIT

            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> waiting.executeQuery("SELECT 1").close());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            ServerErrors.assertError("FATAL", "08P01", "query_wait_timeout", e);
            assertTrue(millis >= 900 && millis <= 3000, "query_wait_timeout=1 fired after " + millis + " ms");
            assertFalse(waiter.isValid(2), "the waiting client must be disconnected");
            holding.execute("SELECT 'holder still linked'");
            holder.commit();
            try (Connection next = waitRole.connect(waitConfig.port(), "single");
                 Statement st = next.createStatement(); ResultSet rs = st.executeQuery("SELECT 42")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
        }
    }

    /**
     * PgBouncer HEAD's per-database and per-user query_wait_timeout: the [databases] value overrides the global 120 s,
     * and a [users] value (even 0 = off) overrides the database's.
     */
    @Test
    void queryWaitTimeoutPerDatabaseAndPerUserOverridesTheGlobalOne() throws Exception {
        TestRole dbLimited = TestRole.create(pg, "tx_wait_db_user");
        TestRole unlimited = TestRole.create(pg, "tx_wait_free_user");
        JBouncerConfig waitConfig = transactionConfig()
                .database("single_db", pg.connstring(PostgresCluster.DB) + " pool_size=1 query_wait_timeout=1")
                .user(dbLimited.name(), dbLimited.password())
                .user(unlimited.name(), unlimited.password())
                .userEntry(unlimited.name(), "query_wait_timeout=0");
        BOUNCERS.start(waitConfig);
        try (Connection holder = dbLimited.connect(waitConfig.port(), "single_db");
             Connection waiter = dbLimited.connect(waitConfig.port(), "single_db");
             Statement holding = holder.createStatement();
             Statement waiting = waiter.createStatement()) {
            holder.setAutoCommit(false);
            holding.execute("SELECT pg_backend_pid()");

            SQLException e = assertThrows(SQLException.class, () -> waiting.executeQuery("SELECT 1").close());

            ServerErrors.assertError("FATAL", "08P01", "query_wait_timeout", e);
            holder.commit();
        }
        try (Connection holder = unlimited.connect(waitConfig.port(), "single_db");
             Connection waiter = unlimited.connect(waitConfig.port(), "single_db");
             Statement holding = holder.createStatement()) {
            holder.setAutoCommit(false);
            holding.execute("SELECT pg_backend_pid()");
            CompletableFuture<Integer> waited = intInBackground(waiter.createStatement(), "SELECT 7");
            // Past the database's 1 s: the user's 0 keeps the client queued instead.
            assertThrows(TimeoutException.class, () -> waited.get(2500, TimeUnit.MILLISECONDS));
            holder.commit();
            assertEquals(7, waited.get(10, TimeUnit.SECONDS));
        }
    }

    /**
     * query_wait_notify (PgBouncer 1.25): a client queued more than 1 whole second gets PgBouncer's NOTICE once, then
     * its query runs normally when the server frees up; a client served without queueing gets none.
     */
    @Test
    void clientQueuedPastQueryWaitNotifyGetsOneNotice() throws Exception {
        TestRole role = TestRole.create(pg, "tx_notify_user");
        JBouncerConfig notifyConfig = transactionConfig()
                .set("query_wait_notify", "1")
                .database("single_notify", pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(role.name(), role.password());
        try (JBouncerProcess notifyBouncer = BOUNCERS.start(notifyConfig);
             Connection holder = role.connect(notifyConfig.port(), "single_notify");
             Connection waiter = role.connect(notifyConfig.port(), "single_notify");
             Statement holding = holder.createStatement();
             Statement waiting = waiter.createStatement()) {
            holder.setAutoCommit(false);
            holding.execute("SELECT pg_backend_pid()");
            CompletableFuture<Integer> queued = intInBackground(waiting, "SELECT 5");
            // Held past the notice (due after more than 1 whole second); the notice arrives while the query waits.
            assertThrows(TimeoutException.class, () -> queued.get(2500, TimeUnit.MILLISECONDS));
            holder.commit();

            assertEquals(5, queued.get(10, TimeUnit.SECONDS));
            assertNotNull(waiting.getWarnings(), "no NOTICE for a client queued past query_wait_notify");
            assertEquals("No server connection available in postgres backend, client being queued",
                    waiting.getWarnings().getMessage());
            assertNull(waiting.getWarnings().getNextWarning(), "the NOTICE is sent once");
            holding.execute("SELECT 1");
            assertNull(holding.getWarnings(), "a client that never queued gets no NOTICE");
            holder.commit();
        }
    }

    /** Runs a query returning one integer on another thread, for a client that is expected to queue. */
    private static CompletableFuture<Integer> intInBackground(Statement st, String sql) {
        return CompletableFuture.supplyAsync(() -> {
            try (ResultSet rs = st.executeQuery(sql)) {
                assertTrue(rs.next());
                return rs.getInt(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
