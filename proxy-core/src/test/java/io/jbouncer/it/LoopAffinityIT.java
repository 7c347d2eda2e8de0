package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.Backends;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PeakSampler;
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
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Loop-affine pools (docs/architecture.md, 3.1) on a jbouncer with {@value #LOOPS} worker event loops: clients land
 * on every loop, servers are opened on their clients' loops and kept idle per loop, yet the pool-wide limits stay
 * exact as PostgreSQL and SHOW SERVERS count them, and queued clients are served first come, first served within
 * the documented bound of the own-loop preference.
 */
class LoopAffinityIT {

    /** Worker loops of the jbouncer under test: one per (JVM-visible) core. */
    private static final int LOOPS = 4;
    private static final List<String> FOUR_LOOPS = List.of("-XX:ActiveProcessorCount=" + LOOPS);
    private static final Duration FINISH = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(15);

    private static final PostgresCluster pg = PostgresCluster.shared();
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    /**
     * Two pools of one database, pool_size=4 and reserve_pool_size=2 each, under max_db_connections=5, and 48
     * clients (24 per pool, spread over the loops) running short transactions at once: PostgreSQL never sees more
     * than 5 of their backends, SHOW SERVERS never lists more than 5 servers of the database nor more than 6 of a
     * pool, and once all is over SHOW POOLS accounts for every backend and no client.
     */
    @Test
    void poolLimitsStayExactWithClientsOnEveryLoop() throws Exception {
        TestRole first = TestRole.create(pg, "affinity_a");
        TestRole second = TestRole.create(pg, "affinity_b");
        int cap = 5;
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", first.name())
                .set("reserve_pool_timeout", "0.1")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("affine", pg.connstring(PostgresCluster.DB)
                        + " pool_size=4 reserve_pool_size=2 max_db_connections=" + cap)
                .user(first.name(), first.password())
                .user(second.name(), second.password());
        JBouncerProcess bouncer = BOUNCERS.start(config, FOUR_LOOPS);
        Backends backends = Backends.of(pg, first.name(), second.name());
        int clients = 48;
        int transactions = 25;
        // One console per sampler: each samples on its own thread.
        try (Connection console = AdminConsole.connect(config.port(), first.name(), first.password());
             Connection listedConsole = AdminConsole.connect(config.port(), first.name(), first.password());
             Connection poolConsole = AdminConsole.connect(config.port(), first.name(), first.password())) {
            try (PeakSampler pgPeak = PeakSampler.start("affinity-pg", backends::count);
                 PeakSampler listedPeak = PeakSampler.start("affinity-servers", () -> servers(listedConsole, null));
                 PeakSampler poolPeak = PeakSampler.start("affinity-pool", () -> servers(poolConsole, first.name()))) {
                List<Integer> done = ConcurrentClients.run(clients, FINISH, client -> {
                    TestRole role = client % 2 == 0 ? first : second;
                    try (Connection c = role.connect(config.port(), "affine")) {
                        c.setAutoCommit(false);
                        for (int i = 0; i < transactions; i++) {
                            try (Statement st = c.createStatement()) {
                                st.execute("SELECT pg_sleep(0.001)");
                                st.execute("SELECT " + i);
                            }
                            c.commit();
                        }
                    }
                    return transactions;
                });
                assertEquals(clients * transactions, done.stream().mapToInt(Integer::intValue).sum());
                assertTrue(pgPeak.peak() <= cap, () -> "PostgreSQL saw " + pgPeak.peak() + " backends; log:\n"
                        + bouncer.log());
                assertTrue(listedPeak.peak() <= cap, "SHOW SERVERS listed " + listedPeak.peak() + " servers");
                assertTrue(poolPeak.peak() <= 6, "one pool had " + poolPeak.peak() + " servers");
                assertTrue(pgPeak.peak() >= 4, "the load should have filled the pools: peak " + pgPeak.peak());
            }
            assertTrue(Poll.until(SETTLE, () -> poolsAccountFor(console, backends.count())),
                    () -> "SHOW POOLS does not match PostgreSQL's " + backends.count() + " backends: "
                            + pools(console));
        }
    }

    /**
     * pool_size=1: while one client holds the only server, {@value #LOOPS}x2 clients queue one after the other (on
     * all loops); when it commits they are served in queue order, up to the own-loop preference's bound: the
     * client at queue position p (from 0) is among the first 3(p + 1) served, and every one is served.
     */
    @Test
    void queuedClientsAreServedInOrderWithinTheOwnLoopBound() throws Exception {
        TestRole role = TestRole.create(pg, "affinity_fifo");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", role.name())
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("fifo", pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(role.name(), role.password());
        JBouncerProcess bouncer = BOUNCERS.start(config, FOUR_LOOPS);
        int queued = 2 * LOOPS;
        List<Integer> served = new CopyOnWriteArrayList<>();
        List<Connection> waiters = new ArrayList<>();
        List<CompletableFuture<Void>> queries = new ArrayList<>();
        Properties noSetupQuery = new Properties();
        noSetupQuery.setProperty("assumeMinServerVersion", "9.0"); // else pgjdbc's login runs a SET, which queues
        try (Connection console = AdminConsole.connect(config.port(), role.name(), role.password());
             Connection holder = role.connect(config.port(), "fifo")) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT 1"); // the pool's one server is now held inside this transaction
            }
            for (int position = 0; position < queued; position++) {
                Connection waiter = role.connect(config.port(), "fifo", noSetupQuery);
                waiters.add(waiter);
                int p = position;
                queries.add(CompletableFuture.runAsync(() -> {
                    selectOne(waiter);
                    served.add(p);
                }));
                int expected = position + 1;
                assertTrue(Poll.until(SETTLE, () -> column(console, "cl_waiting").equals(Integer.toString(expected))),
                        () -> "client " + p + " never queued: " + pools(console));
            }
            holder.commit();
            CompletableFuture.allOf(queries.toArray(CompletableFuture[]::new)).get(FINISH.toSeconds(), TimeUnit.SECONDS);
        } finally {
            for (Connection waiter : waiters) {
                waiter.close();
            }
        }
        assertEquals(queued, served.size(), served::toString);
        for (int index = 0; index < served.size(); index++) {
            int position = served.get(index);
            assertTrue(index < 3 * (position + 1), () -> "served order " + served + " passes over a client more "
                    + "often than the own-loop preference allows; log:\n" + bouncer.log());
        }
    }

    private static void selectOne(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Servers SHOW SERVERS lists for database {@code affine}, of {@code user} only when not {@code null}. */
    private static int servers(Connection console, String user) {
        try {
            return (int) AdminConsole.rows(console, "SHOW SERVERS").stream()
                    .filter(row -> "affine".equals(row.get("database")))
                    .filter(row -> user == null || user.equals(row.get("user")))
                    .count();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHOW POOLS of {@code affine}: no client left, and its server columns add up to {@code backends}. */
    private static boolean poolsAccountFor(Connection console, int backends) {
        int servers = 0;
        for (Map<String, String> row : poolRows(console)) {
            for (String column : List.of("cl_active", "cl_waiting", "sv_active", "sv_tested", "sv_login")) {
                if (!"0".equals(row.get(column))) {
                    return false;
                }
            }
            servers += Integer.parseInt(row.get("sv_idle")) + Integer.parseInt(row.get("sv_used"));
        }
        return servers == backends;
    }

    private static List<Map<String, String>> poolRows(Connection console) {
        try {
            return AdminConsole.rows(console, "SHOW POOLS").stream()
                    .filter(row -> "affine".equals(row.get("database")) || "fifo".equals(row.get("database")))
                    .toList();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String column(Connection console, String name) {
        return poolRows(console).get(0).get(name);
    }

    private static String pools(Connection console) {
        return poolRows(console).toString();
    }
}
