package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.Backends;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.HeldTransactions;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PeakSampler;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pool sizes and connection caps in transaction pooling, as PostgreSQL sees them (PgBouncer config.md): the reserve
 * pool only after {@code reserve_pool_timeout}, {@code max_db_connections} and {@code max_user_connections} shared
 * by two pools (clients queue, idle servers of the other pool are evicted) and {@code min_pool_size}. Every test
 * starts a jbouncer of its own, since most of these settings are global, and uses roles of its own, so a backend
 * count sees that test's pools only.
 */
class PoolLimitsIT {

    private static final String RESERVE_WARNING = "taking connection from reserve_pool";
    private static final String EVICTED = "closing because: evicted";
    private static final int CAP = 3;
    private static final Duration GET_SERVER = Duration.ofSeconds(5);
    private static final Duration FINISH = Duration.ofSeconds(20);

    private static final PostgresCluster pg = PostgresCluster.shared();
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static JBouncerConfig transactionConfig() {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits");
    }

    /**
     * pool_size=2, reserve_pool_size=1, reserve_pool_timeout=1: of three clients holding transactions, two get
     * servers at once and the third only once it has waited a second, from the reserve; never a fourth server.
     */
    @Test
    void reservePoolServesAClientThatWaitedReservePoolTimeout() throws Exception {
        TestRole role = TestRole.create(pg, "limits_reserve_user");
        JBouncerConfig config = transactionConfig()
                .set("reserve_pool_timeout", "1")
                .database("reserve", pg.connstring(PostgresCluster.DB) + " pool_size=2 reserve_pool_size=1")
                .user(role.name(), role.password());
        JBouncerProcess bouncer = BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        try (PeakSampler sampler = PeakSampler.start("reserve", backends::count);
             HeldTransactions held = HeldTransactions.start(3, client -> role.connect(config.port(), "reserve"))) {
            long start = System.nanoTime();
            assertTrue(held.awaitEntered(2, GET_SERVER), "two clients should get the pool's two servers");
            assertTrue(held.awaitEntered(3, GET_SERVER), () -> "the third client never got the reserve server; log:\n"
                    + bouncer.log());
            long waitedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(waitedMillis >= 900, "the third client got a server after " + waitedMillis
                    + " ms, before reserve_pool_timeout = 1 s");
            assertEquals(3, backends.count(), "pool_size + reserve_pool_size servers");
            held.releaseAllAndAwait(FINISH);
            assertEquals(3, sampler.peak(), "PostgreSQL's peak backend count");
        }
        assertTrue(bouncer.log().contains(RESERVE_WARNING), bouncer::log);
    }

    /** reserve_pool_timeout=0 disables the reserve: the third client waits for one of the two servers. */
    @Test
    void reservePoolTimeoutZeroNeverUsesTheReserve() throws Exception {
        TestRole role = TestRole.create(pg, "limits_noreserve_user");
        JBouncerConfig config = transactionConfig()
                .set("reserve_pool_timeout", "0")
                .database("noreserve", pg.connstring(PostgresCluster.DB) + " pool_size=2 reserve_pool_size=1")
                .user(role.name(), role.password());
        JBouncerProcess bouncer = BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        try (PeakSampler sampler = PeakSampler.start("noreserve", backends::count);
             HeldTransactions held = HeldTransactions.start(3, client -> role.connect(config.port(), "noreserve"))) {
            assertTrue(held.awaitEntered(2, GET_SERVER), "two clients should get the pool's two servers");
            assertFalse(held.awaitEntered(3, Duration.ofSeconds(2)),
                    "the third client got a server while both were held: the reserve was used");

            held.release(1);

            assertTrue(held.awaitEntered(3, GET_SERVER), "the third client should get the released server");
            held.releaseAllAndAwait(FINISH);
            assertEquals(2, sampler.peak(), "PostgreSQL's peak backend count");
        }
        assertFalse(bouncer.log().contains(RESERVE_WARNING), bouncer::log);
    }

    /** max_db_connections=3 over the pools of two users of one database, each with pool_size=3. */
    @Test
    void maxDbConnectionsIsSharedByThePoolsOfTwoUsers() throws Exception {
        TestRole first = TestRole.create(pg, "limits_dbcap_a");
        TestRole second = TestRole.create(pg, "limits_dbcap_b");
        JBouncerConfig config = transactionConfig()
                .database("capdb", pg.connstring(PostgresCluster.DB) + " pool_size=3 max_db_connections=" + CAP)
                .user(first.name(), first.password())
                .user(second.name(), second.password());
        JBouncerProcess bouncer = BOUNCERS.start(config, "-v");
        Backends firstBackends = Backends.of(pg, first.name());
        Backends secondBackends = Backends.of(pg, second.name());
        assertCapSharedByTwoPools(bouncer, Backends.of(pg, first.name(), second.name())::count,
                new PoolSide(client -> first.connect(config.port(), "capdb"), firstBackends::count),
                new PoolSide(client -> second.connect(config.port(), "capdb"), secondBackends::count));
    }

    /** max_user_connections=3 over the pools of one user in two databases, each with pool_size=3. */
    @Test
    void maxUserConnectionsIsSharedByThePoolsOfTwoDatabases() throws Exception {
        TestRole user = TestRole.create(pg, "limits_usercap");
        JBouncerConfig config = transactionConfig()
                .set("max_user_connections", Integer.toString(CAP))
                .database("capuser1", pg.connstring(PostgresCluster.DB) + " pool_size=3")
                .database("capuser2", pg.connstring(PostgresCluster.DB2) + " pool_size=3")
                .user(user.name(), user.password());
        JBouncerProcess bouncer = BOUNCERS.start(config, "-v");
        Backends backends = Backends.of(pg, user.name());
        assertCapSharedByTwoPools(bouncer, backends::count,
                new PoolSide(client -> user.connect(config.port(), "capuser1"),
                        () -> backends.count(PostgresCluster.DB)),
                new PoolSide(client -> user.connect(config.port(), "capuser2"),
                        () -> backends.count(PostgresCluster.DB2)));
    }

