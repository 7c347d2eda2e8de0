package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.config.AuthFile;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.protocol.auth.Md5Auth;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code jbouncer-admin} against a live jbouncer (issue 6): 50 {@code db add} and 50 {@code user add} processes run
 * at once while a client keeps querying; afterwards every entry is present, both files parse, backups were kept,
 * the client saw no error, and after the reload a new user logs in to a new database.
 */
class ConfigEditIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final int TENANTS = 50;
    private static final Duration EDIT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(10);
    private static final int KEPT_BACKUPS = 10;

    @Test
    void parallelEditsUnderLoadAllLandAndReload() throws Exception {
        JBouncerConfig config = JBouncerConfig.create()
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(PostgresCluster.MD5_USER, PostgresCluster.md5Secret(PostgresCluster.MD5_USER,
                        PostgresCluster.MD5_PASS));
        Path pidfile = config.dir().resolve("jbouncer.pid");
        config.set("pidfile", pidfile.toString());
        Path ini = config.write();
        Path userlist = config.dir().resolve("userlist.txt");
        try (JBouncerProcess bouncer = BOUNCERS.start(ini, config.port());
             Load load = new Load(config.port())) {
            List<Edit> edits = new ArrayList<>();
            for (int i = 0; i < TENANTS; i++) {
                edits.add(Edit.start(config.dir(), null, "-c", ini.toString(), "db", "add", tenantDb(i),
                        "host=" + pg.host(), "port=" + pg.port(), "dbname=" + PostgresCluster.DB,
                        "user=" + PostgresCluster.TRUST_USER));
                edits.add(Edit.start(config.dir(), password(i), "-c", ini.toString(), "user", "add", "--md5",
                        tenantUser(i)));
            }
            for (Edit edit : edits) {
                edit.assertSucceeded();
            }
            if (!Files.exists(pidfile)) {
                // jbouncer without pidfile support: the tools found no pidfile and said so; reload by hand
                bouncer.signal("HUP");
            }

            Config loaded = ConfigLoader.load(ini);
            AuthFile.Result users = AuthFile.read(userlist);
            assertFalse(users.broken(), users.problem());
            for (int i = 0; i < TENANTS; i++) {
                assertTrue(loaded.databases().containsKey(tenantDb(i)), tenantDb(i));
                assertEquals(Md5Auth.passwordHash(tenantUser(i), password(i)), users.users().get(tenantUser(i)));
            }
            assertEquals(TENANTS + 1, loaded.databases().size());
            assertEquals(TENANTS + 1, users.users().size());
            assertBackups(ini, KEPT_BACKUPS, TENANTS - KEPT_BACKUPS + 1);
            assertBackups(userlist, KEPT_BACKUPS, TENANTS - KEPT_BACKUPS + 1);

            assertTrue(Poll.until(RELOAD_TIMEOUT, () -> logsIn(config.port(), 7)),
                    "tenant_user_7 cannot log in to tenant_db_7 after the reload; log:\n" + bouncer.log());
            try (Connection c = Jdbc.connect("127.0.0.1", config.port(), tenantDb(7), tenantUser(7), password(7));
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_user, current_database()")) {
                assertTrue(rs.next());
                assertEquals(PostgresCluster.TRUST_USER, rs.getString(1));
                assertEquals(PostgresCluster.DB, rs.getString(2));
            }
            load.assertNoErrors();
        }
    }

    private static String tenantDb(int i) {
        return "tenant_db_" + i;
    }

    private static String tenantUser(int i) {
        return "tenant_user_" + i;
    }

    private static String password(int i) {
        return "pw_" + i;
    }

    private static boolean logsIn(int port, int tenant) {
        try (Connection c = Jdbc.connect("127.0.0.1", port, tenantDb(tenant), tenantUser(tenant), password(tenant))) {
            return c.isValid(5);
        } catch (SQLException notYet) {
            return false;
        }
    }

    /**
     * The newest {@code keep} backups are left, each a complete earlier version: backups of the k-th change hold
     * the k-1 entries before it, so the oldest kept one holds at least {@code minTenants} - 1 tenants.
     */
    private static void assertBackups(Path file, int keep, int minTenants) throws Exception {
        List<Path> backups;
        try (Stream<Path> siblings = Files.list(file.getParent())) {
            backups = siblings.filter(p -> p.getFileName().toString().matches(
                    java.util.regex.Pattern.quote(file.getFileName() + ".backup.") + "[0-9]+")).sorted().toList();
        }
        assertEquals(keep, backups.size(), backups.toString());
        for (Path backup : backups) {
            long tenants = Files.readAllLines(backup, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.contains("tenant_")).count();
            assertTrue(tenants >= minTenants - 1 && tenants < TENANTS, backup + " holds " + tenants + " tenants");
        }
    }

    /** One {@code AdminTool} run in its own JVM, as {@code bin/jbouncer-admin} starts it. */
    private record Edit(Process process, Path output, List<String> args) {

        static Edit start(Path dir, String stdin, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                    "-cp", System.getProperty(JBouncerProcess.JAR_PROPERTY), "io.jbouncer.core.ops.AdminTool"));
            command.addAll(List.of(args));
            Path output = Files.createTempFile(dir, "admin-", ".out");
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write((stdin + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            return new Edit(process, output, List.of(args));
        }

        void assertSucceeded() throws Exception {
            if (!process.waitFor(EDIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("jbouncer-admin " + args + " did not finish in " + EDIT_TIMEOUT);
            }
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), "jbouncer-admin " + args + ":\n" + printed);
            assertTrue(printed.startsWith("added "), printed);
        }
    }

    /** A client querying jbouncer's {@code app} database on one connection until closed; counts failures. */
    private static final class Load implements AutoCloseable {

        private static final long PACE_MILLIS = 5;

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger queries = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        Load(int port) {
            thread = new Thread(() -> run(port), "config-edit-load");
            thread.start();
        }

        private void run(int port) {
            try (Connection c = Jdbc.connect("127.0.0.1", port, PostgresCluster.DB, PostgresCluster.MD5_USER,
                    PostgresCluster.MD5_PASS); Statement st = c.createStatement()) {
                while (running.get()) {
                    try (ResultSet rs = st.executeQuery("SELECT 1")) {
                        rs.next();
                    }
                    queries.incrementAndGet();
                    Thread.sleep(PACE_MILLIS); // pacing, so the client does not take a core from the editors
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (SQLException | RuntimeException e) {
                failure.set(e);
            }
        }

        void assertNoErrors() throws InterruptedException {
            running.set(false);
            thread.join();
            if (failure.get() != null) {
                throw new AssertionError("client failed after " + queries.get() + " queries", failure.get());
            }
            assertTrue(queries.get() > 0, "the client ran no query");
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
