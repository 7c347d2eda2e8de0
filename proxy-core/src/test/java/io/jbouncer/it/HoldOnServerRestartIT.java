package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import io.jbouncer.it.support.Pgbench;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * hold_on_server_restart (issue 19, beyond PgBouncer): while PostgreSQL is down, clients that are not in a
 * transaction keep their connections and their queries wait, then run once it is back, instead of failing with
 * "server login has been failing". PgBouncer's fast-fail stays the default (PoolFailureIT covers it).
 */
class HoldOnServerRestartIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final int CLIENTS = 5;
    private static final int BENCH_CLIENTS = 16;
    private static final int BENCH_POOL_SIZE = 4;
    private static final String ADMIN = "hold_admin";
    private static final String ADMIN_PASS = "hold_admin_pass";

    @Test
    void queriesIssuedWhilePostgresIsDownWaitAndRunWhenItIsBack() throws Exception {
        TestRole role = TestRole.create(pg, "hold_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("hold_on_server_restart", "1")
                .set("query_wait_timeout", "60")
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("held", pg.connstring(PostgresCluster.DB))
                .user(role.name(), role.password())
                .user(ADMIN, ADMIN_PASS);
        List<Connection> clients = new ArrayList<>();
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            for (int i = 0; i < CLIENTS; i++) {
                Connection c = role.connect(config.port(), "held");
                clients.add(c);
                assertEquals(1, intQuery(c, "SELECT 1"));
            }
            List<CompletableFuture<Integer>> queries = new ArrayList<>();
            try {
                pg.stopForAWhile();
                assertTrue(Poll.until(Duration.ofSeconds(10), () -> serverCount(config) == 0),
                        "jbouncer did not notice its servers were terminated");
                for (Connection c : clients) {
                    queries.add(CompletableFuture.supplyAsync(() -> intQuery(c, "SELECT 42")));
                }
                assertTrue(Poll.until(Duration.ofSeconds(10), () -> waitingClients(config) == CLIENTS),
                        "the clients must queue while PostgreSQL is down; log:\n" + bouncer.log());
                assertTrue(queries.stream().noneMatch(CompletableFuture::isDone), "no query may fail meanwhile");
            } finally {
                pg.startAgain();
            }

            for (CompletableFuture<Integer> query : queries) {
                assertEquals(42, query.get(15, TimeUnit.SECONDS));
            }
            for (Connection c : clients) {
                assertEquals(7, intQuery(c, "SELECT 7"), "the same connection serves on");
            }
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    /**
     * {@code pg_ctl restart -m fast} in the middle of a pgbench run in transaction mode (16 clients on pool_size 4):
     * only clients whose transaction was open on a server at the restart may fail (pgbench aborts such a client),
     * so at most pool_size; every other client rides through the restart and carries on. The pause (the longest gap
     * between two completed transactions) is reported.
     */
    @Test
    void pgbenchRidesThroughAFastRestart(@TempDir Path dir) throws Exception {
        TestRole role = TestRole.create(pg, "hold_bench");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("hold_on_server_restart", "1")
                .database("held", pg.connstring(PostgresCluster.DB) + " pool_size=" + BENCH_POOL_SIZE)
                .user(role.name(), role.password());
        Path script = dir.resolve("bench.sql");
        Files.writeString(script, """
                BEGIN;
                SELECT count(*) FROM pg_class;
                SELECT pg_sleep(0.002);
                END;
                """, StandardCharsets.UTF_8);
        Path logPrefix = dir.resolve("tx");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            CompletableFuture<Pgbench.Result> bench = CompletableFuture.supplyAsync(() -> Pgbench.of(pg).run(
                    role.password(), "-n", "-c", Integer.toString(BENCH_CLIENTS), "-j", "2", "-T", "10",
                    "-f", script.toString(), "-l", "--log-prefix=" + logPrefix,
                    "-h", "127.0.0.1", "-p", Integer.toString(config.port()), "-U", role.name(), "held"));
            assertTrue(Poll.until(Duration.ofSeconds(20), () -> bench.isDone() || loggedSome(dir)),
                    "pgbench logged no transaction");
            long restartedAtMicros = epochMicros();
            pg.restart();
            long readyAtMicros = epochMicros();
            Pgbench.Result result = bench.get(60, TimeUnit.SECONDS);

            long aborted = result.output().lines().filter(line -> line.contains("aborted in command")).count();
            assertTrue(aborted <= BENCH_POOL_SIZE, aborted + " pgbench clients failed; only the " + BENCH_POOL_SIZE
                    + " that can hold a server may:\n" + result.output());
            assertTrue(result.output().contains("number of failed transactions: 0 (0.000%)"), result::output);
            List<Long> completions = completionsMicros(dir);
            long after = completions.stream().filter(t -> t > readyAtMicros).count();
            assertTrue(after >= 100, "only " + after + " transactions after the restart:\n" + result.output());
            System.out.printf("HoldOnServerRestartIT: pg_ctl restart -m fast took %d ms; longest gap between "
                    + "transactions %d ms; %d of %d clients aborted%n", (readyAtMicros - restartedAtMicros) / 1000,
                    longestGapMicros(completions) / 1000, aborted, BENCH_CLIENTS);
            result.output().lines().filter(line -> line.contains("aborted in command")).forEach(System.out::println);
        }
    }

    /** When each logged transaction finished (pgbench -l: {@code client tx latency script epoch_s epoch_us}). */
    private static List<Long> completionsMicros(Path dir) throws IOException {
        List<Long> times = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("tx.")).toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length >= 6) {
                        times.add(Long.parseLong(fields[4]) * 1_000_000 + Long.parseLong(fields[5]));
                    }
                }
            }
        }
        Collections.sort(times);
        return times;
    }

    private static long longestGapMicros(List<Long> sortedTimes) {
        long longest = 0;
        for (int i = 1; i < sortedTimes.size(); i++) {
            longest = Math.max(longest, sortedTimes.get(i) - sortedTimes.get(i - 1));
        }
        return longest;
    }

    private static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /** Whether pgbench has flushed its first transaction log lines (a buffer's worth: the load is running). */
    private static boolean loggedSome(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("tx.") && f.toFile().length() > 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int intQuery(Connection c, String sql) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
        }
    }

    private static int serverCount(JBouncerConfig config) {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            return (int) AdminConsole.rows(console, "SHOW SERVERS").stream()
                    .filter(row -> "held".equals(row.get("database"))).count();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long waitingClients(JBouncerConfig config) {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            return AdminConsole.number(console, "SHOW POOLS", "database", "held", "cl_waiting");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
