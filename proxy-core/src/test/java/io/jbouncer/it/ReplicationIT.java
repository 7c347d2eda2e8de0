package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PgTool;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.ServerErrors;
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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.util.PSQLException;

/**
 * Replication connections through jbouncer (PgBouncer 1.23 semantics, issue 20): {@code replication=true} and
 * {@code replication=database} clients get a dedicated server with their own parameters, never pooled, in session
 * mode whatever the pool's mode, closed when they leave. Real replication clients run through it against a private
 * cluster with {@code wal_level = logical}: pg_basebackup, pg_receivewal, pg_recvlogical with test_decoding, and a
 * logical-replication subscriber on a second cluster. The pool is in transaction mode on purpose.
 */
class ReplicationIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String REPL_USER = "repl_user";
    private static final String REPL_PASS = "repl_pass";
    private static final String ADMIN = "repl_admin";
    private static final String ADMIN_PASS = "repl_admin_pass";
    private static final String TABLE = "repl_items";
    private static final Duration GONE_WITHIN = Duration.ofSeconds(10);

    private static PostgresCluster pg;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startClusterAndBouncer() throws Exception {
        pg = BOUNCERS.closeAfterBouncers(PostgresCluster.startPrivate(
                List.of("wal_level = logical", "max_wal_senders = 10", "max_replication_slots = 10"),
                List.of("host replication all 127.0.0.1/32 scram-sha-256")));
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + REPL_USER + " LOGIN REPLICATION PASSWORD '" + REPL_PASS + "'");
            st.execute("CREATE TABLE " + TABLE + " (id int PRIMARY KEY, v text)");
            st.execute("GRANT SELECT ON " + TABLE + " TO " + REPL_USER);
            st.execute("CREATE PUBLICATION repl_pub FOR TABLE " + TABLE);
        }
        config = replicationConfig("");
        bouncer = BOUNCERS.start(config);
    }

    /**
     * hba auth with a {@code replication} line, a transaction-mode pool, the users of these tests; {@code extra}
     * is appended to the entry of the test database.
     */
    private static JBouncerConfig replicationConfig(String extra) throws IOException {
        JBouncerConfig created = JBouncerConfig.create();
        Path hba = created.dir().resolve("hba.conf");
        Files.writeString(hba, String.join("\n",
                "host replication " + REPL_USER + " 127.0.0.1/32 scram-sha-256",
                "host all all 127.0.0.1/32 scram-sha-256", ""), StandardCharsets.UTF_8);
        return created.set("auth_type", "hba")
                .set("auth_hba_file", hba.toString())
                .set("pool_mode", "transaction")
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB) + extra)
                // pg_basebackup and pg_receivewal ask for database "replication" (PostgreSQL ignores the name of a
                // physical replication connection): the entry says which server they reach.
                .database("replication", pg.connstring(PostgresCluster.DB))
                .user(REPL_USER, REPL_PASS)
                .user(PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS)
                .user(ADMIN, ADMIN_PASS);
    }

    @Test
    void pgBasebackupCopiesTheClusterThroughJbouncer(@TempDir Path dir) {
        Path backup = dir.resolve("backup");
        PgTool.Result result = PgTool.of(pg, "pg_basebackup").run(REPL_PASS, "-h", "127.0.0.1", "-p",
                Integer.toString(config.port()), "-U", REPL_USER, "-D", backup.toString(), "-X", "stream",
                "-c", "fast", "--no-sync");

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(Files.isRegularFile(backup.resolve("PG_VERSION")), "the backup has the data directory");
        assertTrue(Files.isRegularFile(backup.resolve("backup_manifest")), "the backup finished");
        assertNoReplicationLeft();
    }

    @Test
    void pgReceivewalStreamsWalUpToAnEndPosition(@TempDir Path dir) throws Exception {
        String endLsn = writeAndGetLsn(1000, "for pg_receivewal");
        PgTool.Result result = PgTool.of(pg, "pg_receivewal").run(REPL_PASS, "-h", "127.0.0.1", "-p",
                Integer.toString(config.port()), "-U", REPL_USER, "-D", dir.toString(), "--endpos=" + endLsn,
                "--no-loop", "--no-sync");

        assertEquals(0, result.exitCode(), result.output());
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().matches("[0-9A-F]{24}(\\.partial)?")),
                    "a WAL segment was received");
        }
        assertNoReplicationLeft();
    }

    /**
     * pg_recvlogical streams until stopped (its {@code --endpos} may stop at a keepalive before the change is
     * decoded), so it runs until the change is in its output and is then stopped as a user would, by SIGTERM.
     */
    @Test
    void pgRecvlogicalDecodesChangesWithTestDecoding(@TempDir Path dir) throws Exception {
        PgTool recvlogical = PgTool.of(pg, "pg_recvlogical");
        List<String> connection = List.of("-h", "127.0.0.1", "-p", Integer.toString(config.port()), "-U",
                REPL_USER, "-d", PostgresCluster.DB, "--slot=jb_decoding");
        PgTool.Result created = recvlogical.run(REPL_PASS, args(connection, "--create-slot",
                "--plugin=test_decoding"));
        assertEquals(0, created.exitCode(), created.output());
        Path output = dir.resolve("decoded.txt");
        Process streaming = recvlogical.start(REPL_PASS, output, args(connection, "--start", "-f", "-",
                "--no-loop"));
        String expected = "table public." + TABLE + ": INSERT: id[integer]:2000 v[text]:'decoded through jbouncer'";
        try {
            writeAndGetLsn(2000, "decoded through jbouncer");
            assertTrue(Poll.until(Duration.ofSeconds(20), () -> read(output).contains(expected)),
                    () -> read(output) + "\nlog:\n" + bouncer.log());
        } finally {
            streaming.destroy();
            streaming.waitFor();
            PgTool.Result dropped = recvlogical.run(REPL_PASS, args(connection, "--drop-slot"));
            assertEquals(0, dropped.exitCode(), dropped.output());
        }
        assertNoReplicationLeft();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A logical replication connection holds its own server for as long as it stays, even in a transaction-mode
     * pool and between commands; SHOW CLIENTS and SHOW SERVERS name it {@code logical}; when it leaves, its
     * server (a walsender) is closed, not pooled.
     */
    @Test
    void replicationConnectionsAreListedAndTheirServersClosedWhenTheyLeave() throws Exception {
        try (Connection replication = replicationJdbc(REPL_USER, REPL_PASS, config.port())) {
            assertNotNull(identifySystem(replication));
            assertNotNull(identifySystem(replication), "the same server answers again: it was not released");

            try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
                Map<String, String> client = AdminConsole.row(console, "SHOW CLIENTS", "user", REPL_USER);
                assertEquals("logical", client.get("replication"));
                Map<String, String> server = AdminConsole.row(console, "SHOW SERVERS", "user", REPL_USER);
                assertEquals("logical", server.get("replication"));
                assertEquals("active", server.get("state"), "linked to its client between commands");
                assertEquals(client.get("ptr"), server.get("link"));
                assertEquals(1, AdminConsole.number(console, "SHOW POOLS", "user", REPL_USER, "sv_active"));
            }
            assertEquals(1, walsenders());
        }
        assertNoReplicationLeft();
    }

    /** PostgreSQL refuses a user without REPLICATION; jbouncer passes that error on as PostgreSQL sent it. */
    @Test
    void unprivilegedUsersAreRefusedAsPostgresRefusesThem() {
        PSQLException direct = assertThrows(PSQLException.class,
                () -> replicationJdbc(PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS, pg.port()).close());
        PSQLException through = assertThrows(PSQLException.class, () -> replicationJdbc(PostgresCluster.SCRAM_USER,
                PostgresCluster.SCRAM_PASS, config.port()).close());

        assertEquals("42501", direct.getSQLState(), direct.getMessage());
        assertEquals(direct.getSQLState(), through.getSQLState(), through.getMessage());
        assertEquals(direct.getServerErrorMessage().getMessage(), through.getServerErrorMessage().getMessage());
    }

    /**
     * hba's {@code replication} keyword: a physical replication connection matches only such lines ({@code all}
     * does not match it), as in PostgreSQL.
     */
    @Test
    void physicalReplicationNeedsAReplicationLineInTheHbaFile() {
        Psql psql = Psql.of(pg);
        Psql.Result allowed = psql.run(connstring(REPL_USER, "true"), REPL_PASS, "-Atc", "IDENTIFY_SYSTEM");
        Psql.Result refused = psql.run(connstring(PostgresCluster.SCRAM_USER, "true"), PostgresCluster.SCRAM_PASS,
                "-Atc", "IDENTIFY_SYSTEM");

        assertEquals(0, allowed.exitCode(), allowed.stderr());
        assertTrue(allowed.stdout().contains("|"), allowed.stdout());
        assertEquals(2, refused.exitCode(), refused.stdout());
        assertTrue(refused.stderr().contains("no authentication method is found"), refused.stderr());
        assertNoReplicationLeft();
    }

    /** CREATE SUBSCRIPTION on a second cluster, its connection string pointing at jbouncer. */
    @Test
    void aLogicalReplicationSubscriberFollowsThroughJbouncer() throws Exception {
        writeAndGetLsn(3000, "copied at the start");
        PostgresCluster subscriber = PostgresCluster.startPrivate(List.of(), List.of());
        try (Connection c = subscriber.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + TABLE + " (id int PRIMARY KEY, v text)");
            st.execute("CREATE SUBSCRIPTION repl_sub CONNECTION 'host=127.0.0.1 port=" + config.port() + " dbname="
                    + PostgresCluster.DB + " user=" + REPL_USER + " password=" + REPL_PASS
                    + "' PUBLICATION repl_pub");
            assertTrue(Poll.until(Duration.ofSeconds(30), () -> count(subscriber, 3000) == 1),
                    "the initial copy did not arrive; log:\n" + bouncer.log());
            writeAndGetLsn(3001, "streamed later");
            assertTrue(Poll.until(Duration.ofSeconds(30), () -> count(subscriber, 3001) == 1),
                    "the streamed change did not arrive; log:\n" + bouncer.log());
            st.execute("DROP SUBSCRIPTION repl_sub");
        } finally {
            subscriber.close();
        }
        assertNoReplicationLeft();
    }

    /**
     * max_db_connections counts a replication server as PgBouncer's launch_new_connection does: with the one
     * connection of the database held by a logical replication connection, a normal client waits and is ended by
     * query_wait_timeout (FATAL 08P01); once the stream leaves, a normal client gets the slot, and while that one
     * holds it (session mode) a replication client is the one that waits and is ended the same way.
     */
    @Test
    void maxDbConnectionsCountsReplicationServers() throws Exception {
        JBouncerConfig limited = replicationConfig(" max_db_connections=1").set("pool_mode", "session")
                .set("query_wait_timeout", "2");
        BOUNCERS.start(limited);
        try (Connection replication = replicationJdbc(REPL_USER, REPL_PASS, limited.port())) {
            assertNotNull(identifySystem(replication));
            SQLException waited = assertThrows(SQLException.class, () -> Jdbc.connect("127.0.0.1", limited.port(),
                    PostgresCluster.DB, PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS).close());
            ServerErrors.assertError("FATAL", "08P01", "query_wait_timeout", waited);
        }
        try (Connection normal = Jdbc.connect("127.0.0.1", limited.port(), PostgresCluster.DB,
                PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS); Statement st = normal.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the normal client got the slot the stream left");
            }
            SQLException waited = assertThrows(SQLException.class,
                    () -> replicationJdbc(REPL_USER, REPL_PASS, limited.port()).close());
            ServerErrors.assertError("FATAL", "08P01", "query_wait_timeout", waited);
        }
        assertEquals(0, walsenders(), "the refused replication client left no walsender");
    }

    /**
     * A replication client takes a pool_size slot: in a full pool (pool_size = 1) it closes the idle server a normal
     * client of the same pool left (PgBouncer's {@code evicted}) and gets its own; the normal client then waits for
     * the slot until the stream leaves.
     */
    @Test
    void aReplicationClientEvictsAnIdleServerOfAFullPool() throws Exception {
        JBouncerConfig sized = replicationConfig(" pool_size=1").set("query_wait_timeout", "2");
        BOUNCERS.start(sized);
        try (Connection normal = Jdbc.connect("127.0.0.1", sized.port(), PostgresCluster.DB, REPL_USER, REPL_PASS);
             Statement st = normal.createStatement()) {
            st.execute("SELECT 1"); // transaction mode: the pool's one server is idle again after it
            assertEquals(1, clientBackends());
            try (Connection replication = replicationJdbc(REPL_USER, REPL_PASS, sized.port())) {
                assertNotNull(identifySystem(replication));
                assertEquals(1, walsenders());
                assertTrue(Poll.until(GONE_WITHIN, () -> clientBackends() == 0), "the idle server was not evicted");
                SQLException waited = assertThrows(SQLException.class, () -> st.execute("SELECT 1"));
                ServerErrors.assertError("FATAL", "08P01", "query_wait_timeout", waited);
            }
        }
    }

    /** PostgreSQL backends of the replication user that are not walsenders. */
    private static int clientBackends() {
        try (Connection c = pg.superuserJdbc("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                     + " AND usename = '" + REPL_USER + "'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * query_timeout and transaction_timeout each end a stream, however chatty its client: START_REPLICATION's request
     * never gets its ReadyForQuery, and PgBouncer 1.25's janitor times every server that is not ready from the
     * request's start ({@code query_start}) and the transaction's ({@code xact_start}); pg_recvlogical's status
     * update every second extends neither.
     */
    @ParameterizedTest
    @CsvSource({"query_timeout, query timeout", "transaction_timeout, transaction timeout"})
    void aTimerEndsAReplicationStreamHoweverChattyItsClient(String setting, String reason, @TempDir Path dir)
            throws Exception {
        JBouncerConfig timed = replicationConfig("").set(setting, "2");
        BOUNCERS.start(timed);
        String slot = "jb_" + setting;
        createSlot(slot);
        try {
            Path output = dir.resolve("stream.txt");
            long start = System.nanoTime();
            Process streaming = PgTool.of(pg, "pg_recvlogical").start(REPL_PASS, output, "-h", "127.0.0.1", "-p",
                    Integer.toString(timed.port()), "-U", REPL_USER, "-d", PostgresCluster.DB, "--slot=" + slot,
                    "--start", "-f", "-", "--no-loop", "--status-interval=1");
            try {
                assertTrue(streaming.waitFor(30, TimeUnit.SECONDS), read(output));
                long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
                assertTrue(read(output).contains(reason), read(output));
                assertTrue(millis >= 1900, "ended after " + millis + " ms");
            } finally {
                streaming.destroyForcibly().waitFor();
            }
        } finally {
            assertNoWalsender();
            dropSlot(slot);
        }
    }

    private static void createSlot(String name) throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'test_decoding')");
        }
    }

    private static void dropSlot(String name) throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot('" + name + "')");
        }
    }

    /** RECONNECT closes a replication server at once, as PgBouncer's janitor does: its stream may never end. */
    @Test
    void reconnectEndsAReplicationStreamAtOnce(@TempDir Path dir) throws Exception {
        JBouncerConfig plain = replicationConfig("");
        BOUNCERS.start(plain);
        createSlot("jb_reconnect");
        try {
            Path output = dir.resolve("stream.txt");
            Process streaming = PgTool.of(pg, "pg_recvlogical").start(REPL_PASS, output, "-h", "127.0.0.1", "-p",
                    Integer.toString(plain.port()), "-U", REPL_USER, "-d", PostgresCluster.DB, "--slot=jb_reconnect",
                    "--start", "-f", "-", "--no-loop");
            try {
                assertTrue(Poll.until(GONE_WITHIN, () -> walsenders() == 1), read(output));
                try (Connection console = AdminConsole.connect(plain.port(), ADMIN, ADMIN_PASS);
                     Statement st = console.createStatement()) {
                    st.execute("RECONNECT " + PostgresCluster.DB);
                }
                assertTrue(streaming.waitFor(10, TimeUnit.SECONDS), read(output));
                assertTrue(read(output).contains("database configuration changed"), read(output));
            } finally {
                streaming.destroyForcibly().waitFor();
            }
        } finally {
            assertNoWalsender();
            dropSlot("jb_reconnect");
        }
    }

    private static void assertNoWalsender() {
        assertTrue(Poll.until(GONE_WITHIN, () -> walsenders() == 0), "a walsender outlived its client");
    }

    private static String[] args(List<String> first, String... more) {
        return Stream.concat(first.stream(), Stream.of(more)).toArray(String[]::new);
    }

    private static String connstring(String user, String replication) {
        return "host=127.0.0.1 port=" + config.port() + " dbname=" + PostgresCluster.DB + " user=" + user
                + " replication=" + replication;
    }

    /** A pgjdbc logical replication connection ({@code replication=database}, simple query protocol). */
    private static Connection replicationJdbc(String user, String password, int port) throws SQLException {
        Properties props = new Properties();
        props.setProperty("replication", "database");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("assumeMinServerVersion", "10");
        return Jdbc.connect("127.0.0.1", port, PostgresCluster.DB, user, password, props);
    }

    private static String identifySystem(Connection replication) throws SQLException {
        try (Statement st = replication.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            assertTrue(rs.next());
            return rs.getString("systemid");
        }
    }

    /** Inserts row {@code id} directly on PostgreSQL and returns the WAL position after it. */
    private static String writeAndGetLsn(int id, String value) throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + TABLE + " VALUES (" + id + ", '" + value + "')");
            try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()")) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }

    private static long count(PostgresCluster cluster, int id) {
        try (Connection c = cluster.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + TABLE + " WHERE id = " + id)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int walsenders() {
        try (Connection c = pg.superuserJdbc("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'"
                     + " AND usename = '" + REPL_USER + "'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Once a replication client has left: no server of jbouncer's is listed for it, and no walsender is left. */
    private static void assertNoReplicationLeft() {
        assertTrue(Poll.until(GONE_WITHIN, () -> walsenders() == 0 && replicationServers() == 0),
                "a replication server outlived its client; log:\n" + bouncer.log());
    }

    private static long replicationServers() {
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            return AdminConsole.rows(console, "SHOW SERVERS").stream()
                    .filter(row -> !"none".equals(row.get("replication"))).count();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
