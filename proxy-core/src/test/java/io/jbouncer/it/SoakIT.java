package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.Exec;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Pgbench;
import io.jbouncer.it.support.PgStatActivity;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.TestRole;
import io.jbouncer.it.support.WireMessages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;

/**
 * The soak (docs/reliability.md), not part of the normal build: it runs only with {@code -Djbouncer.soak.minutes=N}.
 * A mixed workload for N minutes against one jbouncer with paranoid leak detection: pgbench in a transaction pool,
 * session-pool clients with server-side prepared statements, COPY in and out, cancels, clients that vanish
 * mid-query, and a RELOAD every ten seconds. Every {@code jbouncer.soak.sample.seconds} (60) it prints jbouncer's
 * resident set, heap after a full GC, open descriptors and server connections, and it fails when, after the first
 * sample, the heap after GC or the descriptors keep growing, the servers exceed the pools, or a client saw an error.
 *
 * <pre>{@code
 * mvn -B verify -pl proxy-core -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=SoakIT -Djbouncer.soak.minutes=30
 * }</pre>
 */
class SoakIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String BENCH_DB = "soakbench";
    private static final String SESSION_DB = "soaksession";
    private static final int BENCH_POOL = 5;
    private static final int SESSION_POOL = 4;
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
    private static final String SLEEP = "SELECT pg_sleep(5) -- soak";
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    private static PgStatActivity activity;

    /** One line of the per-interval report. */
    private record Sample(long rssMb, long heapAfterGcMb, int descriptors, int servers) {
    }

    @Test
    void mixedWorkloadKeepsResourcesFlat() throws Exception {
        int minutes = Integer.getInteger("jbouncer.soak.minutes", 0);
        assumeTrue(minutes > 0, "the soak runs only with -Djbouncer.soak.minutes=N");
        Duration interval = Duration.ofSeconds(Integer.getInteger("jbouncer.soak.sample.seconds", 60));
        PostgresCluster pg = PostgresCluster.shared();
        activity = PgStatActivity.of(pg);
        TestRole role = TestRole.create(pg, "soak_user");
        Pgbench.of(pg).createDatabase(role, BENCH_DB);
        try (Connection c = pg.superuserJdbc(BENCH_DB); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS soak_copy (id int, note text)");
            st.execute("GRANT ALL ON soak_copy TO " + role.name());
        }
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("auth_type", "trust")
                .set("max_client_conn", "200")
                .set("max_prepared_statements", "100")
                .set("admin_users", role.name())
                .database(BENCH_DB, pg.connstring(BENCH_DB) + " pool_size=" + BENCH_POOL)
                .database(SESSION_DB, pg.connstring(BENCH_DB) + " pool_mode=session pool_size=" + SESSION_POOL)
                .user(role.name(), role.password());
        // jcmd without the attach listener running would send SIGQUIT, which ends jbouncer as it ends PgBouncer.
        JBouncerProcess bouncer = BOUNCERS.start(config, List.of("-XX:+StartAttachListener"));
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        AtomicLong errors = new AtomicLong();
        List<String> firstErrors = new ArrayList<>();

        List<Sample> samples = new ArrayList<>();
        try (ConcurrentClients<Void> load = ConcurrentClients.start(6, worker -> {
            while (System.nanoTime() < end) {
                try {
                    switch (worker) {
                        case 0 -> preparedStatements(role, config);
                        case 1 -> copyInAndOut(role, config);
                        case 2 -> cancel(role, config);
                        case 3 -> vanishMidQuery(role, config);
                        case 4 -> reload(role, config);
                        default -> pgbench(pg, role, config, end);
                    }
                } catch (SQLException | RuntimeException e) {
                    if (errors.incrementAndGet() <= 5) {
                        synchronized (firstErrors) {
                            firstErrors.add(worker + ": " + e);
                        }
                    }
                }
            }
            return null;
        })) {
            while (System.nanoTime() < end) {
                long next = System.nanoTime() + interval.toNanos();
                while (System.nanoTime() < next && System.nanoTime() < end) {
                    TimeUnit.MILLISECONDS.sleep(Math.min(1000, interval.toMillis())); // the sampling period
                }
                Sample sample = sample(bouncer, role, config);
                samples.add(sample);
                System.out.printf("soak %3d s: rss %d MB, heap after GC %d MB, descriptors %d, servers %d%n",
                        samples.size() * interval.toSeconds(), sample.rssMb(), sample.heapAfterGcMb(),
                        sample.descriptors(), sample.servers());
            }
            load.await(Duration.ofMinutes(2));
        }
        assertEquals(0, errors.get(), () -> "client errors, the first: " + firstErrors);
        assertTrue(samples.size() >= 2, "too short to compare samples: " + samples);
        assertTrue(bouncer.awaitExit(Duration.ZERO).isEmpty(), "jbouncer exited");
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        assertTrue(last.heapAfterGcMb() <= first.heapAfterGcMb() * 3 / 2 + 16, "heap after GC grew: " + samples);
        assertTrue(last.descriptors() <= first.descriptors() + 20, "descriptors grew: " + samples);
        assertTrue(samples.stream().allMatch(s -> s.servers() <= BENCH_POOL + SESSION_POOL), "servers: " + samples);
    }

    private static Sample sample(JBouncerProcess bouncer, TestRole role, JBouncerConfig config) throws Exception {
        String pid = Integer.toString(bouncer.pid());
        Exec.check(Path.of("."), Duration.ofSeconds(30), List.of("jcmd", pid, "GC.run"));
        Matcher used = HEAP_USED.matcher(
                Exec.check(Path.of("."), Duration.ofSeconds(30), List.of("jcmd", pid, "GC.heap_info")));
        long heapMb = used.find() ? Long.parseLong(used.group(1)) / 1024 : -1;
        int descriptors;
        try (Stream<Path> fds = Files.list(Path.of("/proc", pid, "fd"))) {
            descriptors = (int) fds.count();
        }
        int servers = 0;
        try (Connection console = AdminConsole.connect(config.port(), role.name(), role.password())) {
            for (Map<String, String> pool : AdminConsole.rows(console, "SHOW POOLS")) {
                for (String column : List.of("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")) {
                    servers += Integer.parseInt(pool.get(column));
                }
            }
        }
        return new Sample(bouncer.residentSetBytes() >> 20, heapMb, descriptors, servers);
    }

    /** pgbench, 10 clients in the transaction pool, for up to a minute (the helper's limit is two). */
    private static void pgbench(PostgresCluster pg, TestRole role, JBouncerConfig config, long end) {
        long seconds = Math.max(1, Math.min(60, TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime())));
        Pgbench.Result result = Pgbench.of(pg).run(role.password(), "-n", "-c", "10", "-j", "2",
                "-T", Long.toString(seconds), "-h", "127.0.0.1", "-p", Integer.toString(config.port()),
                "-U", role.name(), BENCH_DB);
        Matcher failed = FAILED.matcher(result.output());
        if (result.exitCode() != 0 || !failed.find() || !"0".equals(failed.group(1))) {
            throw new IllegalStateException("pgbench: " + result.output());
        }
    }

    private static void preparedStatements(TestRole role, JBouncerConfig config) throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "1");
        for (String db : List.of(BENCH_DB, SESSION_DB)) {
            try (Connection c = role.connect(config.port(), db, props);
                 PreparedStatement st = c.prepareStatement("SELECT abalance FROM pgbench_accounts WHERE aid = ?")) {
                for (int i = 1; i <= 50; i++) {
                    st.setInt(1, i);
                    st.executeQuery().close();
                }
            }
        }
    }

    private static void copyInAndOut(TestRole role, JBouncerConfig config) throws SQLException {
        try (Connection c = role.connect(config.port(), BENCH_DB)) {
            var copy = c.unwrap(PGConnection.class).getCopyAPI();
            byte[] rows = "1\ta\n2\tb\n3\tc\n".repeat(100).getBytes(StandardCharsets.UTF_8);
            copy.copyIn("COPY soak_copy FROM STDIN", new ByteArrayInputStream(rows));
            copy.copyOut("COPY (SELECT * FROM soak_copy LIMIT 1000) TO STDOUT", new StringWriter());
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM soak_copy");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A query of a session-pool client, cancelled by pgjdbc (a CancelRequest through jbouncer) once it runs. */
    private static void cancel(TestRole role, JBouncerConfig config) throws SQLException {
        try (Connection c = role.connect(config.port(), SESSION_DB); Statement st = c.createStatement()) {
            CompletableFuture<Void> cancelled = CompletableFuture.runAsync(() -> {
                try {
                    Poll.until(Duration.ofSeconds(5), () -> activity.activeQueries(SLEEP) > 0);
                    st.cancel();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                st.execute(SLEEP);
                throw new IllegalStateException("pg_sleep(5) was not cancelled");
            } catch (SQLException e) {
                if (!"57014".equals(e.getSQLState())) {
                    throw e;
                }
            }
            cancelled.join();
        }
    }

    /** Clients that vanish inside a transaction and in the middle of a result. */
    private static void vanishMidQuery(TestRole role, JBouncerConfig config) throws SQLException {
        try (RawConnection raw = WireMessages.login(config.port(), role.name(), BENCH_DB)) {
            raw.send(WireMessages.query("BEGIN; UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1"));
            WireMessages.replies(raw);
        }
        try (RawConnection raw = WireMessages.login(config.port(), role.name(), BENCH_DB)) {
            raw.send(WireMessages.query("SELECT repeat('x', 1000) FROM generate_series(1, 100000)"));
            raw.readMessage();
        }
    }

    private static void reload(TestRole role, JBouncerConfig config) throws SQLException {
        try (Connection console = AdminConsole.connect(config.port(), role.name(), role.password())) {
            AdminConsole.command(console, "RELOAD");
        }
        try {
            TimeUnit.SECONDS.sleep(10); // the reload period
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
