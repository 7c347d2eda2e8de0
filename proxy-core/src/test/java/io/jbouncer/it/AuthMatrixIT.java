package io.jbouncer.it;

import static io.jbouncer.it.support.ServerErrors.assertError;
import static io.jbouncer.it.support.ServerErrors.assertLoginRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.WireMessages;
import io.jbouncer.protocol.auth.ScramClient;
import io.jbouncer.protocol.auth.ScramException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The authentication and authorisation matrix of docs/reliability.md (issue 15, section 3): every way in that must
 * stay shut, one test each, against a jbouncer with {@code auth_type = scram-sha-256}, an {@code auth_query}, an
 * admin and a stats user. Each refusal is checked for its SQLSTATE and text, and where a refusal could also come
 * from a broken test, a positive control runs beside it (the right key does cancel, the right proof does log in).
 */
class AuthMatrixIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String ADMIN = "am_admin";
    private static final String ADMIN_PASS = "am_admin_pass";
    private static final String STATS = "am_stats";
    private static final String STATS_PASS = "am_stats_pass";
    private static final String AUTH_USER = "am_auth";
    private static final String AUTH_PASS = "am_auth_pass";
    private static final String EMPTY_USER = "am_empty";
    private static final String BOMB_USER = "am_bomb";
    /** The database whose unknown users are looked up with {@code auth_query}. */
    private static final String AQ_DB = "am_aq";
    private static final String SASL_FAILED = "SASL authentication failed";
    private static final int AUTH_SASL = 10;
    private static final int AUTH_SASL_CONTINUE = 11;
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static int port;

    @BeforeAll
    static void start() throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("DROP ROLE IF EXISTS " + AUTH_USER);
            st.execute("CREATE ROLE " + AUTH_USER + " LOGIN SUPERUSER PASSWORD '" + AUTH_PASS + "'");
            st.execute("CREATE TABLE IF NOT EXISTS am_guard (id int)");
        }
        String bomb = "SCRAM-SHA-256$2147483647:c2FsdHNhbHRzYWx0c2FsdA==$" + "A".repeat(43) + "=:"
                + "B".repeat(43) + "=";
        config = JBouncerConfig.create()
                .set("auth_type", "scram-sha-256")
                .set("admin_users", ADMIN)
                .set("stats_users", STATS)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .database(AQ_DB, pg.connstring(PostgresCluster.DB) + " auth_user=" + AUTH_USER)
                .database("cancel1", pg.connstring(PostgresCluster.DB) + " pool_mode=transaction pool_size=1")
                .user(PostgresCluster.SCRAM_USER, pg.scramSecretOf(PostgresCluster.SCRAM_USER))
                .user(PostgresCluster.MD5_USER,
                        PostgresCluster.md5Secret(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS))
                .user(AUTH_USER, AUTH_PASS)
                .user(ADMIN, ADMIN_PASS)
                .user(STATS, STATS_PASS)
                .user(EMPTY_USER, "")
                .user(BOMB_USER, bomb);
        bouncer = BOUNCERS.start(config);
        port = config.port();
    }

    @Test
    void rightPasswordLogsIn() throws SQLException {
        try (Connection c = scramUser(PostgresCluster.SCRAM_PASS)) {
            assertTrue(c.isValid(5));
        }
    }

    @Test
    void wrongPasswordIsRefused() {
        assertLoginRefused(port, PostgresCluster.DB, PostgresCluster.SCRAM_USER, "wrong", SASL_FAILED);
    }

    /**
     * Same text as a wrong password, so that the answer does not tell which users exist (from the auth file; with
     * {@code auth_query} PgBouncer answers {@code no such user}, see the row below).
     */
    @Test
    void unknownUserIsRefusedLikeAWrongPassword() {
        assertLoginRefused(port, PostgresCluster.DB, "am_nobody", "whatever", SASL_FAILED);
    }

    /** Stored {@code ""}: neither an empty SCRAM password (pgjdbc refuses to send one, so raw) nor another passes. */
    @Test
    void emptyStoredPasswordNeverPasses() throws ScramException {
        assertFatal(exchange(EMPTY_USER, "", clientFinal -> clientFinal).answer(), SASL_FAILED);
        assertLoginRefused(port, PostgresCluster.DB, EMPTY_USER, "x", SASL_FAILED);
    }

    /** An md5 secret cannot answer SCRAM: the SCRAM client is refused, even with the right password. */
    @Test
    void md5SecretOfferedToAScramClientIsRefused() {
        assertLoginRefused(port, PostgresCluster.DB, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS, SASL_FAILED);
    }

    /** The reverse: an md5 answer (a PasswordMessage) to the SCRAM request is no SASL message. */
    @Test
    void md5AnswerToAScramRequestIsRefused() {
        try (RawConnection raw = startScram(PostgresCluster.SCRAM_USER)) {
            raw.send(WireMessages.message('p', PostgresCluster.md5Secret(PostgresCluster.SCRAM_USER, "x")));
            assertFatal(raw.readMessage(), "client selected an invalid SASL authentication mechanism");
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void tamperedProofIsRefused() throws ScramException {
        Exchange exchange = exchange(PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS, clientFinal -> {
            int proof = clientFinal.indexOf(",p=") + 3;
            char changed = clientFinal.charAt(proof) == 'A' ? 'B' : 'A';
            return clientFinal.substring(0, proof) + changed + clientFinal.substring(proof + 1);
        });
        assertFatal(exchange.answer(), SASL_FAILED);
    }

    @Test
    void tamperedNonceIsRefused() throws ScramException {
        Exchange exchange = exchange(PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS, clientFinal -> {
            int nonceEnd = clientFinal.indexOf(",p=") - 1;
            char changed = clientFinal.charAt(nonceEnd) == 'x' ? 'y' : 'x';
            return clientFinal.substring(0, nonceEnd) + changed + clientFinal.substring(nonceEnd + 1);
        });
        assertFatal(exchange.answer(), SASL_FAILED);
    }

    /** A recorded successful exchange, replayed on a new connection, meets a new server nonce and fails. */
    @Test
    void replayedExchangeIsRefused() throws ScramException {
        Exchange recorded = exchange(PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS, unchanged -> unchanged);
        assertEquals('R', recorded.answer().tag(), "the recorded exchange itself succeeded (SASLFinal)");
        try (RawConnection raw = startScram(PostgresCluster.SCRAM_USER)) {
            raw.send(WireMessages.saslInitialResponse(recorded.clientFirst()));
            String serverFirst = saslContinue(raw.readMessage());
            assertNotEquals(recorded.serverFirst(), serverFirst, "the server nonce is new");
            raw.send(WireMessages.saslResponse(recorded.clientFinal()));
            assertFatal(raw.readMessage(), SASL_FAILED);
        }
    }

    /**
     * {@code i=2147483647} in {@code auth_file}: jbouncer never derives keys from a stored verifier, so the bomb
     * costs it nothing; twenty logins of that user hang on their clients' side while another user logs in at once.
     */
    @Test
    void scramIterationBombInAuthFileCostsThePoolerNothing() throws SQLException {
        List<RawConnection> bombs = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                RawConnection raw = startScram(BOMB_USER);
                bombs.add(raw);
                raw.send(WireMessages.saslInitialResponse(new ScramClient("x", RANDOM).clientFirstMessage()));
                assertTrue(saslContinue(raw.readMessage()).endsWith(",i=2147483647"));
            }
            long start = System.nanoTime();
            try (Connection c = scramUser(PostgresCluster.SCRAM_PASS)) {
                assertTrue(c.isValid(5));
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis < 5000, "a login beside the bombs took " + millis + " ms");
        } finally {
            bombs.forEach(RawConnection::close);
        }
    }

    /** A wrong key leaves the query running; the right key (the control) does cancel it. */
    @Test
    void cancelWithAWrongKeyCancelsNothing() {
        try (RawConnection client = RawConnection.open(port)) {
            ByteBuffer key = loginWithScram(client, PostgresCluster.DB);
            client.send(WireMessages.query("SELECT pg_sleep(1.5)"));
            sendCancel(key.getInt(0), key.getInt(4) ^ 1);
            assertEquals("D: C Z", WireMessages.replies(client).replaceAll("D:[^ ]*", "D:"), "not cancelled");
            client.send(WireMessages.query("SELECT pg_sleep(30)"));
            sendCancel(key.getInt(0), key.getInt(4));
            RawConnection.Message error = client.readMessage();
            while (error.tag() == 'T') {
                error = client.readMessage();
            }
            assertEquals("57014", error.fields().get('C'), error.fields().toString());
        }
    }

    /**
     * Transaction pooling, one server: the client that used it before cannot cancel the query another client now
     * runs on it with its own key.
     */
    @Test
    void cancelKeyOfAnotherClientCancelsNothingOnTheSharedServer() {
        try (RawConnection first = RawConnection.open(port); RawConnection second = RawConnection.open(port)) {
            ByteBuffer firstKey = loginWithScram(first, "cancel1");
            first.send(WireMessages.query("SELECT 1"));
            WireMessages.replies(first);
            loginWithScram(second, "cancel1");
            second.send(WireMessages.query("SELECT pg_sleep(1.5)"));
            sendCancel(firstKey.getInt(0), firstKey.getInt(4));
            assertEquals("D: C Z", WireMessages.replies(second).replaceAll("D:[^ ]*", "D:"), "not cancelled");
        }
    }

    /** 2,000 guessed keys while a query runs: none cancels it, and the pooler keeps serving. */
    @Test
    void cancelKeyGuessingCancelsNothing() {
        try (RawConnection client = RawConnection.open(port)) {
            ByteBuffer key = loginWithScram(client, PostgresCluster.DB);
            client.send(WireMessages.query("SELECT pg_sleep(2)"));
            for (int i = 0; i < 2000; i++) {
                int pid = i % 2 == 0 ? key.getInt(0) : RANDOM.nextInt();
                int guess = RANDOM.nextInt();
                if (pid != key.getInt(0) || guess != key.getInt(4)) {
                    sendCancel(pid, guess);
                }
            }
            assertEquals("D: C Z", WireMessages.replies(client).replaceAll("D:[^ ]*", "D:"), "not cancelled");
        }
    }

    @Test
    void statsUserCannotRunControlCommands() throws SQLException {
        try (Connection stats = AdminConsole.connect(port, STATS, STATS_PASS)) {
            for (String command : List.of("PAUSE", "SHUTDOWN", "KILL app", "SET default_pool_size = 1")) {
                assertError("ERROR", "08P01", "admin access needed",
                        assertThrows(SQLException.class, () -> AdminConsole.command(stats, command)));
            }
        }
        try (Connection admin = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            assertEquals("no", AdminConsole.row(admin, "SHOW STATE", "key", "paused").get("value"));
        }
    }

    @Test
    void nonAdminIsNotAllowedOnTheConsole() {
        assertLoginRefused(port, AdminConsole.DB, PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS,
                "not allowed");
    }

    /**
     * The password-less {@code pgbouncer} console user is for jbouncer's own OS user over the Unix socket: root
     * (the tests' user, jbouncer's too) gets in without a password, {@code postgres} through the same socket is
     * asked for one like any unknown user, and a guess is refused.
     */
    @Test
    void passwordlessConsoleUserFromAnotherOsUserIsRefused() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run psql as another OS user");
        Files.setPosixFilePermissions(config.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = config.dir().resolve(".s.PGSQL." + port);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
        String connstring = "host=" + config.dir() + " port=" + port + " dbname=pgbouncer user=pgbouncer";
        Psql psql = Psql.of(pg);

        Psql.Result own = psql.run(connstring, null, "-w", "-At", "-c", "SHOW VERSION");
        assertEquals(0, own.exitCode(), own.stderr());

        ProcessBuilder other = psql.processBuilder(connstring, "a-guess", "-w", "-At", "-c", "SHOW VERSION");
        other.command().addAll(0, List.of("runuser", "-u", PostgresCluster.SUPERUSER, "--"));
        Path err = Files.createTempFile(config.dir(), "psql", ".err");
        Process process = other.redirectErrorStream(true).redirectOutput(err.toFile()).start();
        assertEquals(2, process.waitFor(), () -> read(err));
        String output = read(err);
        assertTrue(output.contains("FATAL:  " + SASL_FAILED), output);
    }

    @Test
    void oversizedStartupPacketIsRefused() {
        try (RawConnection raw = RawConnection.open(port)) {
            raw.send(RawConnection.startupMessage(3, 0, "user", "x".repeat(20_000), "database", "app"));
            RawConnection.Message error = raw.readMessage();
            assertEquals("08P01", error.fields().get('C'), error.fields().toString());
            assertTrue(raw.closedByPeer());
        }
        assertTrue(bouncer.awaitLog("bad packet header", Duration.ofSeconds(5)), bouncer::log);
    }

    @Test
    void tooManyStartupParametersAreRefused() {
        List<String> parameters = new ArrayList<>(List.of("user", PostgresCluster.SCRAM_USER, "database", "app"));
        for (int i = 0; i < 1500; i++) {
            parameters.add("p" + i);
            parameters.add("v");
        }
        try (RawConnection raw = RawConnection.open(port)) {
            raw.send(RawConnection.startupMessage(3, 0, parameters.toArray(String[]::new)));
            RawConnection.Message error = raw.readMessage();
            assertEquals('E', error.tag());
            assertEquals("08P01", error.fields().get('C'), error.fields().toString());
            assertTrue(raw.closedByPeer());
        }
    }

    /**
     * The name reaches {@code auth_query} as a parameter, never as SQL: it is refused as PgBouncer refuses a name
     * the query does not find ({@code no such user}), and the table is still there.
     */
    @Test
    void userNameWithSqlInItIsJustAnUnknownUser() throws SQLException {
        String user = "am'; DROP TABLE am_guard; --";
        assertLoginRefused(port, AQ_DB, user, "x", "no such user");
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.executeQuery("SELECT count(*) FROM am_guard").close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static Connection scramUser(String password) throws SQLException {
        return Jdbc.connect("127.0.0.1", port, PostgresCluster.DB, PostgresCluster.SCRAM_USER, password);
    }

    /** One SCRAM exchange, with the answer to its (tampered) client-final. */
    private record Exchange(String clientFirst, String serverFirst, String clientFinal,
                            RawConnection.Message answer) {
    }

    private interface Tamper {
        String apply(String clientFinal);
    }

    private static Exchange exchange(String user, String password, Tamper tamper) throws ScramException {
        try (RawConnection raw = startScram(user)) {
            ScramClient client = new ScramClient(password, RANDOM);
            String clientFirst = client.clientFirstMessage();
            raw.send(WireMessages.saslInitialResponse(clientFirst));
            String serverFirst = saslContinue(raw.readMessage());
            String clientFinal = tamper.apply(client.handleServerFirst(serverFirst));
            raw.send(WireMessages.saslResponse(clientFinal));
            return new Exchange(clientFirst, serverFirst, clientFinal, raw.readMessage());
        }
    }

    /** Sends a StartupMessage for {@code user} and reads the AuthenticationSASL request. */
    private static RawConnection startScram(String user) {
        RawConnection raw = RawConnection.open(port);
        raw.send(RawConnection.startupMessage(3, 0, "user", user, "database", PostgresCluster.DB));
        RawConnection.Message request = raw.readMessage();
        assertEquals('R', request.tag());
        assertEquals(AUTH_SASL, request.buffer().getInt());
        return raw;
    }

    private static String saslContinue(RawConnection.Message message) {
        assertEquals('R', message.tag(), () -> message.fields().toString());
        ByteBuffer body = message.buffer();
        assertEquals(AUTH_SASL_CONTINUE, body.getInt());
        return new String(message.body(), 4, message.body().length - 4, StandardCharsets.UTF_8);
    }

    /** Logs in as {@value PostgresCluster#SCRAM_USER} through the whole SCRAM exchange; returns the cancel key. */
    private static ByteBuffer loginWithScram(RawConnection raw, String database) {
        raw.send(RawConnection.startupMessage(3, 0, "user", PostgresCluster.SCRAM_USER, "database", database));
        RawConnection.Message request = raw.readMessage();
        assertEquals(AUTH_SASL, request.buffer().getInt());
        try {
            ScramClient client = new ScramClient(PostgresCluster.SCRAM_PASS, RANDOM);
            raw.send(WireMessages.saslInitialResponse(client.clientFirstMessage()));
            raw.send(WireMessages.saslResponse(client.handleServerFirst(saslContinue(raw.readMessage()))));
        } catch (ScramException e) {
            throw new AssertionError(e);
        }
        ByteBuffer key = null;
        while (true) {
            RawConnection.Message m = raw.readMessage();
            if (m.tag() == 'E') {
                throw new AssertionError("login failed: " + m.fields());
            }
            if (m.tag() == 'K') {
                key = ByteBuffer.wrap(m.body().clone());
            }
            if (m.tag() == 'Z') {
                assertTrue(key != null, "BackendKeyData before ReadyForQuery");
                return key;
            }
        }
    }

    private static void sendCancel(int pid, int secret) {
        try (RawConnection cancel = RawConnection.open(port)) {
            cancel.send(RawConnection.startupPacket(RawConnection.CANCEL_REQUEST,
                    ByteBuffer.allocate(8).putInt(pid).putInt(secret).array()));
            assertTrue(cancel.closedByPeer(), "a cancel request gets no reply");
        }
    }

    private static void assertFatal(RawConnection.Message message, String text) {
        Map<Character, String> fields = message.fields();
        assertEquals('E', message.tag(), fields::toString);
        assertEquals("FATAL", fields.get('S'), fields.toString());
        assertEquals("08P01", fields.get('C'), fields.toString());
        assertEquals(text, fields.get('M'), fields.toString());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
