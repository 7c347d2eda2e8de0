package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.RawConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The 200 MB result ({@code SELECT repeat('x', 1000) FROM generate_series(1, 200000)}) streams through a
 * jbouncer whose JVM may use at most 96 MB of heap and 64 MB of direct memory: buffering the result would kill it,
 * so completing proves streaming, and its resident set is checked to grow by less than 64 MB.
 */
class LargeResultIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    /**
     * A fixed, pre-touched heap: its pages are resident from the start, so growth of the resident set while
     * streaming measures direct buffers and other native memory, the places a forwarded result would pile up.
     */
    private static final List<String> SMALL_MEMORY = List.of("-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch",
            "-XX:MaxDirectMemorySize=64m");
    private static final int ROWS = 200_000;
    private static final int WIDTH = 1000;
    private static final long MAX_GROWTH_BYTES = 64L << 20;
    private static final String USER = PostgresCluster.TRUST_USER;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() {
        config = JBouncerConfig.create()
                .set("auth_type", "trust")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(USER, "");
        bouncer = BOUNCERS.start(config, SMALL_MEMORY);
    }

    /** Runs before the extension stops the process and checks it for {@code LEAK:}. */
    @AfterAll
    static void noOutOfMemoryError() {
        if (bouncer != null) {
            assertFalse(bouncer.log().contains("OutOfMemoryError"), bouncer.log());
        }
    }

    private static String largeQuery(String tag) {
        return "SELECT repeat('x', " + WIDTH + ") FROM generate_series(1, " + ROWS + ") /* " + tag + " */";
    }

    @Test
    void psqlReceivesTheWholeResultWhileJBouncerMemoryStaysFlat() throws Exception {
        Psql psql = Psql.of(pg);
        String connstring = "host=127.0.0.1 port=" + config.port() + " dbname=" + PostgresCluster.DB + " user=" + USER
                + " sslmode=disable";
        assertEquals(0, psql.run(connstring, null, "-c", "SELECT 1").exitCode(), "warm-up");
        long baseline = bouncer.residentSetBytes();
        AtomicLong peak = new AtomicLong(baseline);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        Psql.Counted result;
        try {
            ScheduledFuture<?> sampling = sampler.scheduleAtFixedRate(
                    () -> peak.accumulateAndGet(bouncer.residentSetBytes(), Math::max), 0, 20, TimeUnit.MILLISECONDS);
            result = psql.countOutput(connstring, null, "-A", "-t", "-c", largeQuery("psql"));
            assertFalse(sampling.isDone(), "the memory sampler failed, so its peak proves nothing");
        } finally {
            sampler.shutdown();
            assertTrue(sampler.awaitTermination(10, TimeUnit.SECONDS));
        }

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals((long) ROWS * (WIDTH + 1), result.stdoutBytes(), "one line of 1000 x and a newline per row");
        assertGrewLessThanLimit(baseline, peak.get());
    }

    @Test
    void slowReaderMakesJBouncerStopReadingFromTheServer() {
        String sql = largeQuery("slow reader");
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(RawConnection.startupMessage(3, 0, "user", USER, "database", PostgresCluster.DB));
            skipUntilReadyForQuery(raw);
            long baseline = bouncer.residentSetBytes();

            raw.send(query(sql));
            AtomicInteger blockedSamples = new AtomicInteger();
            assertTrue(Poll.until(Duration.ofSeconds(30),
                    () -> (serverBlockedWritingTo(sql) ? blockedSamples.incrementAndGet() : resetTo(blockedSamples))
                            >= 10),
                    "PostgreSQL never stayed blocked on ClientWrite: jbouncer keeps reading for a client that"
                            + " does not");
            assertGrewLessThanLimit(baseline, bouncer.residentSetBytes());

            assertEquals('T', raw.readMessage().tag());
            long rows = 0;
            long bytes = 0;
            RawConnection.Message message = raw.readMessage();
            while (message.tag() == 'D') {
                ByteBuffer row = message.buffer();
                assertEquals(1, row.getShort());
                bytes += row.getInt();
                rows++;
                message = raw.readMessage();
            }
            assertEquals('C', message.tag());
            assertEquals("SELECT " + ROWS + "\0", new String(message.body(), StandardCharsets.US_ASCII));
            assertEquals('Z', raw.readMessage().tag());
            assertEquals(ROWS, rows);
            assertEquals((long) ROWS * WIDTH, bytes);
        }
    }

    private static int resetTo(AtomicInteger counter) {
        counter.set(0);
        return 0;
    }

    private static void assertGrewLessThanLimit(long baseline, long peak) {
        long growth = peak - baseline;
        assertTrue(growth < MAX_GROWTH_BYTES, "jbouncer's resident set grew by " + (growth >> 20) + " MB (from "
                + (baseline >> 20) + " MB) while streaming " + ((long) ROWS * WIDTH >> 20) + " MB");
    }

    private static void skipUntilReadyForQuery(RawConnection raw) {
        RawConnection.Message message = raw.readMessage();
        while (message.tag() != 'Z') {
            if (message.tag() == 'E') {
                throw new AssertionError("login failed: " + message.fields());
            }
            message = raw.readMessage();
        }
    }

    private static byte[] query(String sql) {
        byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + text.length).put((byte) 'Q').putInt(4 + text.length).put(text).array();
    }

    /** Whether the backend running {@code sql} is blocked writing to its client (jbouncer) right now. */
    private static boolean serverBlockedWritingTo(String sql) {
        try (Connection c = pg.superuserJdbc("postgres");
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE query = ? AND state = 'active' AND wait_event = 'ClientWrite'")) {
            st.setString(1, sql);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        }
    }
}
