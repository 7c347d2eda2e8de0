package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.RawConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The startup packet as PgBouncer handles it: SSLRequest and GSSENCRequest answered {@code N}, startup parameters
 * checked, garbage and unknown cancel keys refused, all seen from real psql and from a raw socket. (Protocol
 * versions and their negotiation: ProtocolVersionIT.)
 */
class StartupIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String USER = PostgresCluster.MD5_USER;
    private static final String PASSWORD = PostgresCluster.MD5_PASS;
    private static final int AUTH_MD5 = 5;

    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static Psql psql;

    @BeforeAll
    static void startBouncer() {
        psql = Psql.of(pg);
        config = JBouncerConfig.create()
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(USER, PostgresCluster.md5Secret(USER, PASSWORD));
        bouncer = BOUNCERS.start(config);
    }

    private static String connstring(String extra) {
        return "host=127.0.0.1 port=" + config.port() + " dbname=" + PostgresCluster.DB + " user=" + USER + " "
                + extra;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sslmode=prefer gssencmode=prefer", "sslmode=allow", "gssencmode=prefer sslmode=disable"})
    void psqlPreferringEncryptionFallsBackToPlainConnection(String encryption) {
        Psql.Result result = psql.run(connstring(encryption), PASSWORD, "-A", "-t",
                "-c", "SELECT current_user");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(USER + "\n", result.stdout());
    }

    @Test
    void psqlRequiringSslIsTurnedAway() {
        Psql.Result result = psql.run(connstring("sslmode=require"), PASSWORD, "-c", "SELECT 1");

        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("server does not support SSL, but SSL was required"), result.stderr());
    }

    @Test
    void optionsWithAnUntrackedParameterAreRefused() {
        Psql.Result result = psql.run(connstring("sslmode=disable options='-c work_mem=1MB'"), PASSWORD,
                "-c", "SELECT 1");

        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("FATAL:  unsupported startup parameter in options: work_mem"),
                result.stderr());
    }

    @Test
    void optionsWithATrackedParameterReachTheSession() {
        Psql.Result result = psql.run(connstring("sslmode=disable options='-c TimeZone=Asia/Tokyo'"), PASSWORD,
                "-A", "-t", "-c", "SHOW TimeZone");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("Asia/Tokyo\n", result.stdout());
    }

    @ParameterizedTest
    @ValueSource(ints = {RawConnection.SSL_REQUEST, RawConnection.GSSENC_REQUEST})
    void encryptionRequestIsAnsweredNoAndLoginContinues(int requestCode) {
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(RawConnection.startupPacket(requestCode, new byte[0]));
            assertEquals('N', raw.readByte());

            raw.send(RawConnection.startupMessage(3, 0, "user", USER, "database", PostgresCluster.DB));
            assertAuthenticationMd5(raw.readMessage());
        }
    }

    @Test
    void unknownStartupParameterIsRefused() {
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(RawConnection.startupMessage(3, 0, "user", USER, "database", PostgresCluster.DB,
                    "work_mem", "1MB"));

            assertFatal08P01("unsupported startup parameter: work_mem", raw.readMessage());
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void garbageGetsAnErrorAndTheConnectionIsClosed() {
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            assertFatal08P01("bad packet header: '47455420'", raw.readMessage());
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void protocol2IsRefused() {
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(RawConnection.startupMessage(2, 0, "user", USER, "database", PostgresCluster.DB));

            assertFatal08P01("old V2 protocol not supported", raw.readMessage());
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void cancelRequestWithUnknownKeyIsClosedSilently() {
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(RawConnection.startupPacket(RawConnection.CANCEL_REQUEST,
                    ByteBuffer.allocate(8).putInt(12345).putInt(67890).array()));

            assertTrue(raw.closedByPeer(), "closed without a reply");
        }
    }

    private static void assertAuthenticationMd5(RawConnection.Message message) {
        assertEquals('R', message.tag());
        assertEquals(8, message.body().length, "auth code and 4-byte salt");
        assertEquals(AUTH_MD5, message.buffer().getInt());
    }

    private static void assertFatal08P01(String text, RawConnection.Message message) {
        assertEquals('E', message.tag());
        Map<Character, String> fields = message.fields();
        assertEquals("FATAL", fields.get('S'), fields.toString());
        assertEquals("08P01", fields.get('C'), fields.toString());
        assertEquals(text, fields.get('M'), fields.toString());
    }
}
