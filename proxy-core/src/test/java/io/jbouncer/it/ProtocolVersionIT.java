package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.RawLogin;
import io.jbouncer.it.support.WireMessages;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Protocol versions 3.0 to 3.2 from clients, byte by byte (issue 19, part 1): no NegotiateProtocolVersion for what
 * jbouncer speaks, exactly one for a newer minor version (PostgreSQL 19 libpq's {@code 3.9999} probe) or a
 * {@code _pq_.*} option, an 8-byte cancel key for 3.0/3.1 and a 36-byte one for 3.2, and a CancelRequest quoting
 * either length cancelling the query through the real PostgreSQL. Towards PostgreSQL jbouncer asks for 3.2; a
 * server before 18 (the test cluster) negotiates down to 3.0, and cancels then quote its 8-byte key.
 */
class ProtocolVersionIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final int VERSION_3_2 = 3 << 16 | 2;
    private static final Duration LOGGED_WITHIN = Duration.ofSeconds(10);

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void start() {
        config = JBouncerConfig.trust(pg);
        bouncer = BOUNCERS.start(config, "-v");
    }

    private static RawLogin login(int minor, String... extra) {
        return RawLogin.trusted(config.port(), minor, extra);
    }

    /** 3.0 as today; 3.1 was never used by PostgreSQL and, as there, is taken as it is with the 3.0 key. */
    @ParameterizedTest(name = "3.{0}")
    @ValueSource(ints = {0, 1})
    void protocol30And31GetNoNegotiationAndAnEightByteKey(int minor) {
        try (RawLogin login = login(minor)) {
            assertEquals(0, login.negotiations().size());
            assertEquals(8, login.cancelKey().length);
            assertTrue(ByteBuffer.wrap(login.cancelKey()).getInt() >= 0, "a positive process id");
        }
    }

    @Test
    void protocol32GetsNoNegotiationAndALongKey() {
        try (RawLogin login = login(2)) {
            assertEquals(0, login.negotiations().size());
            assertEquals(4 + 32, login.cancelKey().length, "process id and a 32-byte secret, as PostgreSQL 18");
            assertEquals("D:1 C Z", login.query("SELECT 1"));
        }
    }

    /**
     * PostgreSQL 19's libpq asks for 3.9999 with a {@code _pq_.} option it knows nobody has: it must get exactly one
     * NegotiateProtocolVersion naming 3.2 (the whole version code) and that option, then the login goes on in 3.2.
     */
    @Test
    void newerMinorVersionIsNegotiatedTo32OnceWithTheUnknownOptions() {
        try (RawLogin login = login(9999, "_pq_.test_protocol_negotiation", "1")) {
            assertEquals(1, login.negotiations().size());
            ByteBuffer body = login.negotiations().get(0).buffer();
            assertEquals(VERSION_3_2, body.getInt(), "the version the connection goes on with");
            assertEquals(1, body.getInt(), "unrecognized protocol options");
            assertArrayEquals("_pq_.test_protocol_negotiation\0".getBytes(StandardCharsets.US_ASCII), rest(body));
            assertEquals(36, login.cancelKey().length);
            assertEquals("D:1 C Z", login.query("SELECT 1"));
        }
    }

    /** An unknown option with 3.0: negotiated, the version stays 3.0 (the older of the client's and ours). */
    @Test
    void protocolOptionWith30IsListedAndTheVersionStays30() {
        try (RawLogin login = login(0, "_pq_.test_option", "on")) {
            assertEquals(1, login.negotiations().size());
            ByteBuffer body = login.negotiations().get(0).buffer();
            assertEquals(3 << 16, body.getInt());
            assertEquals(1, body.getInt());
            assertArrayEquals("_pq_.test_option\0".getBytes(StandardCharsets.US_ASCII), rest(body));
            assertEquals(8, login.cancelKey().length);
        }
    }

    /** The key of either length, quoted whole, cancels the running query on the real server: SQLSTATE 57014. */
    @ParameterizedTest(name = "3.{0}")
    @ValueSource(ints = {0, 2})
    void cancelQuotingTheIssuedKeyCancelsTheQuery(int minor) {
        String sleep = "SELECT pg_sleep(30) /* protocol 3." + minor + " */";
        try (RawLogin login = login(minor)) {
            login.startRunning(pg, sleep);

            RawLogin.sendCancel(config.port(), login.cancelRequest());

            assertEquals("57014", login.errorCode());
        }
    }

    /**
     * A 3.2 key cut to its first 8 bytes, or with one secret byte changed, is not the key: the query runs to its end.
     * (A pooler that compared only the first 8 bytes of a long key would cancel it.)
     */
    @Test
    void cancelWithATruncatedOrAlteredLongKeyCancelsNothing() {
        String sleep = "SELECT pg_sleep(1.5) /* wrong keys */";
        try (RawLogin login = login(2)) {
            login.startRunning(pg, sleep);
            byte[] altered = login.cancelKey().clone();
            altered[35] ^= 1;

            RawLogin.sendCancel(config.port(), RawConnection.startupPacket(RawConnection.CANCEL_REQUEST,
                    Arrays.copyOf(login.cancelKey(), 8)));
            RawLogin.sendCancel(config.port(), RawConnection.startupPacket(RawConnection.CANCEL_REQUEST, altered));

            assertEquals("D: C Z", WireMessages.replies(login.connection()), "pg_sleep ran to its end");
        }
    }

    /** Keys shorter than 3.0's or longer than 3.2 allows: the request is dropped unanswered, the pooler serves on. */
    @ParameterizedTest(name = "{0} key bytes")
    @ValueSource(ints = {4, 7, 4 + 257})
    void cancelRequestOfImpossibleLengthIsClosedSilently(int length) {
        RawLogin.sendCancel(config.port(), RawConnection.startupPacket(RawConnection.CANCEL_REQUEST,
                new byte[length]));
        try (RawLogin login = login(2)) {
            assertEquals("D:1 C Z", login.query("SELECT 1"));
        }
    }

    /**
     * jbouncer asks PostgreSQL for 3.2. The test cluster (PostgreSQL 15 unless JBOUNCER_TEST_PGBIN names another)
     * answers with NegotiateProtocolVersion 3.0 and logs in on; a PostgreSQL 18 keeps 3.2 and a 36-byte key.
     */
    @Test
    void serversBefore18NegotiateDownAnd18Keeps32() throws SQLException {
        try (RawLogin login = login(0)) {
            assertEquals("D:1 C Z", login.query("SELECT 1"));
        }
        String expected = serverVersionNum() >= 180000 ? "server speaks protocol 3.2, cancel key of 36 bytes"
                : "server speaks protocol 3.0, cancel key of 8 bytes";
        assertTrue(bouncer.awaitLog(expected, LOGGED_WITHIN), bouncer::log);
    }

    private static int serverVersionNum() throws SQLException {
        try (Connection c = pg.superuserJdbc("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version_num")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static byte[] rest(ByteBuffer body) {
        byte[] rest = new byte[body.remaining()];
        body.get(rest);
        return rest;
    }
}
