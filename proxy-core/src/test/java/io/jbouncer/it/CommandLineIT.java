package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** PgBouncer's command line and exit codes, and the configuration shipped in {@code conf/}. */
class CommandLineIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    @Test
    void versionNamesThePgBouncerReleaseAndExitsZero(@TempDir Path dir) {
        JBouncerProcess.Exited exited = JBouncerProcess.run(dir, "-V");

        assertEquals(0, exited.exitCode(), exited.output());
        assertTrue(exited.output().startsWith("PgBouncer 1.25.2"), exited.output());
    }

    @Test
    void helpPrintsUsageAndExitsZero(@TempDir Path dir) {
        JBouncerProcess.Exited exited = JBouncerProcess.run(dir, "-h");

        assertEquals(0, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("Usage:"), exited.output());
    }

    @Test
    void missingConfigFileExitsOne(@TempDir Path dir) {
        JBouncerProcess.Exited exited = JBouncerProcess.run(dir);

        assertEquals(1, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("FATAL no configuration file specified"), exited.output());
    }

    @Test
    void unknownSettingFailsNamingFileLineAndKey() throws IOException {
        Path ini = JBouncerConfig.create().set("no_such_setting", "1").write();
        int line = lineOf(ini, "no_such_setting = 1");

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), ini.toString());

        assertNotEquals(0, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("FATAL cannot load config file: " + ini + ":" + line
                + ": no_such_setting: unknown parameter: pgbouncer/no_such_setting"), exited.output());
    }

    @Test
    void invalidValueFailsNamingFileLineKeyAndWhatWasExpected() throws IOException {
        Path ini = JBouncerConfig.create().set("default_pool_size", "many").write();
        int line = lineOf(ini, "default_pool_size = many");

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), ini.toString());

        assertNotEquals(0, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("invalid value \"many\" for parameter default_pool_size in configuration ("
                + ini + ":" + line + ")"), exited.output());
        assertTrue(exited.output().contains("expected"), exited.output());
    }

    @Test
    void daemonNeedsAPidfileAsInPgBouncer() {
        Path ini = JBouncerConfig.create().set("logfile", "jbouncer.log").write();

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), "-d", ini.toString());

        assertEquals(1, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("FATAL daemon needs pidfile configured"), exited.output());
    }

    /** A start-up failure of the background process reaches the terminal through the first one. */
    @Test
    void daemonStartUpFailureIsReportedAndItsStatusReturned() {
        Path ini = JBouncerConfig.create().set("pidfile", "jbouncer.pid").set("logfile", "jbouncer.log")
                .set("syslog", "1").write();

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), "-d", ini.toString());

        assertEquals(1, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("FATAL syslog = 1 is not supported by jbouncer yet"), exited.output());
    }

    /**
     * {@code -d} returns once the background process serves: its pidfile names a live process in a session of its
     * own, with its standard streams on /dev/null, logging to logfile; SIGTERM stops it as usual.
     */
    @Test
    void daemonReturnsOnceServingAndRunsDetached() throws Exception {
        PostgresCluster pg = PostgresCluster.shared();
        JBouncerConfig config = JBouncerConfig.create()
                .set("pidfile", "jbouncer.pid")
                .set("logfile", "jbouncer.log")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS);
        Path ini = config.write();

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), "-d", ini.toString());

        assertEquals(0, exited.exitCode(), exited.output());
        long pid = Long.parseLong(Files.readString(config.dir().resolve("jbouncer.pid")).strip());
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        try {
            try (Connection c = Jdbc.connect("127.0.0.1", config.port(), PostgresCluster.DB, PostgresCluster.MD5_USER,
                    PostgresCluster.MD5_PASS)) {
                assertTrue(c.isValid(5), "served as soon as -d returned");
            }
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(Long.toString(pid), fields[3], "the daemon leads a session of its own (setsid)");
            for (int fd = 0; fd <= 2; fd++) {
                assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd",
                        Integer.toString(fd))), "standard stream " + fd);
            }
            assertTrue(Files.readString(config.dir().resolve("jbouncer.log")).contains("process up"));
        } finally {
            daemon.destroy(); // SIGTERM
            daemon.onExit().get(20, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(config.dir().resolve("jbouncer.pid")), "the pidfile is removed at exit");
    }

    @Test
    void userOptionNamingAnotherUserIsRefusedRatherThanIgnored() {
        Path ini = JBouncerConfig.create().write();
        String other = "root".equals(System.getProperty("user.name")) ? "nobody" : "root";

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), "-u", other, ini.toString());

        assertNotEquals(0, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("FATAL -u " + other + ": jbouncer does not switch users"),
                exited.output());
    }

    @Test
    void userOptionNamingTheRunningUserServes() throws SQLException {
        PostgresCluster pg = PostgresCluster.shared();
        JBouncerConfig config = JBouncerConfig.create()
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS);
        try (JBouncerProcess bouncer = BOUNCERS.start(config, "-u",
                System.getProperty("user.name"));
             Connection c = Jdbc.connect("127.0.0.1", config.port(), PostgresCluster.DB, PostgresCluster.MD5_USER,
                     PostgresCluster.MD5_PASS)) {
            assertTrue(c.isValid(5));
        }
    }

    /**
     * {@code conf/pgbouncer.ini} and {@code conf/userlist.txt} as shipped, laid out as in the repository (the ini
     * names {@code auth_file = conf/userlist.txt}, relative to the working directory) with only the port changed.
     */
    @Test
    void shippedConfigurationStartsAndAuthenticatesItsAdmin(@TempDir Path dir) throws IOException {
        Path shipped = repositoryRoot().resolve("conf");
        int port = FreePort.find();
        String ini = Files.readString(shipped.resolve("pgbouncer.ini"), StandardCharsets.UTF_8);
        assertTrue(ini.contains("\nlisten_port = 6432\n"), "the shipped ini no longer listens on 6432");
        Path copy = dir.resolve("pgbouncer.ini");
        Files.writeString(copy, ini.replace("\nlisten_port = 6432\n", "\nlisten_port = " + port + "\n"));
        Files.createDirectories(dir.resolve("conf"));
        Files.copy(shipped.resolve("userlist.txt"), dir.resolve("conf/userlist.txt"));

        try (JBouncerProcess bouncer = BOUNCERS.start(copy, port)) {
            Psql psql = Psql.of(PostgresCluster.shared());
            String connstring = "host=127.0.0.1 port=" + port + " dbname=nosuch user=admin sslmode=disable";
            Psql.Result wrongPassword = psql.run(connstring, "wrong", "-c", "SELECT 1");
            assertTrue(wrongPassword.stderr().contains("FATAL:  password authentication failed\n"),
                    wrongPassword.stderr());
            Psql.Result unknownDb = psql.run(connstring, "admin", "-c", "SELECT 1");
            assertTrue(unknownDb.stderr().contains("FATAL:  no such database: nosuch\n"), unknownDb.stderr());
        }
    }

    private static Path repositoryRoot() {
        Path moduleDir = Path.of("").toAbsolutePath();
        Path root = moduleDir.getParent();
        assertTrue(Files.isDirectory(root.resolve("conf")), "no conf/ next to " + moduleDir);
        return root;
    }

    private static int lineOf(Path file, String text) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int index = lines.indexOf(text);
        assertTrue(index >= 0, () -> text + " not in " + lines);
        return index + 1;
    }
}
