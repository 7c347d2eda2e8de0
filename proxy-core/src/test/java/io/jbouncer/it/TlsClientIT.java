package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.Exec;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.MetricsScrape;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.TestCertificates;
import io.jbouncer.it.support.TlsProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code client_tls_*} and {@code auth_type = cert} (issue 13), driven with psql, pgjdbc and psycopg using the
 * throw-away certificates of {@link TestCertificates}; plus misbehaving TLS clients, certificate reloads and the
 * start-up and {@code --check} refusals. Servers are the plaintext shared cluster.
 */
class TlsClientIT {

    private static final String USER = PostgresCluster.TRUST_USER;
    private static final String PASS = "trust_pass";
    private static final String ADMIN = "tls_admin";
    private static final String ADMIN_PASS = "tls_admin_pass";
    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);
    /** The interpreter Debian's python3-psycopg is installed for. */
    private static final String PYTHON = "/usr/bin/python3";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static final TestCertificates certs = TestCertificates.shared();
    private static final Psql psql = Psql.of(pg);
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    /** Client TLS in {@code mode} with jbouncer's RSA (PKCS#1) key, the test CA for client certificates. */
    private static JBouncerConfig config(String mode) {
        return JBouncerConfig.create()
                .database("plain", pg.connstring(PostgresCluster.DB))
                .set("client_tls_sslmode", mode)
                .set("client_tls_key_file", certs.file("bouncer.key").toString())
                .set("client_tls_cert_file", certs.file("bouncer.crt").toString())
                .set("client_tls_ca_file", certs.file("ca.crt").toString())
                .set("admin_users", ADMIN)
                .user(USER, PASS)
                .user(PostgresCluster.TLS_USER, "unused")
                .user(ADMIN, ADMIN_PASS);
    }

    /** psql to {@code db} as {@code user} with libpq TLS options {@code ssl}; runs {@code sql}. */
    private static Psql.Result psql(JBouncerConfig config, String db, String user, String ssl, String sql) {
        String connstring = "host=localhost port=" + config.port() + " dbname=" + db + " user=" + user + " " + ssl;
        return psql.run(connstring, USER.equals(user) ? PASS : ADMIN_PASS, "-At", "-c", sql);
    }

    private static String verifyFull() {
        return "sslmode=verify-full sslrootcert=" + certs.file("ca.crt");
    }

    private static String withClientCert(String name) {
        return verifyFull() + " sslcert=" + certs.file(name + ".crt") + " sslkey=" + certs.file(name + ".key");
    }

    /** pgjdbc with {@code sslmode=verify-full} against the test CA, plus {@code extra}; the first column of {@code sql}. */
    private static String pgjdbcQuery(JBouncerConfig config, String user, String password, Map<String, String> extra,
                                      String sql) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("sslmode", "verify-full");
        props.setProperty("sslrootcert", certs.file("ca.crt").toString());
        extra.forEach(props::setProperty);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + config.port() + "/plain",
                props);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static void assertServes(Psql.Result result) {
        assertEquals(0, result.exitCode(), result::stderr);
        assertEquals("1", result.stdout().strip(), result::stderr);
    }

    private static void assertRefused(Psql.Result result, String text) {
        assertNotEquals(0, result.exitCode(), result::stdout);
        assertTrue(result.stderr().contains(text), result::stderr);
    }

    @Test
    void requireServesTlsClientsAndRefusesPlaintextLogins() {
        JBouncerConfig config = config("require");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        assertServes(psql(config, "plain", USER, verifyFull(), "SELECT 1"));
        assertRefused(psql(config, "plain", USER, "sslmode=disable", "SELECT 1"), "SSL required");
        // Unix-socket clients never use TLS and are not refused.
        Psql.Result unix = psql.run("host=" + config.dir() + " port=" + config.port() + " dbname=plain user=" + USER,
                PASS, "-At", "-c", "SELECT 1");
        assertServes(unix);
        Psql.Result clients = psql(config, "pgbouncer", ADMIN, verifyFull(), "SHOW CLIENTS");
        assertEquals(0, clients.exitCode(), clients::stderr);
        // The suite is the engine's choice: BoringSSL prefers AES-128 where the CPU has AES instructions.
        assertTrue(clients.stdout().matches("(?s).*\\|TLSv1\\.3/TLS_(AES_256_GCM_SHA384|AES_128_GCM_SHA256"
                + "|CHACHA20_POLY1305_SHA256)\\|.*"), clients::stdout);
        assertTrue(bouncer.log().contains("TLS engine: "), bouncer::log);
        assertTrue(bouncer.awaitLog("login attempt: db=plain user=" + USER + " tls=TLSv1.3/", LOG_TIMEOUT),
                bouncer::log);
    }

    @Test
    void preferAndAllowServeBothPlaintextAndTls() {
        for (String mode : List.of("prefer", "allow")) {
            JBouncerConfig config = config(mode);
            BOUNCERS.start(config);
            assertServes(psql(config, "plain", USER, "sslmode=disable", "SELECT 1"));
            assertServes(psql(config, "plain", USER, "sslmode=require", "SELECT 1"));
        }
    }

    @Test
    void disableAnswersNoToTheSslRequest() {
        JBouncerConfig config = config("disable");
        BOUNCERS.start(config);
        assertServes(psql(config, "plain", USER, "sslmode=prefer", "SELECT 1"));
        assertRefused(psql(config, "plain", USER, "sslmode=require", "SELECT 1"), "server does not support SSL");
    }

    @Test
    void verifyModesRequireAClientCertificateFromTheCa() {
        for (String mode : List.of("verify-ca", "verify-full")) {
            JBouncerConfig config = config(mode);
            BOUNCERS.start(config);
            assertServes(psql(config, "plain", USER, withClientCert("client-tls_user"), "SELECT 1"));
            assertNotEquals(0, psql(config, "plain", USER, verifyFull() + " sslcert=/nonexistent", "SELECT 1")
                    .exitCode(), "no client certificate");
            assertNotEquals(0, psql(config, "plain", USER, withClientCert("client-other-ca"), "SELECT 1")
                    .exitCode(), "a certificate from another CA");
        }
    }

    @Test
    void pgjdbcAndPsycopgConnectWithVerifyFull() throws Exception {
        JBouncerConfig config = config("require");
        BOUNCERS.start(config);
        assertEquals("42", pgjdbcQuery(config, USER, PASS, Map.of("ssl", "true"), "SELECT 42"));
        String script = "import psycopg\n"
                + "with psycopg.connect('host=localhost port=" + config.port() + " dbname=plain user=" + USER
                + " password=" + PASS + " " + verifyFull() + "') as c:\n"
                + "    print(c.execute('SELECT 41 + 1').fetchone()[0], c.info.pgconn.ssl_in_use)\n";
        String out = Exec.check(config.dir(), Duration.ofSeconds(60), List.of(PYTHON, "-c", script));
        assertEquals("42 True", out.strip());
    }

    @Test
    void certificateLoginChecksTheCommonName() {
        // The plaintext cluster has no tls_user: the database entry forces a user PostgreSQL knows.
        JBouncerConfig config = config("verify-full").set("auth_type", "cert")
                .database("certdb", pg.connstring(PostgresCluster.DB) + " user=" + USER);
        JBouncerProcess bouncer = BOUNCERS.start(config);
        String asTlsUser = "host=localhost port=" + config.port() + " dbname=certdb user=" + PostgresCluster.TLS_USER;
        assertServes(psql.run(asTlsUser + " " + withClientCert("client-tls_user"), null, "-At", "-c", "SELECT 1"));
        Psql.Result wrongName = psql.run(asTlsUser + " " + withClientCert("client-wrong-cn"), null, "-At", "-c",
                "SELECT 1");
        assertRefused(wrongName, "certificate authentication failed");
        assertTrue(bouncer.awaitLog("TLS certificate name mismatch", LOG_TIMEOUT), bouncer::log);
        assertNotEquals(0, psql.run(asTlsUser + " " + withClientCert("client-other-ca"), null, "-At", "-c",
                "SELECT 1").exitCode(), "another CA's certificate fails the handshake");
        assertNotEquals(0, psql.run(asTlsUser + " " + verifyFull() + " sslcert=/nonexistent", null, "-At", "-c",
                "SELECT 1").exitCode(), "no certificate fails the handshake");
        // The same certificate for a user it does not name.
        assertRefused(psql.run("host=localhost port=" + config.port() + " dbname=plain user=" + USER + " "
                + withClientCert("client-tls_user"), null, "-At", "-c", "SELECT 1"),
                "certificate authentication failed");
    }

    /**
     * auth_type = hba with TLS (issue 13 and 14 together): hostssl lines apply to TLS logins and hostnossl to the
     * others, and a cert line logs a TLS client in by its certificate's common name.
     */
    @Test
    void hbaRulesSeeTlsAndClientCertificates() throws IOException {
        JBouncerConfig config = config("prefer").set("auth_type", "hba")
                .database("certdb", pg.connstring(PostgresCluster.DB) + " user=" + USER);
        Path hba = config.dir().resolve("hba.conf");
        Files.writeString(hba, String.join("\n",
                "hostssl   certdb all 127.0.0.1/32 cert",
                "hostssl   all    all 127.0.0.1/32 md5",
                "hostnossl all    all 127.0.0.1/32 reject", ""));
        config.set("auth_hba_file", hba.toString());
        BOUNCERS.start(config);

        assertServes(psql(config, "plain", USER, verifyFull(), "SELECT 1"));
        assertRefused(psql(config, "plain", USER, "sslmode=disable", "SELECT 1"), "login rejected");
        String asTlsUser = "host=localhost port=" + config.port() + " dbname=certdb user=" + PostgresCluster.TLS_USER;
        assertServes(psql.run(asTlsUser + " " + withClientCert("client-tls_user"), null, "-At", "-c", "SELECT 1"));
        assertRefused(psql.run(asTlsUser + " " + withClientCert("client-wrong-cn"), null, "-At", "-c", "SELECT 1"),
                "certificate authentication failed");
    }

    /** The metrics endpoint counts TLS handshakes with clients, succeeded and failed (issue 17). */
    @Test
    void tlsHandshakesAreCountedInTheMetrics() throws IOException {
        int metricsPort = FreePort.find();
        JBouncerConfig config = config("prefer").set("metrics_port", Integer.toString(metricsPort));
        JBouncerProcess bouncer = BOUNCERS.start(config);
        assertServes(psql(config, "plain", USER, verifyFull(), "SELECT 1"));
        try (Socket garbage = TlsProbe.requestTls(config.port(), 'S')) {
            OutputStream out = garbage.getOutputStream();
            out.write("this is not a TLS record, just text\r\n".repeat(20).getBytes());
            out.flush();
            assertTrue(TlsProbe.closedByPeer(garbage));
        }

        assertTrue(Poll.until(LOG_TIMEOUT, () -> handshakes(metricsPort, "failure") >= 1), bouncer::log);
        assertTrue(handshakes(metricsPort, "success") >= 1);
    }

    private static double handshakes(int metricsPort, String result) {
        return MetricsScrape.value(MetricsScrape.scrape(metricsPort), "jbouncer_tls_handshakes_total",
                Map.of("side", "client", "result", result)).orElse(0.0);
    }

    @Test
    void misbehavingTlsClientsAreClosedAndTheProcessServesOn() throws IOException {
        JBouncerConfig config = config("prefer");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        // A second SSLRequest inside TLS: closed without an answer.
        try (SSLSocket tls = TlsProbe.handshake(config.port())) {
            tls.getOutputStream().write(TlsProbe.sslRequest());
            tls.getOutputStream().flush();
            assertTrue(TlsProbe.closedByPeer(tls));
        }
        // Bytes behind the SSLRequest, before the answer: unencrypted, so refused.
        try (Socket socket = new Socket("127.0.0.1", config.port())) {
            socket.setSoTimeout(10_000);
            byte[] request = TlsProbe.sslRequest();
            byte[] withTail = new byte[request.length + 3];
            System.arraycopy(request, 0, withTail, 0, request.length);
            socket.getOutputStream().write(withTail);
            assertTrue(TlsProbe.closedByPeer(socket));
        }
        // Garbage instead of a ClientHello.
        try (Socket socket = TlsProbe.requestTls(config.port(), 'S')) {
            OutputStream out = socket.getOutputStream();
            out.write("this is not a TLS record, just text\r\n".repeat(20).getBytes());
            out.flush();
            assertTrue(TlsProbe.closedByPeer(socket));
        }
        // Half a handshake record, then gone.
        try (Socket socket = TlsProbe.requestTls(config.port(), 'S')) {
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00});
            socket.getOutputStream().flush();
        }
        assertServes(psql(config, "plain", USER, verifyFull(), "SELECT 1"));
        assertTrue(bouncer.awaitLog("TLS handshake error", LOG_TIMEOUT), bouncer::log);
    }

    @Test
    void reloadSwapsTheCertificateAndABadFileKeepsTheOldOne() throws IOException {
        JBouncerConfig config = config("prefer");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        assertEquals("RSA", TlsProbe.presentedKeyAlgorithm(config.port()));

        config.set("client_tls_key_file", certs.file("bouncer-ec.key").toString())
                .set("client_tls_cert_file", certs.file("bouncer-ec.crt").toString())
                .write();
        Psql.Result reload = psql(config, "pgbouncer", ADMIN, verifyFull(), "RELOAD");
        assertEquals(0, reload.exitCode(), reload::stderr);
        assertEquals("EC", TlsProbe.presentedKeyAlgorithm(config.port()));

        config.set("client_tls_key_file", config.dir().resolve("missing.key").toString()).write();
        Psql.Result rejected = psql(config, "pgbouncer", ADMIN, verifyFull(), "RELOAD");
        assertNotEquals(0, rejected.exitCode());
        assertTrue(rejected.stderr().contains("invalid client_tls_key_file"), rejected::stderr);
        assertTrue(bouncer.awaitLog("TLS configuration could not be reloaded, keeping old configuration",
                LOG_TIMEOUT), bouncer::log);
        assertEquals("EC", TlsProbe.presentedKeyAlgorithm(config.port()));
        assertServes(psql(config, "plain", USER, verifyFull(), "SELECT 1"));

        // The console's SET is checked the same way: a key file that cannot be read changes nothing.
        Psql.Result set = psql(config, "pgbouncer", ADMIN, verifyFull(),
                "SET client_tls_key_file = '" + config.dir().resolve("missing.key") + "'");
        assertTrue(set.stderr().contains("SET failed"), set::stderr);
        assertTrue(bouncer.awaitLog("TLS settings could not be applied, still using old configuration",
                LOG_TIMEOUT), bouncer::log);
        assertEquals("EC", TlsProbe.presentedKeyAlgorithm(config.port()));
    }

    @Test
    void startAndCheckRefuseMissingOrUnreadableTlsFiles() throws IOException {
        JBouncerConfig noKey = config("require").set("client_tls_key_file", "");
        Path ini = noKey.write();
        JBouncerProcess.Exited start = JBouncerProcess.run(noKey.dir(), ini.toString());
        assertNotEquals(0, start.exitCode(), start::output);
        assertTrue(start.output().contains("client_tls_key_file and client_tls_cert_file must be set"),
                start::output);

        JBouncerConfig missing = config("require").set("client_tls_cert_file", "/nonexistent/bouncer.crt");
        JBouncerProcess.Exited check = JBouncerProcess.run(missing.dir(), "--check", missing.write().toString());
        assertNotEquals(0, check.exitCode(), check::output);
        assertTrue(check.output().contains("invalid client_tls_cert_file: /nonexistent/bouncer.crt (no such file)"),
                check::output);

        Path notPem = missing.dir().resolve("garbage.key");
        Files.writeString(notPem, "not a key\n");
        JBouncerConfig garbage = config("require").set("client_tls_key_file", notPem.toString());
        JBouncerProcess.Exited bad = JBouncerProcess.run(garbage.dir(), "--check", garbage.write().toString());
        assertNotEquals(0, bad.exitCode(), bad::output);
        assertTrue(bad.output().contains("invalid client_tls_key_file"), bad::output);

        JBouncerConfig certWithoutFull = config("require").set("auth_type", "cert");
        JBouncerProcess.Exited cert = JBouncerProcess.run(certWithoutFull.dir(), "--check",
                certWithoutFull.write().toString());
        assertTrue(cert.output().contains("auth_type=cert requires client_tls_sslmode"), cert::output);
    }

    /**
     * Beyond PgBouncer: SCRAM-SHA-256-PLUS over TLS, so clients with {@code channel_binding=require} log in, also
     * with SCRAM pass-through to PostgreSQL (the stored secret is a verifier, the password unknown to jbouncer).
     */
    @Test
    void channelBindingRequiredByTheClientWorksOverTls() throws Exception {
        String scramUser = PostgresCluster.SCRAM_USER;
        JBouncerConfig config = config("prefer").set("auth_type", "scram-sha-256")
                .user(scramUser, pg.scramSecretOf(scramUser));
        BOUNCERS.start(config);
        String base = "host=localhost port=" + config.port() + " dbname=plain user=" + scramUser;
        Psql.Result bound = psql.run(base + " " + verifyFull() + " channel_binding=require",
                PostgresCluster.SCRAM_PASS, "-At", "-c", "SELECT 1");
        assertServes(bound);
        // Without TLS there is nothing to bind to: libpq refuses to go on.
        Psql.Result plain = psql.run(base + " sslmode=disable channel_binding=require", PostgresCluster.SCRAM_PASS,
                "-At", "-c", "SELECT 1");
        assertRefused(plain, "channel binding");

        assertEquals(scramUser, pgjdbcQuery(config, scramUser, PostgresCluster.SCRAM_PASS,
                Map.of("channelBinding", "require"), "SELECT current_user"));
    }

    /** Direct TLS (PgBouncer 1.25): a ClientHello instead of an SSLRequest, with ALPN postgresql as PostgreSQL asks. */
    @Test
    void directTlsWithAlpnPostgresql() throws Exception {
        JBouncerConfig config = config("require");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        assertEquals("7", pgjdbcQuery(config, USER, PASS, Map.of("sslNegotiation", "direct"), "SELECT 7"));
        try (SSLSocket alpn = TlsProbe.direct(config.port(), "postgresql")) {
            assertEquals("postgresql", alpn.getApplicationProtocol());
        }
        try (SSLSocket withoutAlpn = TlsProbe.direct(config.port())) {
            assertTrue(TlsProbe.closedByPeer(withoutAlpn));
        }
        assertTrue(bouncer.awaitLog("direct TLS connection without ALPN protocol postgresql", LOG_TIMEOUT),
                bouncer::log);
        assertTrue(bouncer.awaitLog("login attempt: db=plain user=" + USER + " tls=TLSv1.3/", LOG_TIMEOUT),
                bouncer::log);
    }
}
