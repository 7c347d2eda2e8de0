package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.TestRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Settings jbouncer used to parse and ignore, now acting as PgBouncer documents them, each proved through a real
 * jbouncer with real clients: {@code verbose}, {@code login_notify_message}, {@code disable_pqexec},
 * {@code conffile}, {@code so_reuseport}, {@code unix_socket_group}, the TCP keepalive settings,
 * {@code connect_query} and {@code server_fast_close}.
 */
class FormerlyIgnoredSettingsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String ADMIN = "formerly_admin";
    private static final String ADMIN_PASS = "formerly_admin_pass";
    /** {@code /proc/net/tcp} counts timers in USER_HZ ticks. */
    private static final int TICKS_PER_SECOND = 100;
    private static final int KEEPIDLE_SECONDS = 77;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole user;

    @BeforeAll
    static void roles() throws SQLException {
        user = TestRole.create(pg, "formerly_user");
    }

    private static JBouncerConfig config() {
        return JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(user.name(), user.password())
                .user(ADMIN, ADMIN_PASS);
    }

    @Test
    void verboseSettingLogsDebugLinesThatTheDefaultDoesNot() throws SQLException {
        JBouncerConfig quiet = config();
        JBouncerConfig verbose = config().set("verbose", "1");
        try (JBouncerProcess plain = BOUNCERS.start(quiet);
             JBouncerProcess debug = BOUNCERS.start(verbose)) {
            assertEquals(1, selectOne(quiet.port()));
            assertEquals(1, selectOne(verbose.port()));

            assertTrue(debug.awaitLog(" DEBUG S-", TIMEOUT), debug::log);
            assertTrue(debug.log().contains("new connection to server"), debug::log);
            assertFalse(plain.log().contains(" DEBUG "), plain::log);
        }
    }

    @Test
    void loginNotifyMessageReachesEveryClientAsANotice() throws SQLException {
        JBouncerConfig config = config().set("login_notify_message", "maintenance at 22:00 UTC");
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection c = user.connect(config.port(), PostgresCluster.DB)) {
            SQLWarning warning = c.getWarnings();

            assertNotNull(warning, "no NOTICE after login");
            assertEquals("maintenance at 22:00 UTC", warning.getMessage());
            Psql.Result psql = Psql.of(pg).run("host=127.0.0.1 port=" + config.port() + " dbname="
                    + PostgresCluster.DB + " user=" + user.name(), user.password(), "-c", "SELECT 1");
            assertEquals(0, psql.exitCode(), psql.stderr());
            assertTrue(psql.stderr().contains("NOTICE:  maintenance at 22:00 UTC"), psql.stderr());
        }
    }

    @Test
    void disablePqexecRefusesSimpleQueriesAndServesTheExtendedProtocol() throws SQLException {
        JBouncerConfig config = config().set("disable_pqexec", "1");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            Psql.Result psql = Psql.of(pg).run("host=127.0.0.1 port=" + config.port() + " dbname="
                    + PostgresCluster.DB + " user=" + user.name(), user.password(), "-c", "SELECT 1");

            assertNotEquals(0, psql.exitCode(), psql.stdout());
            assertTrue(psql.stderr().contains("PQexec disallowed"), psql.stderr());
            Properties extendedOnly = new Properties();
            // Without it pgjdbc sends SET extra_float_digits as a simple Query after login.
            extendedOnly.setProperty("assumeMinServerVersion", "9.4");
            try (Connection c = user.connect(config.port(), PostgresCluster.DB, extendedOnly);
                 PreparedStatement st = c.prepareStatement("SELECT 41 + 1");
                 ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
        }
    }

    /** connect_query runs on each new server before its first client; a failing one is logged and ignored. */
    @Test
    void connectQueryRunsOnEveryNewServerAndItsErrorsAreOnlyLogged() throws SQLException {
        JBouncerConfig config = config()
                .database("prepared_db", pg.connstring(PostgresCluster.DB) + " connect_query='SET work_mem = ''7MB'''")
                .database("broken_db", pg.connstring(PostgresCluster.DB) + " connect_query='SELECT 1/0'");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            try (Connection c = user.connect(config.port(), "prepared_db");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW work_mem")) {
                assertTrue(rs.next());
                assertEquals("7MB", rs.getString(1), "the new server ran connect_query before serving");
            }
            try (Connection c = user.connect(config.port(), "broken_db")) {
                assertEquals(1, selectOne(c), "a failing connect_query does not keep the server from serving");
            }

            assertTrue(bouncer.awaitLog("connect_query failed: division by zero", TIMEOUT), bouncer::log);
        }
    }

    /**
     * server_fast_close in session mode: after RECONNECT, an idle session's server is closed at once and one in a
     * transaction at its end, and each client is disconnected with FATAL "database configuration changed" instead of
     * keeping the old server until it leaves.
     */
    @Test
    void serverFastCloseEndsSessionsAtTheirNextIdlePointAfterReconnect() throws SQLException {
        JBouncerConfig config = config().set("server_fast_close", "1");
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection idle = user.connect(config.port(), PostgresCluster.DB);
             Connection inTransaction = user.connect(config.port(), PostgresCluster.DB);
             Statement tx = inTransaction.createStatement();
             Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            assertEquals(1, selectOne(idle));
            inTransaction.setAutoCommit(false);
            tx.execute("SELECT 1");

            AdminConsole.command(console, "RECONNECT " + PostgresCluster.DB);

            assertTrue(Poll.until(TIMEOUT, () -> clientsOf(console, user.name()) == 1),
                    "the idle session was not ended; log:\n" + bouncer.log());
            tx.execute("SELECT 2");
            inTransaction.commit(); // the open transaction finishes on its server
            assertTrue(Poll.until(TIMEOUT, () -> clientsOf(console, user.name()) == 0),
                    "the session was not ended after its transaction; log:\n" + bouncer.log());
            SQLException ended = assertThrows(SQLException.class, () -> tx.execute("SELECT 3"));
            assertTrue(ended.getMessage().contains("database configuration changed")
                    || "08006".equals(ended.getSQLState()), ended.getSQLState() + " " + ended.getMessage());
            assertTrue(bouncer.log().contains("closing because: database configuration changed"), bouncer::log);
        }
    }

    private static long clientsOf(Connection console, String name) {
        try {
            return AdminConsole.rows(console, "SHOW CLIENTS").stream().filter(row -> name.equals(row.get("user")))
                    .count();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** conffile names the file the next reload reads; the console's SET changes it, as in PgBouncer. */
    @Test
    void reloadReadsTheFileThatConffileNames() throws IOException, SQLException {
        JBouncerConfig config = config();
        Path first = config.write();
        Path second = config.dir().resolve("second.ini");
        Files.writeString(second, Files.readString(first).replace("[pgbouncer]\n", "[pgbouncer]\ndefault_pool_size = 7\n"));
        try (JBouncerProcess bouncer = BOUNCERS.start(first, config.port());
             Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            AdminConsole.command(console, "SET conffile = '" + second + "'");
            AdminConsole.command(console, "RELOAD");

            assertEquals("7", AdminConsole.row(console, "SHOW CONFIG", "key", "default_pool_size").get("value"));
            assertEquals(second.toString(), AdminConsole.row(console, "SHOW CONFIG", "key", "conffile").get("value"));
        }
    }

    /** Two processes share one port with so_reuseport (each with its own Unix socket), and either serves. */
    @Test
    void soReuseportLetsASecondProcessShareThePort() throws SQLException {
        JBouncerConfig first = config().set("so_reuseport", "1");
        JBouncerConfig second = config().set("so_reuseport", "1").set("listen_port", Integer.toString(first.port()));
        try (JBouncerProcess one = BOUNCERS.start(first)) {
            try (JBouncerProcess two = BOUNCERS.start(second)) {
                assertTrue(two.awaitLog("listening on 127.0.0.1:" + first.port(), TIMEOUT), two::log);
                assertFalse(two.log().contains("could not bind"), two::log);
                one.stopAndWait();

                assertEquals(1, selectOne(first.port()), "the second process serves the shared port alone");
            }
        }
    }

    @Test
    void withoutSoReuseportASecondProcessCannotBind() {
        JBouncerConfig first = config();
        // No Unix socket either: with nothing bound, start-up fails (PgBouncer: fatal if nothing can be bound).
        JBouncerConfig second = config().set("listen_port", Integer.toString(first.port()))
                .set("unix_socket_dir", "");
        try (JBouncerProcess one = BOUNCERS.start(first)) {
            Path ini = second.write();

            JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), ini.toString());

            assertNotEquals(0, exited.exitCode(), exited.output());
            assertTrue(exited.output().contains("could not bind 127.0.0.1:" + first.port()), exited.output());
            assertTrue(exited.output().contains("could not bind any listening socket"), exited.output());
        }
    }

    @Test
    void unixSocketGroupIsSetOnTheSocket() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "changing a file's group to one we are not a member of needs root");
        JBouncerConfig config = config().set("unix_socket_group", "daemon");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            Path socket = config.dir().resolve(".s.PGSQL." + config.port());
            GroupPrincipal group = Files.getFileAttributeView(socket, PosixFileAttributeView.class)
                    .readAttributes().group();

            assertEquals("daemon", group.getName());
        }
    }

    /**
     * tcp_keepidle reaches the kernel on both sides: the client socket jbouncer accepted and its server socket to
     * PostgreSQL each run a keepalive timer that fires within 77 s (the Linux default is 7200 s).
     */
    @Test
    void tcpKeepidleArmsKeepaliveTimersOnClientAndServerSockets() throws SQLException {
        JBouncerConfig config = config().set("tcp_keepidle", Integer.toString(KEEPIDLE_SECONDS));
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection client = user.connect(config.port(), PostgresCluster.DB);
             Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            assertEquals(1, selectOne(client));
            int clientPort = Integer.parseInt(AdminConsole.row(console, "SHOW CLIENTS", "user", user.name())
                    .get("port"));
            int serverSocketPort = Integer.parseInt(AdminConsole.rows(console, "SHOW SERVERS").get(0)
                    .get("local_port"));

            assertTrue(Poll.until(TIMEOUT, () -> keepaliveArmed(config.port(), clientPort)),
                    "jbouncer's socket to the client at port " + clientPort);
            assertTrue(Poll.until(TIMEOUT, () -> keepaliveArmed(serverSocketPort, pg.port())),
                    "jbouncer's socket to PostgreSQL from port " + serverSocketPort);
        }
    }

    /**
     * Whether the socket from {@code localPort} to {@code remotePort} on loopback has its keepalive timer armed with
     * at most tcp_keepidle left ({@code tr} 2 in {@code /proc/net/tcp}, {@code tm->when} in ticks). Netty's epoll
     * sockets are IPv6 ones with v4-mapped addresses, listed in {@code /proc/net/tcp6}.
     */
    private static boolean keepaliveArmed(int localPort, int remotePort) {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("/proc/net/tcp")));
            lines.addAll(Files.readAllLines(Path.of("/proc/net/tcp6")));
            String local = String.format(":%04X", localPort);
            String remote = String.format(":%04X", remotePort);
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 5 && f[1].endsWith(local) && f[2].endsWith(remote) && f[5].startsWith("02:")) {
                    long ticks = Long.parseLong(f[5].substring(3), 16);
                    return ticks > 0 && ticks <= (long) KEEPIDLE_SECONDS * TICKS_PER_SECOND;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int selectOne(int port) throws SQLException {
        try (Connection c = user.connect(port, PostgresCluster.DB)) {
            return selectOne(c);
        }
    }

    private static int selectOne(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
