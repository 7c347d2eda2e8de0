package io.jbouncer.it;

import static io.jbouncer.it.support.ServerErrors.assertLoginRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code auth_type = hba} with an {@code auth_hba_file} (config.md, HBA file format) against real clients: each method
 * (trust, reject, md5, password, scram-sha-256, peer over the Unix socket) and line form (local, host with CIDR and
 * with address and mask, hostnossl, lists, {@code sameuser}, {@code @file}), the refusals, and a file with a line
 * jbouncer cannot apply rejected by {@code --check} and by RELOAD, which keeps the rules in force.
 */
class HbaIT {

    private static final String ADMIN = "hba_admin";
    private static final String ADMIN_PASS = "hba_admin_pass";
    private static final String OS_USER = System.getProperty("user.name");
    private static final String OS_USER_PASS = "hba_peer_pass";
    private static final String TRUST_PASS = "trust_pass";

    private static final String RULES = String.join("\n",
            "# jbouncer HbaIT",
            "local     all          all                                  peer",
            "host      pgbouncer    " + ADMIN + "  127.0.0.1/32          md5",
            "host      app2         trust_user     127.0.0.1/32          trust",
            "host      app          md5_user       127.0.0.1 255.255.255.255  md5",
            "host      app, \"app2\"  scram_user   127.0.0.1/32          scram-sha-256",
            "host      sameuser     all            127.0.0.0/8           password",
            "hostnossl all          @rejected.txt  0.0.0.0/0             reject",
            "host      all          all            10.0.0.0/8            trust",
            "");

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static JBouncerConfig config;
    /** Stopped, and checked for leaks, after the last test. */
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        assertNotEquals("trust_user", OS_USER, "the peer test needs an OS user other than the test roles");
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + OS_USER + "') THEN"
                    + " CREATE ROLE \"" + OS_USER + "\" LOGIN PASSWORD '" + OS_USER_PASS + "'; END IF; END $$");
        }
        config = JBouncerConfig.create()
                .set("auth_type", "hba")
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .database(PostgresCluster.DB2, pg.connstring(PostgresCluster.DB2))
                .database(PostgresCluster.MD5_USER, pg.connstring(PostgresCluster.DB))
                .user(ADMIN, ADMIN_PASS)
                .user(OS_USER, OS_USER_PASS)
                .user(PostgresCluster.TRUST_USER, TRUST_PASS)
                .user(PostgresCluster.MD5_USER, PostgresCluster.md5Secret(PostgresCluster.MD5_USER,
                        PostgresCluster.MD5_PASS))
                .user(PostgresCluster.SCRAM_USER, pg.scramSecretOf(PostgresCluster.SCRAM_USER));
        config.set("auth_hba_file", writeRules(RULES).toString());
        BOUNCERS.start(config);
        port = config.port();
    }

    @ParameterizedTest(name = "{0}/{1} on {2} ({3})")
    @CsvSource(nullValues = "NULL", value = {
        "trust_user, NULL,       app2,     trust",
        "md5_user,   md5_pass,   app,      md5 with address and mask",
        "scram_user, scram_pass, app2,     scram-sha-256 from a list with a quoted name",
        "md5_user,   md5_pass,   md5_user, password through sameuser",
    })
    void ruleMethodLogsIn(String user, String password, String db, String why) throws SQLException {
        try (Connection c = Jdbc.connect("127.0.0.1", port, db, user, password); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_user")) {
            assertTrue(rs.next(), why);
            assertEquals(user, rs.getString(1), why);
        }
    }

    @ParameterizedTest(name = "{0}/{1} on {2} gets {3}")
    @CsvSource(nullValues = "NULL", value = {
        "md5_user,   wrong,      app,   password authentication failed",
        "scram_user, wrong,      app,   SASL authentication failed",
        "trust_user, trust_pass, app,   no authentication method is found",
        "md5_user,   md5_pass,   app2,  login rejected",
        "nobody,     NULL,       app2,  no authentication method is found",
    })
    void isRefused(String user, String password, String db, String message) {
        assertLoginRefused(port, db, user, password, message);
    }

    @Test
    void peerLogsInTheOsUserOverTheUnixSocketOnly() {
        Psql psql = Psql.of(pg);
        Psql.Result own = psql.run(socketConnstring(OS_USER), null, "-At", "-c", "SELECT current_user");
        assertEquals(0, own.exitCode(), own.stderr());
        assertEquals(OS_USER, own.stdout().strip());

        Psql.Result other = psql.run(socketConnstring(PostgresCluster.TRUST_USER), TRUST_PASS, "-c", "SELECT 1");
        assertEquals(2, other.exitCode(), other.stderr());
        assertTrue(other.stderr().contains("unix socket login rejected"), other.stderr());
    }

    /**
     * auth_ident_file (PgBouncer 1.23): {@code peer map=...} lets the OS user log in as the users its map names, and
     * only those; a map the ident file does not define refuses the hba file.
     */
    @Test
    void peerWithAnIdentMapLogsTheOsUserInAsTheMappedUsers() throws Exception {
        Path dir = config.dir();
        Path hba = Files.writeString(dir.resolve("mapped-hba.conf"), "local all all peer map=os\n");
        Path ident = Files.writeString(dir.resolve("ident.conf"), "# map  system-user  user\nos " + OS_USER + " "
                + PostgresCluster.TRUST_USER + "\n");
        JBouncerConfig mapped = JBouncerConfig.create()
                .set("auth_type", "hba")
                .set("auth_hba_file", hba.toString())
                .set("auth_ident_file", ident.toString())
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(PostgresCluster.TRUST_USER, TRUST_PASS)
                .user(PostgresCluster.MD5_USER, "md5_pass");
        BOUNCERS.start(mapped);
        Psql psql = Psql.of(pg);

        Psql.Result asMapped = psql.run(socketConnstring(mapped, PostgresCluster.TRUST_USER), null, "-At", "-c",
                "SELECT current_user");
        assertEquals(0, asMapped.exitCode(), asMapped.stderr());
        assertEquals(PostgresCluster.TRUST_USER, asMapped.stdout().strip());
        Psql.Result notMapped = psql.run(socketConnstring(mapped, PostgresCluster.MD5_USER), null, "-c", "SELECT 1");
        assertEquals(2, notMapped.exitCode(), notMapped.stderr());
        assertTrue(notMapped.stderr().contains("unix socket login rejected"), notMapped.stderr());

        Files.writeString(hba, "local all all peer map=nowhere\n");
        JBouncerProcess.Exited checked = JBouncerProcess.run(mapped.dir(), "--check",
                mapped.dir().resolve("pgbouncer.ini").toString());
        assertNotEquals(0, checked.exitCode(), checked.output());
        assertTrue(checked.output().contains("mapped-hba.conf:1: auth_hba_file: map \"nowhere\" is not defined in"
                + " auth_ident_file"), checked.output());
    }

    @Test
    void fileWithALineJBouncerCannotApplyIsRejectedByCheckAndReload() throws Exception {
        Path hba = config.dir().resolve("hba.conf");
        String broken = RULES + "host all all 0.0.0.0/0 md5 map=omicron\n";
        Files.writeString(hba, broken, StandardCharsets.UTF_8);
        try {
            JBouncerProcess.Exited checked = JBouncerProcess.run(config.dir(), "--check",
                    config.dir().resolve("pgbouncer.ini").toString());
            assertNotEquals(0, checked.exitCode(), checked.output());
            assertTrue(checked.output().contains("hba.conf:10: auth_hba_file: authentication options are not"
                    + " supported"),
                    checked.output());

            try (Connection console = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
                SQLException e = assertThrows(SQLException.class, () -> AdminConsole.command(console, "RELOAD"));
                assertTrue(e.getMessage().contains("authentication options are not supported"), e.getMessage());
            }
            try (Connection c = Jdbc.connect("127.0.0.1", port, "app", "md5_user", "md5_pass")) {
                assertTrue(c.isValid(5), "the rules in force stay");
            }
        } finally {
            Files.writeString(hba, RULES, StandardCharsets.UTF_8);
        }
    }

    @Test
    void reloadReadsTheFileAgain() throws Exception {
        Path hba = config.dir().resolve("hba.conf");
        try (Connection console = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            try {
                Files.writeString(hba, RULES.replace("trust_user     127.0.0.1/32          trust",
                        "trust_user     127.0.0.1/32          reject"), StandardCharsets.UTF_8);
                AdminConsole.command(console, "RELOAD");

                assertLoginRefused(port, "app2", "trust_user", null, "login rejected");
            } finally {
                Files.writeString(hba, RULES, StandardCharsets.UTF_8);
                AdminConsole.command(console, "RELOAD");
            }
        }
        try (Connection c = Jdbc.connect("127.0.0.1", port, "app2", "trust_user", null)) {
            assertTrue(c.isValid(5));
        }
    }

    private static String socketConnstring(String user) {
        return socketConnstring(config, user);
    }

    private static String socketConnstring(JBouncerConfig bouncer, String user) {
        return "host=" + bouncer.dir() + " port=" + bouncer.port() + " dbname=" + PostgresCluster.DB + " user="
                + user;
    }

    private static Path writeRules(String rules) throws IOException {
        Files.writeString(config.dir().resolve("rejected.txt"), "md5_user, nobody_else\n", StandardCharsets.UTF_8);
        Path hba = config.dir().resolve("hba.conf");
        Files.writeString(hba, rules, StandardCharsets.UTF_8);
        return hba;
    }
}
