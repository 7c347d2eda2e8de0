package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.PsqlConsole;
import io.jbouncer.it.support.TestRole;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PgBouncer's signals, pidfile and {@code --check} on a real jbouncer process (issue 6, PgBouncer usage.md): TERM waits
 * for clients, INT for servers, a second TERM exits at once, QUIT exits at once with status 131, USR1/USR2 pause
 * and resume.
 */
class OperationsSignalsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
    /** How long a process that must keep running is watched for an early exit. */
    private static final Duration STILL_RUNNING = Duration.ofMillis(500);
    private static final String ADMIN = "ops_sig_admin";
    private static final String ADMIN_PASS = "ops_sig_admin_pass";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole user;

    @BeforeAll
    static void role() throws SQLException {
        user = TestRole.create(pg, "ops_signal_user");
    }

    private static JBouncerConfig config(String poolMode) {
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", poolMode)
                .set("admin_users", ADMIN)
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(user.name(), user.password())
                .user(ADMIN, ADMIN_PASS);
        return config.set("pidfile", pidfile(config).toString());
    }

    private static Path pidfile(JBouncerConfig config) {
        return config.dir().resolve("jbouncer.pid");
    }

    /**
     * SIGTERM with a client in a transaction: jbouncer keeps running, TCP is closed (connection refused), the Unix
     * socket takes console logins only ({@code pooler is shutting down} for others), the client finishes its
     * transaction; once it disconnects jbouncer exits 0 and removes its pidfile.
     */
    @Test
    void sigtermWaitsForClientsWhileTheUnixSocketServesTheConsole() throws SQLException {
        JBouncerConfig config = config("transaction");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            assertEquals(bouncer.pid() + "\n", read(pidfile(config)));
            try (Connection client = user.connect(config.port(), PostgresCluster.DB);
                 Statement st = client.createStatement()) {
                client.setAutoCommit(false);
                assertEquals(1, single(st, "SELECT 1"));

                bouncer.signal("TERM");
                assertTrue(bouncer.awaitLog("got SIGTERM, shutting down", SIGNAL_TIMEOUT), bouncer::log);

                assertTrue(bouncer.awaitExit(STILL_RUNNING).isEmpty(), bouncer::log);
                SQLException refused = assertThrows(SQLException.class,
                        () -> user.connect(config.port(), PostgresCluster.DB));
                assertInstanceOf(ConnectException.class, refused.getCause(), refused::toString);
                Psql.Result pooled = Psql.of(pg).run("host=" + config.dir() + " port=" + config.port() + " dbname="
                        + PostgresCluster.DB + " user=" + user.name(), user.password(), "-c", "SELECT 1");
                assertTrue(pooled.stderr().contains("pooler is shutting down"), pooled.stderr());
                assertEquals("no", console(config).state().get("paused"));
                assertEquals(2, single(st, "SELECT 2"));
                client.commit();
                assertTrue(bouncer.awaitExit(STILL_RUNNING).isEmpty(), "exited while a client was connected");
            }
            assertEquals(OptionalInt.of(0), bouncer.awaitExit(SIGNAL_TIMEOUT), bouncer::log);
            assertFalse(Files.exists(pidfile(config)));
        }
    }

    /** SIGINT with a client in a transaction (transaction pooling): the transaction finishes, then jbouncer exits 0. */
    @Test
    void sigintLetsTheTransactionFinishThenExits() throws SQLException {
        JBouncerConfig config = config("transaction");
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection client = user.connect(config.port(), PostgresCluster.DB);
             Statement st = client.createStatement()) {
            bouncer.awaitSignalHandlers();
            client.setAutoCommit(false);
            assertEquals(1, single(st, "SELECT 1"));

            bouncer.signal("INT");
            assertTrue(bouncer.awaitLog("got SIGINT, shutting down", SIGNAL_TIMEOUT), bouncer::log);
            assertTrue(bouncer.awaitExit(STILL_RUNNING).isEmpty(), bouncer::log);
            assertEquals(2, single(st, "SELECT 2"));
            client.commit();

            assertEquals(OptionalInt.of(0), bouncer.awaitExit(SIGNAL_TIMEOUT), bouncer::log);
            assertFalse(Files.exists(pidfile(config)));
        }
    }

    /** A second SIGTERM while waiting for a connected client exits at once with status 0. */
    @Test
    void secondSigtermExitsAtOnce() throws SQLException {
        JBouncerConfig config = config("session");
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection client = user.connect(config.port(), PostgresCluster.DB);
             Statement st = client.createStatement()) {
            bouncer.awaitSignalHandlers();
            assertEquals(1, single(st, "SELECT 1"));
            bouncer.signal("TERM");
            assertTrue(bouncer.awaitLog("got SIGTERM, shutting down", SIGNAL_TIMEOUT), bouncer::log);
            assertTrue(bouncer.awaitExit(STILL_RUNNING).isEmpty(), bouncer::log);

            bouncer.signal("TERM");

            assertEquals(OptionalInt.of(0), bouncer.awaitExit(SIGNAL_TIMEOUT), bouncer::log);
            assertFalse(Files.exists(pidfile(config)));
        }
    }

    /**
     * A supervisor may signal as soon as jbouncer listens: a SIGHUP then must reload, not kill the process (the
     * JVM's own SIGHUP action is to exit, so the handlers must be in place before the listeners accept).
     */
    @Test
    void sighupAsSoonAsJBouncerListensReloads() {
        JBouncerConfig config = config("session");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.signal("HUP");

            assertTrue(bouncer.awaitLog("got SIGHUP, re-reading config", SIGNAL_TIMEOUT),
                    () -> "exit " + bouncer.awaitExit(Duration.ZERO) + ", log:\n" + bouncer.log());
            assertTrue(bouncer.awaitExit(STILL_RUNNING).isEmpty(), bouncer::log);
        }
    }

    /** Under {@code nohup} (SIGHUP inherited as ignored) SIGHUP still reloads, as PgBouncer's does. */
    @Test
    void sighupReloadsUnderNohup() {
        JBouncerConfig config = config("session");
        try (JBouncerProcess bouncer = JBouncerProcess.startUnderNohup(config.write(), config.port())) {
            bouncer.awaitSignalHandlers();
            bouncer.signal("HUP");

            assertTrue(bouncer.awaitLog("got SIGHUP, re-reading config", SIGNAL_TIMEOUT), bouncer::log);
        }
    }

    /**
     * bin/jbouncer execs the JVM with its default options (so its PID is jbouncer's and signals reach it), and
     * jbouncer serves with them: the options every footprint figure in docs/benchmarks.md was measured with.
     */
    @Test
    void binJbouncerExecsTheJvmWithItsDefaultsAndServes() throws Exception {
        JBouncerConfig config = config("transaction");
        try (JBouncerProcess bouncer = JBouncerProcess.startThroughLauncher(config.write(), config.port())) {
            String commandLine = Files.readString(Path.of("/proc", Long.toString(bouncer.pid()), "cmdline"))
                    .replace('\0', ' ');
            assertTrue(commandLine.contains("-XX:+UseSerialGC") && commandLine.contains("-jar"), commandLine);
            try (Connection client = user.connect(config.port(), PostgresCluster.DB);
                 Statement st = client.createStatement()) {
                assertEquals(1, single(st, "SELECT 1"));
            }
            bouncer.awaitSignalHandlers();
            bouncer.signal("TERM");
            assertEquals(OptionalInt.of(0), bouncer.awaitExit(SIGNAL_TIMEOUT), bouncer::log);
        }
    }

    /** SIGQUIT ends the process at once: killed by the signal, status 128 + 3. */
    @Test
    void sigquitExitsAtOnceWith131() throws SQLException {
        JBouncerConfig config = config("session");
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection client = user.connect(config.port(), PostgresCluster.DB);
             Statement st = client.createStatement()) {
            bouncer.awaitSignalHandlers();
            assertEquals(1, single(st, "SELECT 1"));

            bouncer.signal("QUIT");

            assertEquals(OptionalInt.of(131), bouncer.awaitExit(SIGNAL_TIMEOUT), bouncer::log);
        }
    }

    @Test
    void sigusr1PausesAndSigusr2Resumes() {
        JBouncerConfig config = config("session");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            assertEquals("no", console(config).state().get("paused"));

            bouncer.signal("USR1");
            assertTrue(Poll.until(SIGNAL_TIMEOUT, () -> "yes".equals(console(config).state().get("paused"))),
                    bouncer::log);

            bouncer.signal("USR2");
            assertTrue(Poll.until(SIGNAL_TIMEOUT, () -> "no".equals(console(config).state().get("paused"))),
                    bouncer::log);
        }
    }

    @Test
    void pidfileOfALiveInstanceRefusesASecondOne() throws IOException {
        JBouncerConfig first = config("session");
        Path pidfile = pidfile(first);
        try (JBouncerProcess bouncer = BOUNCERS.start(first)) {
            Path second = config("session").set("pidfile", pidfile.toString()).write();

            JBouncerProcess.Exited refused = JBouncerProcess.run(second.getParent(), second.toString());

            assertEquals(1, refused.exitCode(), refused.output());
            assertTrue(refused.output().contains("FATAL pidfile '" + pidfile
                    + "' exists, another instance running?"), refused.output());
            assertEquals(bouncer.pid() + "\n", read(pidfile));
        }
    }

    @Test
    void stalePidfileIsReplacedAndRemovedAtExit() throws Exception {
        JBouncerConfig config = config("session");
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(pidfile(config), dead.pid() + "\n", StandardCharsets.US_ASCII);
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            assertEquals(bouncer.pid() + "\n", read(pidfile(config)));

            assertEquals(0, bouncer.stopAndWait(), bouncer::log);
            assertFalse(Files.exists(pidfile(config)));
        }
    }

    @Test
    void checkOfAGoodFileSaysNothingAndExitsZero() {
        Path ini = config("session").write();

        JBouncerProcess.Exited checked = JBouncerProcess.run(ini.getParent(), "--check", ini.toString());

        assertEquals(0, checked.exitCode(), checked.output());
        assertEquals("", checked.output());
    }

    @Test
    void checkOfABrokenFileNamesFileAndLineAndExitsOne() throws IOException {
        Path ini = config("session").set("no_such_key", "1").write();
        int line = Files.readAllLines(ini, StandardCharsets.UTF_8).indexOf("no_such_key = 1") + 1;

        JBouncerProcess.Exited checked = JBouncerProcess.run(ini.getParent(), "--check", ini.toString());

        assertEquals(1, checked.exitCode(), checked.output());
        assertEquals(List.of(ini + ":" + line + ": no_such_key: unknown parameter: pgbouncer/no_such_key"),
                checked.output().lines().toList());
    }

    private static PsqlConsole console(JBouncerConfig config) {
        return PsqlConsole.unixSocket(pg, config, ADMIN, ADMIN_PASS);
    }

    private static int single(Statement st, String query) throws SQLException {
        try (ResultSet rs = st.executeQuery(query)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }
}
