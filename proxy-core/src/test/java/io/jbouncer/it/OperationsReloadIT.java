package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.PsqlConsole;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Pgbench;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.TestRole;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hot reload of a running jbouncer process (issue 6): SIGHUP and the console's RELOAD after editing
 * {@code pgbouncer.ini} and {@code userlist.txt}; added, removed and changed databases; a rejected config; reloads
 * under pgbench load; log rotation; and that no password reaches the log.
 */
class OperationsReloadIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(10);
    private static final String ADMIN = "ops_admin";
    private static final String ADMIN_PASS = "ops_admin_secret_4711";
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole user;
    private static TestRole newUser;

    @BeforeAll
    static void roles() throws SQLException {
        user = TestRole.create(pg, "ops_reload_user");
        newUser = TestRole.create(pg, "ops_reload_new");
    }

    /** app (transaction pooling), the test user and a console admin; callers add what they need. */
    private static JBouncerConfig baseConfig() {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", ADMIN)
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(user.name(), user.password())
                .user(ADMIN, ADMIN_PASS);
    }

    private static PsqlConsole console(JBouncerConfig config) {
        return PsqlConsole.unixSocket(pg, config, ADMIN, ADMIN_PASS);
    }

    @Test
    void sighupAddsDatabaseAndUser() throws SQLException {
        JBouncerConfig config = baseConfig();
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            assertTrue(loginFails(newUser, config.port(), "ops_added"));

            config.database("ops_added", pg.connstring(PostgresCluster.DB)).user(newUser.name(), newUser.password())
                    .write();
            bouncer.signal("HUP");

            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> !loginFails(newUser, config.port(), "ops_added")),
                    bouncer::log);
            try (Connection c = newUser.connect(config.port(), "ops_added");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_user, current_database()")) {
                assertTrue(rs.next());
                assertEquals(newUser.name(), rs.getString(1));
                assertEquals(PostgresCluster.DB, rs.getString(2));
            }
            assertTrue(console(config).show("SHOW DATABASES").stream()
                    .anyMatch(row -> row.get("name").equals("ops_added")));
            Map<String, String> state = console(config).state();
            assertEquals("ok", state.get("last_reload_result"), state::toString);
        }
    }

    /**
     * 20 pgbench clients in transaction mode on pool_size=4 for 6 s while the file is edited and reloaded over and
     * over (a new database and a changed pool size each time): not one transaction may fail.
     */
    @Test
    void reloadsUnderPgbenchLoadFailNoTransaction() throws Exception {
        JBouncerConfig config = baseConfig().set("max_client_conn", "100")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB) + " pool_size=4");
        Path script = config.dir().resolve("bench.sql");
        Files.writeString(script, """
                \\set n random(1, 1000)
                BEGIN;
                SELECT :n + 1;
                SELECT pg_backend_pid(), now();
                END;
                """, StandardCharsets.UTF_8);
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            CompletableFuture<Pgbench.Result> bench = CompletableFuture.supplyAsync(() -> Pgbench.of(pg).run(
                    user.password(), "-n", "-c", "20", "-j", "2", "-T", "6", "-f", script.toString(),
                    "-h", "127.0.0.1", "-p", Integer.toString(config.port()), "-U", user.name(),
                    PostgresCluster.DB));
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> backends(user) > 0), "pgbench never reached PostgreSQL");

            int reloads = 0;
            while (!bench.isDone() && reloads < 8) {
                String added = "ops_bench_" + reloads;
                config.database(added, pg.connstring(PostgresCluster.DB))
                        .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB) + " pool_size="
                                + (reloads % 2 == 0 ? 5 : 4))
                        .write();
                bouncer.signal("HUP");
                assertTrue(Poll.until(RELOAD_TIMEOUT, () -> listsDatabase(config, added)), bouncer::log);
                reloads++;
                awaitQuietly(bench, Duration.ofMillis(500)); // pacing: spread the reloads over the run
            }
            Pgbench.Result result = bench.get(60, TimeUnit.SECONDS);

            assertTrue(reloads >= 3, "only " + reloads + " reloads happened during pgbench");
            assertEquals(0, result.exitCode(), result::output);
            Matcher failed = FAILED.matcher(result.output());
            assertTrue(failed.find(), result::output);
            assertEquals("0", failed.group(1), result::output);
            assertFalse(result.output().contains("aborted"), result::output);
        }
    }

    /**
     * A file with an unknown key is rejected whole, by SIGHUP and by RELOAD: the database added above the bad line
     * does not appear, the old config keeps serving, RELOAD answers F0000 with file:line, SHOW STATE says failed
     * and the log has the error.
     */
    @Test
    void brokenConfigIsRejectedAndTheOldOneKeepsServing() throws Exception {
        JBouncerConfig config = baseConfig();
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            Path ini = config.database("ops_half", pg.connstring(PostgresCluster.DB)).set("no_such_key", "1").write();
            String location = ini + ":" + lineOf(ini, "no_such_key = 1") + ": no_such_key: unknown parameter: "
                    + "pgbouncer/no_such_key";

            bouncer.signal("HUP");
            assertTrue(bouncer.awaitLog("ERROR config file loading failed: " + location, RELOAD_TIMEOUT), bouncer::log);
            Psql.Result reload = console(config).run("RELOAD");

            assertEquals(1, reload.exitCode(), reload.stdout());
            assertTrue(reload.stderr().contains(
                    "ERROR:  F0000: RELOAD failed, see logs for additional details: " + location), reload.stderr());
            Map<String, String> state = console(config).state();
            assertEquals("failed", state.get("last_reload_result"), state::toString);
            assertTrue(state.get("last_reload_message").contains(location), state::toString);
            assertTrue(loginFails(user, config.port(), "ops_half"));
            assertEquals(1, selectOne(user, config.port(), PostgresCluster.DB));
        }
    }

    /** A removed database refuses new logins while its connected client carries on, transaction after transaction. */
    @Test
    void removedDatabaseRefusesNewLoginsButKeepsItsClient() throws SQLException {
        JBouncerConfig config = baseConfig().database("ops_gone", pg.connstring(PostgresCluster.DB));
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection client = user.connect(config.port(), "ops_gone");
             Statement st = client.createStatement()) {
            bouncer.awaitSignalHandlers();
            assertEquals(1, single(st, "SELECT 1"));

            config.removeDatabase("ops_gone").write();
            bouncer.signal("HUP");

            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> loginFails(user, config.port(), "ops_gone")), bouncer::log);
            SQLException refused = assertThrows(SQLException.class, () -> user.connect(config.port(), "ops_gone"));
            assertTrue(refused.getMessage().contains("no such database: ops_gone"), refused.getMessage());
            for (int i = 2; i <= 5; i++) {
                assertEquals(i, single(st, "SELECT " + i));
            }
            client.setAutoCommit(false);
            assertEquals(6, single(st, "SELECT 6"));
            client.commit();
        }
    }

    /**
     * The port of a database changes to one nobody listens on: its idle server connections are closed (SHOW SERVERS
     * empties) and the next query of a connected client fails fast instead of waiting for query_wait_timeout.
     */
    @Test
    void changedPortClosesIdleServersAndNewQueriesFailFast() throws Exception {
        JBouncerConfig config = baseConfig().set("query_wait_timeout", "30");
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection a = user.connect(config.port(), PostgresCluster.DB);
             Connection b = user.connect(config.port(), PostgresCluster.DB)) {
            bouncer.awaitSignalHandlers();
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            try (Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
                single(sa, "SELECT 1");
                single(sb, "SELECT 1"); // two transactions at once: two server connections
                a.commit();
                b.commit();
            }
            a.setAutoCommit(true);
            assertEquals(2, console(config).show("SHOW SERVERS").size());

            config.database(PostgresCluster.DB, "host=127.0.0.1 port=" + FreePort.find() + " dbname="
                    + PostgresCluster.DB).write();
            bouncer.signal("HUP");

            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> console(config).show("SHOW SERVERS").isEmpty()),
                    () -> console(config).show("SHOW SERVERS") + "\n" + bouncer.log());
            assertTrue(bouncer.log().contains("database configuration changed"), bouncer::log);
            long start = System.nanoTime();
            try (Statement st = a.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> single(st, "SELECT 1"));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "failed only after " + took + ": " + e);
            }
        }
    }

    /** Rename the logfile, SIGHUP: a new file is created and gets the new lines, the renamed one stops growing. */
    @Test
    void logRotationByRenameAndSighup() throws Exception {
        JBouncerConfig config = baseConfig();
        Path logfile = config.dir().resolve("jbouncer.log");
        Path rotated = config.dir().resolve("jbouncer.log.1");
        config.set("logfile", logfile.toString()).set("log_connections", "1");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> read(logfile).contains("process up")), bouncer::log);
            Files.move(logfile, rotated);

            bouncer.signal("HUP");
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> Files.exists(logfile)), bouncer::log);
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> console(config).state().containsKey("last_reload_result")));
            long rotatedSize = Files.size(rotated);
            assertEquals(1, selectOne(user, config.port(), PostgresCluster.DB));

            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> read(logfile).contains("login attempt: db="
                    + PostgresCluster.DB + " user=" + user.name())), () -> read(logfile));
            assertEquals(rotatedSize, Files.size(rotated), () -> read(rotated));
            assertTrue(read(rotated).contains("got SIGHUP, re-reading config"), () -> read(rotated));
        }
    }

    /** After logins (good and bad), console use and a reload at debug verbosity, no password is in any log. */
    @Test
    void passwordsNeverReachTheLog() throws Exception {
        JBouncerConfig config = baseConfig();
        Path logfile = config.dir().resolve("jbouncer.log");
        config.set("logfile", logfile.toString()).set("log_connections", "1").set("log_disconnections", "1");
        String wrongPassword = "wrong_pw_8x7y6z";
        try (JBouncerProcess bouncer = BOUNCERS.start(config, "-v")) {
            assertEquals(1, selectOne(user, config.port(), PostgresCluster.DB));
            Psql.Result wrong = Psql.of(pg).run(user.connstring(config.port(), PostgresCluster.DB), wrongPassword,
                    "-c", "SELECT 1");
            assertTrue(wrong.stderr().contains("password authentication failed"), wrong.stderr());
            assertEquals(0, console(config).run("RELOAD").exitCode());
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> read(logfile).contains("login attempt: db=pgbouncer")));

            for (String log : List.of(read(logfile), bouncer.log())) {
                for (String secret : List.of(user.password(), ADMIN_PASS, wrongPassword)) {
                    assertFalse(log.contains(secret), () -> "password " + secret + " in log:\n" + log);
                }
            }
        }
    }

    /** {@code log_format = json}: every line of the logfile is one JSON object; a reload switches back to text. */
    @Test
    void jsonLogFormatWritesOneObjectPerLineAndIsReloadable() throws Exception {
        JBouncerConfig config = baseConfig();
        Path logfile = config.dir().resolve("jbouncer.log");
        config.set("logfile", logfile.toString()).set("log_connections", "1").set("log_format", "json");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            assertEquals(1, selectOne(user, config.port(), PostgresCluster.DB));
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> read(logfile).contains("\"message\":\"login attempt")),
                    () -> read(logfile));
            Pattern json = Pattern.compile("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\."
                    + "\\d{3}(Z|[+-]\\d\\d:\\d\\d)\",\"pid\":" + bouncer.pid()
                    + ",\"level\":\"(LOG|WARNING|ERROR|FATAL|DEBUG|NOISE)\",.*\"message\":\".*\"}");
            for (String line : read(logfile).split("\n")) {
                assertTrue(json.matcher(line).matches(), line);
            }
            assertTrue(read(logfile).contains("\"database\":\"" + PostgresCluster.DB + "\",\"user\":\""
                    + user.name() + "\""), () -> read(logfile));

            config.set("log_format", "text").write();
            bouncer.signal("HUP");
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> console(config).state().containsKey("last_reload_result")));
            assertEquals(1, selectOne(user, config.port(), PostgresCluster.DB));
            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> read(logfile).contains("] LOG C-")), () -> read(logfile));
        }
    }

    /** Waits up to {@code timeout} for {@code future} to finish, whatever its outcome. */
    private static void awaitQuietly(CompletableFuture<?> future, Duration timeout) throws InterruptedException {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException stillRunningOrFailed) {
            // the caller looks at the outcome later
        }
    }

    private static boolean loginFails(TestRole role, int port, String db) {
        try (Connection c = role.connect(port, db)) {
            return !c.isValid(5);
        } catch (SQLException e) {
            return true;
        }
    }

    private static boolean listsDatabase(JBouncerConfig config, String name) {
        return console(config).show("SHOW DATABASES").stream().anyMatch(row -> row.get("name").equals(name));
    }

    private static int selectOne(TestRole role, int port, String db) throws SQLException {
        try (Connection c = role.connect(port, db); Statement st = c.createStatement()) {
            return single(st, "SELECT 1");
        }
    }

    private static int single(Statement st, String query) throws SQLException {
        try (ResultSet rs = st.executeQuery(query)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static int lineOf(Path file, String text) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int index = lines.indexOf(text);
        assertTrue(index >= 0, () -> text + " not in " + lines);
        return index + 1;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static int backends(TestRole role) {
        try {
            return pg.backendCount(role.name());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