    /** One of two pools under a shared cap: how its clients connect and how many backends it has. */
    private record PoolSide(HeldTransactions.Connector connector, IntSupplier backends) {
    }

    /**
     * A cap of {@value #CAP} shared by two pools: six clients, three per pool, holding transactions get three
     * servers between them while the others queue (not refused) and get servers as the first commit; then three
     * clients of the first pool leave it three idle servers, and three clients of the second pool get servers by
     * evicting them ({@code closing because: evicted}, logged with log_disconnections). PostgreSQL never sees more than the cap.
     */
    private static void assertCapSharedByTwoPools(JBouncerProcess bouncer, IntSupplier capped, PoolSide first,
            PoolSide second) throws Exception {
        try (PeakSampler sampler = PeakSampler.start("cap", capped)) {
            try (HeldTransactions mixed = HeldTransactions.start(2 * CAP,
                    client -> (client % 2 == 0 ? first : second).connector().connect(client))) {
                assertTrue(mixed.awaitEntered(CAP, GET_SERVER), () -> "the first " + CAP
                        + " clients should get servers; log:\n" + bouncer.log());
                assertFalse(mixed.awaitEntered(CAP + 1, Duration.ofSeconds(1)),
                        "a client got a server beyond the cap of " + CAP);

                mixed.release(CAP);

                assertTrue(mixed.awaitEntered(2 * CAP, GET_SERVER), () -> "the queued clients did not get the"
                        + " servers of those who committed; log:\n" + bouncer.log());
                mixed.releaseAllAndAwait(FINISH);
            }
            holdAndRelease(first, bouncer);
            assertTrue(Poll.until(GET_SERVER, () -> first.backends().getAsInt() == CAP
                            && second.backends().getAsInt() == 0),
                    () -> "the first pool should hold all " + CAP + " servers, idle; backends " + first.backends()
                            .getAsInt() + " + " + second.backends().getAsInt());
            holdAndRelease(second, bouncer);
            assertTrue(Poll.until(GET_SERVER, () -> first.backends().getAsInt() == 0),
                    "the first pool's idle servers should have been evicted");
            assertEquals(CAP, sampler.peak(), "PostgreSQL's peak backend count under the cap");
        }
        long evictions = bouncer.log().lines().filter(line -> line.contains(EVICTED)).count();
        assertTrue(evictions >= CAP, () -> evictions + " evictions logged; log:\n" + bouncer.log());
    }

    /** {@value #CAP} clients of {@code side} get servers at the same time, then commit and leave. */
    private static void holdAndRelease(PoolSide side, JBouncerProcess bouncer) throws Exception {
        try (HeldTransactions held = HeldTransactions.start(CAP, side.connector())) {
            assertTrue(held.awaitEntered(CAP, GET_SERVER), () -> "only " + held.entered() + " of " + CAP
                    + " clients got a server under the cap; log:\n" + bouncer.log());
            held.releaseAllAndAwait(FINISH);
        }
    }

    /**
     * min_pool_size=2: a pool with a client keeps two servers open although the client ran one query, and replaces
     * one that dies; once the client has left, a server that dies is not replaced.
     */
    @Test
    void minPoolSizeKeepsServersOpenWhileThePoolHasClients() throws Exception {
        TestRole role = TestRole.create(pg, "limits_min_user");
        JBouncerConfig config = transactionConfig()
                .database("warm", pg.connstring(PostgresCluster.DB) + " pool_size=5 min_pool_size=2")
                .user(role.name(), role.password());
        BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        try (Connection c = role.connect(config.port(), "warm"); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            assertTrue(Poll.until(Duration.ofSeconds(3), () -> backends.count() == 2),
                    () -> "min_pool_size=2 with a client: " + backends.count() + " backends");
            int victim = backends.pids().get(0);
            assertTrue(backends.terminate(victim));
            assertTrue(Poll.until(Duration.ofSeconds(3),
                    () -> backends.count() == 2 && !backends.pids().contains(victim)),
                    "a terminated server should be replaced while the pool has a client");
        }
        int victim = backends.pids().get(0);
        assertTrue(backends.terminate(victim));
        assertTrue(Poll.until(Duration.ofSeconds(3), () -> backends.count() == 1));
        assertFalse(Poll.until(Duration.ofSeconds(2), () -> backends.count() > 1),
                "min_pool_size opened a server for a pool without clients");
    }

    /** A database with a forced user has its pool from the start: min_pool_size servers open with no client. */
    @Test
    void minPoolSizeOpensServersOfAForcedUserPoolWithoutClients() throws Exception {
        TestRole role = TestRole.create(pg, "limits_forced_user");
        JBouncerConfig config = transactionConfig()
                .database("forced", pg.connstring(PostgresCluster.DB) + " user=" + role.name() + " password="
                        + role.password() + " pool_size=5 min_pool_size=2");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());
        assertTrue(Poll.until(Duration.ofSeconds(3), () -> backends.count() == 2),
                () -> "min_pool_size=2 for a forced user: " + backends.count() + " backends; log:\n" + bouncer.log());
    }
}
