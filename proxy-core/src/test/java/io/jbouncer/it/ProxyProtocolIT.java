package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.PsqlConsole;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.TestCertificates;
import io.jbouncer.it.support.TlsProbe;
import io.jbouncer.it.support.WireMessages;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PROXY protocol (issue 19, beyond PgBouncer): behind a trusted load balancer a client's header, v1 or v2, gives
 * it its real address in SHOW CLIENTS and hba rules; a trusted peer must send one; nobody else can.
 */
class ProxyProtocolIT {

    private static final String USER = PostgresCluster.TRUST_USER;
    private static final String ADMIN = "proxy_admin";
    private static final String ADMIN_PASS = "proxy_admin_pass";
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
        0x0A};

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static JBouncerConfig config(String trusted) {
        return JBouncerConfig.create()
                .set("auth_type", "trust")
                .set("admin_users", ADMIN)
                .set("proxy_protocol", "1")
                .set("proxy_trusted_networks", trusted)
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(USER, "unused")
                .user(ADMIN, ADMIN_PASS);
    }

    private static byte[] v1(String source, int sourcePort, int port) {
        return ("PROXY TCP4 " + source + " 127.0.0.1 " + sourcePort + " " + port + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 PROXY header for TCP over IPv6. */
    private static byte[] v2Tcp6(String source, int sourcePort, int port) throws Exception {
        ByteBuffer header = ByteBuffer.allocate(16 + 36);
        header.put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x21).putShort((short) 36);
        header.put(InetAddress.getByName(source).getAddress()).put(InetAddress.getByName("::1").getAddress());
        header.putShort((short) sourcePort).putShort((short) port);
        return header.array();
    }

    /** Logs in as {@link #USER} on a raw connection that first sends {@code header}; returns at ReadyForQuery. */
    private static RawConnection loginBehind(int port, byte[] header) {
        RawConnection raw = RawConnection.open(port);
        raw.send(header);
        raw.send(RawConnection.startupMessage(3, 0, "user", USER, "database", PostgresCluster.DB));
        while (raw.readMessage().tag() != 'Z') {
            // AuthenticationOk, ParameterStatus, BackendKeyData
        }
        return raw;
    }

    private static Map<String, String> clientRow(JBouncerConfig config) {
        return PsqlConsole.unixSocket(pg, config, ADMIN, ADMIN_PASS).show("SHOW CLIENTS")
                .stream().filter(row -> USER.equals(row.get("user"))).findFirst().orElseThrow();
    }

    @Test
    void v1HeaderGivesTheClientItsProxiedAddress() {
        JBouncerConfig config = config("127.0.0.0/8");
        BOUNCERS.start(config);
        try (RawConnection raw = loginBehind(config.port(), v1("203.0.113.7", 41234, config.port()))) {
            Map<String, String> row = clientRow(config);

            assertEquals("203.0.113.7", row.get("addr"));
            assertEquals("41234", row.get("port"));
            raw.send(WireMessages.query("SELECT 1"));
            assertEquals("D:1 C Z", WireMessages.replies(raw));
        }
    }

    @Test
    void v2HeaderWithAnIpv6SourceWorksToo() throws Exception {
        JBouncerConfig config = config("127.0.0.1/32, ::1/128");
        BOUNCERS.start(config);
        try (RawConnection raw = loginBehind(config.port(), v2Tcp6("2001:db8::42", 5000, config.port()))) {
            assertEquals("2001:db8:0:0:0:0:0:42", clientRow(config).get("addr"));
        }
    }

    @Test
    void trustedPeerWithoutAHeaderIsRefused() {
        JBouncerConfig config = config("127.0.0.0/8");
        BOUNCERS.start(config);

        long start = System.nanoTime();
        assertThrows(SQLException.class, () -> Jdbc.connect("127.0.0.1", config.port(), PostgresCluster.DB, USER,
                "unused").close());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "refused at once, not at client_login_timeout");
        try (RawConnection raw = loginBehind(config.port(), v1("198.51.100.1", 4000, config.port()))) {
            raw.send(WireMessages.query("SELECT 1"));
            assertEquals("D:1 C Z", WireMessages.replies(raw), "the process serves on");
        }
    }

    /** From outside the trusted networks a header is not read: its bytes fail as a startup packet. */
    @Test
    void untrustedPeerCannotClaimAnotherAddress() throws SQLException {
        JBouncerConfig config = config("10.0.0.0/8");
        BOUNCERS.start(config);
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(v1("203.0.113.7", 41234, config.port()));
            RawConnection.Message refused = raw.readMessage();
            assertEquals('E', refused.tag(), "a header from an untrusted peer must be refused");
            assertTrue(refused.fields().get('M').startsWith("bad packet header"), refused.fields().toString());
            assertTrue(raw.closedByPeer());
        }
        try (Connection c = Jdbc.connect("127.0.0.1", config.port(), PostgresCluster.DB, USER, "unused")) {
            assertEquals("127.0.0.1", clientRow(config).get("addr"));
        }
    }

    @Test
    void hbaRulesApplyToTheProxiedAddress() throws Exception {
        JBouncerConfig config = config("127.0.0.0/8").set("auth_type", "hba");
        Path hba = Files.writeString(config.dir().resolve("hba.conf"),
                "host all all 203.0.113.0/24 reject\nhost all all 0.0.0.0/0 trust\nlocal all all trust\n");
        config.set("auth_hba_file", hba.toString());
        BOUNCERS.start(config);

        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(v1("203.0.113.7", 41234, config.port()));
            raw.send(RawConnection.startupMessage(3, 0, "user", USER, "database", PostgresCluster.DB));
            RawConnection.Message refused = raw.readMessage();
            assertEquals('E', refused.tag());
            assertEquals("login rejected", refused.fields().get('M'));
        }
        try (RawConnection raw = loginBehind(config.port(), v1("198.51.100.1", 4000, config.port()))) {
            raw.send(WireMessages.query("SELECT 1"));
            assertEquals("D:1 C Z", WireMessages.replies(raw));
        }
    }

    /** TLS is negotiated after the header: the SSLRequest that follows it is answered S. */
    @Test
    void sslRequestAfterTheHeaderIsAnswered() {
        TestCertificates certs = TestCertificates.shared();
        JBouncerConfig config = config("127.0.0.0/8")
                .set("client_tls_sslmode", "prefer")
                .set("client_tls_key_file", certs.file("bouncer.key").toString())
                .set("client_tls_cert_file", certs.file("bouncer.crt").toString());
        BOUNCERS.start(config);
        try (RawConnection raw = RawConnection.open(config.port())) {
            raw.send(v1("203.0.113.7", 41234, config.port()));
            raw.send(TlsProbe.sslRequest());

            assertEquals('S', raw.readByte());
        }
    }

    /** A bad network in proxy_trusted_networks fails the load like any bad value, naming file and line. */
    @Test
    void badTrustedNetworkIsRefusedAtLoad() {
        Path ini = config("10.0.0.0/33").write();

        JBouncerProcess.Exited checked = JBouncerProcess.run(ini.getParent(), "--check", ini.toString());

        assertEquals(1, checked.exitCode(), checked.output());
        assertTrue(checked.output().contains("invalid value \"10.0.0.0/33\" for parameter proxy_trusted_networks"),
                checked.output());
    }
}
