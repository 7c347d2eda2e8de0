package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PoolRecovery;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.ShapedLink;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow, lossy network between jbouncer and PostgreSQL (docs/reliability.md, issue 15 section 1): PostgreSQL is
 * reached through a network namespace whose veth pair carries {@code netem} delay and loss, or a {@code tbf} rate
 * limit with a small dropping queue where the kernel lacks netem ({@link ShapedLink}). Under load every transaction
 * completes with its result intact, none takes as long as {@code query_timeout}, the servers stay within the pool,
 * and once the link is fast again so is the pooler.
 */
class SlowLinkIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "slowlink";
    private static final int POOL_SIZE = 4;
    private static final String ADMIN = "sl_admin";
    private static final String ADMIN_PASS = "sl_admin_pass";
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LOAD = Duration.ofSeconds(5);
    private static final int CLIENTS = 8;
    private static final int RESULT_BYTES = 64 * 1024;
    private static final int MEGABYTE = 1 << 20;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;

    @BeforeAll
    static void roles() throws SQLException {
        role = TestRole.create(pg, "sl_user");
    }

    @Test
    void slowLossyServerLinkUnderLoad() throws Exception {
        StringBuilder whyNot = new StringBuilder();
        Optional<ShapedLink> opened = ShapedLink.open(pg, whyNot);
        assumeTrue(opened.isPresent(), whyNot::toString);
        try (ShapedLink link = opened.get()) {
            JBouncerConfig config = JBouncerConfig.create()
                    .set("pool_mode", "transaction")
                    .set("auth_type", "trust")
                    .set("admin_users", ADMIN)
                    .set("query_timeout", Long.toString(QUERY_TIMEOUT.toSeconds()))
                    .set("ignore_startup_parameters", "extra_float_digits")
                    .database(DB, link.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                    .user(role.name(), role.password())
                    .user(ADMIN, ADMIN_PASS);
            JBouncerProcess bouncer = BOUNCERS.start(config);
            PoolRecovery checks = new PoolRecovery(pg, role, DB, POOL_SIZE, ADMIN, ADMIN_PASS);

            Duration shapedMegabyte = fetchMegabyte(config);
            Duration shapedRoundTrip = roundTrip(config);
            System.out.printf("slow link (%s): 1 MB in %d ms, SELECT 1 in %d ms%n", link.discipline(),
                    shapedMegabyte.toMillis(), shapedRoundTrip.toMillis());
            if (link.discipline().equals(ShapedLink.TBF)) {
                assertTrue(shapedMegabyte.compareTo(ShapedLink.TBF_MEGABYTE) >= 0, "the link is not slow");
            } else {
                assertTrue(shapedRoundTrip.compareTo(ShapedLink.NETEM_ROUND_TRIP) >= 0, "the link is not slow");
            }

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong slowestNanos = new AtomicLong();
            List<Integer> transactions;
            try (ConcurrentClients<Integer> load = ConcurrentClients.start(CLIENTS, client -> {
                int done = 0;
                try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        c.setAutoCommit(false);
                        try (ResultSet rs = st.executeQuery("SELECT repeat('x', " + RESULT_BYTES + ")")) {
                            assertTrue(rs.next());
                            assertEquals(RESULT_BYTES, rs.getString(1).length());
                        }
                        c.commit();
                        slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                        done++;
                    }
                }
                return done;
            })) {
                Thread.sleep(LOAD.toMillis()); // the load's duration, not a wait for something
                stop.set(true);
                transactions = load.await(QUERY_TIMEOUT.multipliedBy(2));
            }
            Duration slowest = Duration.ofNanos(slowestNanos.get());
            System.out.printf("slow link under load: %s transactions of %d kB per client in %d s, slowest %d ms%n",
                    transactions, RESULT_BYTES >> 10, LOAD.toSeconds(), slowest.toMillis());
            assertTrue(transactions.stream().filter(Objects::nonNull).allMatch(n -> n > 0),
                    "a client never got through: " + transactions);
            assertTrue(slowest.compareTo(QUERY_TIMEOUT) < 0, "a transaction took " + slowest.toMillis() + " ms");
            checks.assertServersWithinPool(config.port());

            link.unshape();
            Duration fastMegabyte = fetchMegabyte(config);
            System.out.printf("link fast again: 1 MB in %d ms%n", fastMegabyte.toMillis());
            assertTrue(fastMegabyte.compareTo(shapedMegabyte) < 0 || fastMegabyte.toMillis() < 500,
                    "still slow: " + fastMegabyte.toMillis() + " ms");
            checks.assertRecovered("a slow link", bouncer, config.port(), PoolRecovery.NO_PID, QUERY_TIMEOUT);
        }
    }

    private static Duration fetchMegabyte(JBouncerConfig config) throws SQLException {
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            long start = System.nanoTime();
            try (ResultSet rs = st.executeQuery("SELECT repeat('x', " + MEGABYTE + ")")) {
                assertTrue(rs.next());
                assertEquals(MEGABYTE, rs.getString(1).length());
            }
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }

    private static Duration roundTrip(JBouncerConfig config) throws SQLException {
        try (Connection c = role.connect(config.port(), DB); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            long start = System.nanoTime();
            st.execute("SELECT 1");
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }
}
