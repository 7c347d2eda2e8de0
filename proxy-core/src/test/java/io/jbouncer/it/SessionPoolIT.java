package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.KilledClient;
import io.jbouncer.it.support.PgStatActivity;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.jdbc.PgConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Session pooling end to end with pgjdbc (and psql as the client that vanishes): cancel through jbouncer's
 * BackendKeyData, {@code pool_size} caps with many waiting clients, {@code max_client_conn}, and a client dying
 * inside a transaction.
 */
class SessionPoolIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    /** A role of this class only, so counting its backends counts this class's pools only. */
    private static final String POOL_USER = "session_pool_user";
    private static final String POOL_PASS = "session_pool_pass";
    private static final String POOL5_DB = "pool5";
    private static final String SINGLE_DB = "single";
    /**
     * Named by a comment: another class's client killed during its own pg_sleep(30) leaves that backend sleeping on
     * the shared cluster until the sleep ends, and the count of active backends running this text must see only ours.
     */
    private static final String SLEEP_30 = "SELECT pg_sleep(30) /* SessionPoolIT cancel */";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + POOL_USER + " LOGIN PASSWORD '" + POOL_PASS + "'");
            st.execute("GRANT ALL ON DATABASE " + PostgresCluster.DB + " TO " + POOL_USER);
        }
        config = JBouncerConfig.create()
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .database(POOL5_DB, pg.connstring(PostgresCluster.DB) + " pool_size=5")
                .database(SINGLE_DB, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(POOL_USER, POOL_PASS)
                .user(PostgresCluster.MD5_USER,
                        PostgresCluster.md5Secret(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS));
        bouncer = BOUNCERS.start(config);
    }

    private static Connection connect(int port, String db, String user, String password) throws SQLException {
        return Jdbc.connect("127.0.0.1", port, db, user, password);
    }

    private static Connection connectMd5User(String db) throws SQLException {
        return connect(config.port(), db, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS);
    }

    @Test
    void cancelOfPgSleepReturns57014WithinOneSecond() throws Exception {
        try (Connection c = connectMd5User(PostgresCluster.DB); Statement st = c.createStatement()) {
            AtomicLong failedAt = new AtomicLong();
            CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    st.executeQuery(SLEEP_30);
                    return null;
                } catch (SQLException e) {
                    failedAt.set(System.nanoTime());
                    return e;
                }
            });
            PgStatActivity activity = PgStatActivity.of(pg);
            assertTrue(Poll.until(Duration.ofSeconds(10), () -> activity.activeQueries(SLEEP_30) == 1),
                    "the query never started on the server");

            long cancelledAt = System.nanoTime();
            st.cancel();
            SQLException e = outcome.get(5, TimeUnit.SECONDS);

            assertNotNull(e, "the query was not cancelled");
            assertEquals("57014", e.getSQLState(), e::toString);
            assertEquals("canceling statement due to user request", serverError(e).getMessage());
            long millis = TimeUnit.NANOSECONDS.toMillis(failedAt.get() - cancelledAt);
            assertTrue(millis < 1000, "cancel took " + millis + " ms");
            try (ResultSet rs = st.executeQuery("SELECT 'after cancel'")) {
                assertTrue(rs.next());
                assertEquals("after cancel", rs.getString(1));
            }
        }
    }

    @Test
    void nextClientOnTheSameServerFindsItResetByDiscardAll() throws SQLException {
        int firstPid;
        try (Connection first = connectMd5User(SINGLE_DB); Statement st = first.createStatement()) {
            firstPid = backendPid(st);
            st.execute("SET work_mem = '7MB'");
            st.execute("CREATE TEMP TABLE left_behind (x int)");
            st.execute("PREPARE left_behind_plan AS SELECT 1");
        }
        try (Connection second = connectMd5User(SINGLE_DB); Statement st = second.createStatement()) {
            assertEquals(firstPid, backendPid(st), "pool_size=1 in session mode reuses the one server connection");
            try (ResultSet rs = st.executeQuery("SELECT current_setting('work_mem'), to_regclass('left_behind'),"
                    + " (SELECT count(*) FROM pg_prepared_statements)")) {
                assertTrue(rs.next());
                assertEquals("4MB", rs.getString(1));
                assertNull(rs.getString(2));
                assertEquals(0, rs.getInt(3));
            }
        }
    }

    @Test
    void clientSeesServerParametersAndABackendKeyOfJBouncer() throws SQLException {
        try (Connection c = connectMd5User(PostgresCluster.DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version'), pg_backend_pid()")) {
            assertTrue(rs.next());
            PgConnection pgConnection = c.unwrap(PgConnection.class);
            assertEquals(rs.getString(1), pgConnection.getParameterStatus("server_version"));
            assertEquals("UTF8", pgConnection.getParameterStatus("server_encoding"));
            assertNotEquals(rs.getInt(2), pgConnection.getBackendPID(),
                    "the BackendKeyData must be jbouncer's own, not the server's");
        }
    }

    private static int backendPid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void fiftyConcurrentClientsShareFiveServerConnections() throws Exception {
        assertTrue(Poll.until(Duration.ofSeconds(10), () -> backendCount(POOL_USER) == 0));
        int clients = 50;
        AtomicInteger maxBackends = new AtomicInteger();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            ScheduledFuture<?> sampling = sampler.scheduleAtFixedRate(
                    () -> maxBackends.accumulateAndGet(backendCount(POOL_USER), Math::max),
                    0, 20, TimeUnit.MILLISECONDS);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int client = i;
                results.add(pool.submit(() -> {
                    go.await();
                    return runShortSession(client);
                }));
            }
            go.countDown();
            for (int i = 0; i < clients; i++) {
                assertEquals(POOL_USER + " " + i, results.get(i).get(60, TimeUnit.SECONDS));
            }
            assertFalse(sampling.isDone(), "the backend sampler failed, so its maximum proves nothing");
        } finally {
            pool.shutdownNow();
            sampler.shutdown();
            assertTrue(sampler.awaitTermination(10, TimeUnit.SECONDS));
        }
        int after = backendCount(POOL_USER);
        assertTrue(maxBackends.get() <= 5, "server connections peaked at " + maxBackends.get());
        assertTrue(after >= 1 && after <= 5, "session pool keeps its servers for reuse, got " + after);
    }

    private static String runShortSession(int client) throws SQLException {
        try (Connection c = connect(config.port(), POOL5_DB, POOL_USER, POOL_PASS);
             PreparedStatement st = c.prepareStatement("SELECT current_user || ' ' || ?::int")) {
            try (Statement plain = c.createStatement()) {
                plain.execute("SELECT pg_sleep(0.05)");
                plain.execute("SELECT 1");
            }
            st.setInt(1, client);
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }

    @Test
    void clientBeyondMaxClientConnIsRefused() throws SQLException {
        JBouncerConfig limited = JBouncerConfig.create()
                .set("ignore_startup_parameters", "extra_float_digits")
                .set("max_client_conn", "3")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(PostgresCluster.MD5_USER,
                        PostgresCluster.md5Secret(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS));
        try (JBouncerProcess limitedBouncer = BOUNCERS.start(limited)) {
            List<Connection> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    open.add(connect(limited.port(), PostgresCluster.DB, PostgresCluster.MD5_USER,
                            PostgresCluster.MD5_PASS));
                }
                SQLException e = assertThrows(SQLException.class, () -> connect(limited.port(),
                        PostgresCluster.DB, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS).close());
                ServerErrorMessage error = serverError(e);
                assertEquals("FATAL", error.getSeverity());
                assertEquals("08P01", error.getSQLState());
                assertEquals("no more connections allowed (max_client_conn)", error.getMessage());

                open.remove(0).close();
                assertTrue(Poll.until(Duration.ofSeconds(10), () -> canConnect(limited.port())),
                        "a freed client slot is not reusable");
            } finally {
                for (Connection c : open) {
                    c.close();
                }
            }
        }
    }

    private static boolean canConnect(int port) {
        try (Connection c = connect(port, PostgresCluster.DB, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS)) {
            return c.isValid(5);
        } catch (SQLException refused) {
            return false;
        }
    }

    @Test
    void clientKilledInsideATransactionLeavesNoTransactionBehind() throws Exception {
        String connstring = "host=127.0.0.1 port=" + config.port() + " dbname=" + SINGLE_DB + " user="
                + PostgresCluster.MD5_USER + " sslmode=disable";
        KilledClient.killInsideTransaction(pg, connstring, PostgresCluster.MD5_PASS,
                "INSERT INTO t (id, v) VALUES (8001, 'never committed')");

        try (Connection clientB = connectMd5User(SINGLE_DB); Statement st = clientB.createStatement()) {
            KilledClient.assertNothingInherited(st, "t", 8001);
        }
    }

    private static int backendCount(String user) {
        try {
            return pg.backendCount(user);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count backends of " + user, e);
        }
    }

    private static ServerErrorMessage serverError(SQLException e) {
        ServerErrorMessage error = assertInstanceOf(PSQLException.class, e).getServerErrorMessage();
        assertNotNull(error, () -> "not an ErrorResponse: " + e);
        return error;
    }
}
