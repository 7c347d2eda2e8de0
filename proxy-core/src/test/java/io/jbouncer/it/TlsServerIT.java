package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.TestCertificates;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code server_tls_*} (issue 13) against a real PostgreSQL with {@code ssl = on} whose {@code pg_hba.conf} admits
 * {@value PostgresCluster#TLS_USER} over TLS only and {@value PostgresCluster#CERT_USER} only with a client
 * certificate, and against the plaintext shared cluster ({@code ssl = off}). Clients talk plaintext to jbouncer;
 * whether the server connection is encrypted is read from PostgreSQL's own {@code pg_stat_ssl} and from SHOW
 * SERVERS' {@code tls} column.
 */
class TlsServerIT {

    private static final String ADMIN = "tls_admin";
    private static final String ADMIN_PASS = "tls_admin_pass";
    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

    private static final PostgresCluster tlsPg = PostgresCluster.sharedTls();
    private static final PostgresCluster plainPg = PostgresCluster.shared();
    private static final TestCertificates certs = TestCertificates.shared();
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    /** jbouncer with {@code app} on the TLS cluster at {@code host}, {@code plain} on the shared one, and a console. */
    private static JBouncerConfig config(String mode, String host) {
        return JBouncerConfig.create()
                .database("app", "host=" + host + " port=" + tlsPg.port() + " dbname=" + PostgresCluster.DB)
                .database("plain", plainPg.connstring(PostgresCluster.DB))
                .set("server_tls_sslmode", mode)
                .set("admin_users", ADMIN)
                .user(PostgresCluster.TLS_USER, PostgresCluster.TLS_PASS)
                .user(PostgresCluster.TRUST_USER, "x")
                .user(ADMIN, ADMIN_PASS);
    }

    /** Whether PostgreSQL sees the pooled connection as TLS, asked through jbouncer. */
    private static boolean serverSideSsl(int port) throws SQLException {
        try (Connection c = Jdbc.connect("127.0.0.1", port, "app", PostgresCluster.TLS_USER,
                PostgresCluster.TLS_PASS);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            return rs.getBoolean(1);
        }
    }

    private static void queryPlain(int port) throws SQLException {
        try (Connection c = Jdbc.connect("127.0.0.1", port, "plain", PostgresCluster.TRUST_USER, "x");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }

    private static SQLException loginFails(int port, String db, String user, String password) {
        return assertThrows(SQLException.class, () -> {
            try (Connection c = Jdbc.connect("127.0.0.1", port, db, user, password)) {
                c.createStatement().execute("SELECT 1");
            }
        });
    }

    private static List<Map<String, String>> servers(int port) throws SQLException {
        try (Connection console = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            return AdminConsole.rows(console, "SHOW SERVERS");
        }
    }

    @Test
    void preferTheDefaultUsesTlsWhereOfferedAndPlaintextWhereRefused() throws SQLException {
        JBouncerConfig config = config("prefer", "127.0.0.1");
        BOUNCERS.start(config);
        assertTrue(serverSideSsl(config.port()), "prefer must encrypt towards a server that offers TLS");
        queryPlain(config.port()); // the shared cluster answers N: plaintext fallback
        List<Map<String, String>> rows = servers(config.port());
        Map<String, String> tls = rows.stream().filter(r -> r.get("user").equals(PostgresCluster.TLS_USER))
                .findFirst().orElseThrow();
        assertTrue(tls.get("tls").matches("TLSv1\\.[23]/[A-Z0-9_-]+"), tls::toString);
        Map<String, String> plain = rows.stream().filter(r -> r.get("user").equals(PostgresCluster.TRUST_USER))
                .findFirst().orElseThrow();
        assertEquals("", plain.get("tls"));
    }

    @Test
    void allowAlsoAsksForTlsFirst() throws SQLException {
        JBouncerConfig config = config("allow", "127.0.0.1");
        BOUNCERS.start(config);
        assertTrue(serverSideSsl(config.port()));
        queryPlain(config.port());
    }

    @Test
    void disableSpeaksPlaintextSoTheTlsOnlyUserIsRejectedByPostgres() throws SQLException {
        JBouncerConfig config = config("disable", "127.0.0.1");
        BOUNCERS.start(config);
        SQLException e = loginFails(config.port(), "app", PostgresCluster.TLS_USER, PostgresCluster.TLS_PASS);
        assertTrue(e.getMessage().contains("no encryption"), e::getMessage);
        queryPlain(config.port());
    }

    @Test
    void requireEncryptsWithoutCheckingTheCertificateAndRefusesAPlaintextServer() throws SQLException {
        JBouncerConfig config = config("require", "localhost"); // a name the certificate does not carry
        JBouncerProcess bouncer = BOUNCERS.start(config);
        assertTrue(serverSideSsl(config.port()));
        SQLException e = loginFails(config.port(), "plain", PostgresCluster.TRUST_USER, "x");
        assertTrue(e.getMessage().contains("server refused SSL"), e::getMessage);
        assertTrue(bouncer.awaitLog("closing because: server refused SSL", LOG_TIMEOUT), bouncer::log);
    }

    @Test
    void verifyCaChecksTheChainAgainstTheCaFile() throws SQLException {
        JBouncerConfig trusted = config("verify-ca", "localhost")
                .set("server_tls_ca_file", certs.file("ca.crt").toString());
        BOUNCERS.start(trusted);
        assertTrue(serverSideSsl(trusted.port()), "verify-ca does not check the host name");

        JBouncerConfig untrusted = config("verify-ca", "127.0.0.1")
                .set("server_tls_ca_file", certs.file("other-ca.crt").toString());
        JBouncerProcess bouncer = BOUNCERS.start(untrusted);
        SQLException e = loginFails(untrusted.port(), "app", PostgresCluster.TLS_USER, PostgresCluster.TLS_PASS);
        assertTrue(e.getMessage().contains("TLS handshake error"), e::getMessage);
        assertTrue(bouncer.awaitLog("closing because: TLS handshake error", LOG_TIMEOUT), bouncer::log);
    }

    @Test
    void verifyFullChecksTheHostNameOfTheDatabaseEntry() throws SQLException {
        JBouncerConfig matching = config("verify-full", "127.0.0.1") // the certificate's IP SAN
                .set("server_tls_ca_file", certs.file("ca.crt").toString());
        BOUNCERS.start(matching);
        assertTrue(serverSideSsl(matching.port()));

        JBouncerConfig otherName = config("verify-full", "localhost")
                .set("server_tls_ca_file", certs.file("ca.crt").toString());
        BOUNCERS.start(otherName);
        SQLException e = loginFails(otherName.port(), "app", PostgresCluster.TLS_USER, PostgresCluster.TLS_PASS);
        assertTrue(e.getMessage().contains("TLS handshake error"), e::getMessage);
        SQLException plain = loginFails(otherName.port(), "plain", PostgresCluster.TRUST_USER, "x");
        assertTrue(plain.getMessage().contains("server refused SSL"), plain::getMessage);
    }

    @Test
    void aClientCertificateLogsInToPostgresCertAuthentication() throws SQLException {
        JBouncerConfig config = JBouncerConfig.create()
                .database("app", "host=127.0.0.1 port=" + tlsPg.port() + " dbname=" + PostgresCluster.DB)
                .set("server_tls_sslmode", "require")
                .set("server_tls_key_file", certs.file("client-cert_user.key").toString())
                .set("server_tls_cert_file", certs.file("client-cert_user.crt").toString())
                .user(PostgresCluster.CERT_USER, "x");
        BOUNCERS.start(config);
        try (Connection c = Jdbc.connect("127.0.0.1", config.port(), "app", PostgresCluster.CERT_USER, "x");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            assertEquals("/CN=" + PostgresCluster.CERT_USER, rs.getString(1));
        }
    }

    /** The managed-PostgreSQL setting: require with the provider's CA bundle configured (PgBouncer does not check). */
    @Test
    void requireWithACaFileEncrypts() throws SQLException {
        JBouncerConfig config = config("require", "127.0.0.1")
                .set("server_tls_ca_file", certs.file("ca.crt").toString());
        BOUNCERS.start(config);
        assertTrue(serverSideSsl(config.port()));
    }

    @Test
    void reloadingOtherServerTlsSettingsRetiresTheOpenServers() throws SQLException {
        JBouncerConfig config = config("disable", "127.0.0.1");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        queryPlain(config.port());
        assertEquals("", servers(config.port()).get(0).get("tls"));

        config.set("server_tls_sslmode", "require").write();
        try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            AdminConsole.command(console, "RELOAD");
        }
        assertTrue(bouncer.awaitLog("server TLS settings changed, reconnecting all pools", LOG_TIMEOUT),
                bouncer::log);
        // The plaintext server was retired; the new one must ask for TLS, and the shared cluster refuses it.
        SQLException e = loginFails(config.port(), "plain", PostgresCluster.TRUST_USER, "x");
        assertTrue(e.getMessage().contains("server refused SSL"), e::getMessage);
        assertTrue(serverSideSsl(config.port()));
    }

    /**
     * Both sides at once, as a deployment runs it: clients must use TLS (their certificates checked against the CA
     * when they present one), PostgreSQL accepts TLS only and is verified with verify-full.
     */
    @Test
    void tlsOnBothSidesEndToEnd() {
        JBouncerConfig config = config("verify-full", "127.0.0.1")
                .set("server_tls_ca_file", certs.file("ca.crt").toString())
                .set("client_tls_sslmode", "require")
                .set("client_tls_key_file", certs.file("bouncer.key").toString())
                .set("client_tls_cert_file", certs.file("bouncer.crt").toString())
                .set("client_tls_ca_file", certs.file("ca.crt").toString());
        BOUNCERS.start(config);
        Psql.Result result = Psql.of(plainPg).run("host=localhost port=" + config.port() + " dbname=app user="
                        + PostgresCluster.TLS_USER + " sslmode=verify-full sslrootcert=" + certs.file("ca.crt")
                        + " sslcert=" + certs.file("client-tls_user.crt") + " sslkey=" + certs.file("client-tls_user.key"),
                PostgresCluster.TLS_PASS, "-At", "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        assertEquals(0, result.exitCode(), result::stderr);
        assertEquals("t", result.stdout().strip());
    }
}
