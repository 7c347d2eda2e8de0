package io.jbouncer.it;

import static io.jbouncer.it.support.ServerErrors.assertLoginRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.Slapd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * LDAP login (PgBouncer 1.25) against a real OpenLDAP {@code slapd}: {@code auth_type = ldap} with simple bind, and
 * {@code ldap} lines of {@code auth_hba_file} with search+bind and with {@code ldapurl}. Users exist in the directory
 * and in PostgreSQL with the same password, not in auth_file: jbouncer checks the cleartext password with the
 * directory and logs in to PostgreSQL with it. {@value #ALICE} sits in {@code ou=people}, {@value #BOB} one level
 * deeper in {@code ou=staff}, so only a subtree search finds him.
 */
class LdapIT {

    private static final String ALICE = "ldap_alice";
    private static final String ALICE_PASS = "alice_ldap_pass";
    private static final String BOB = "ldap_bob";
    private static final String BOB_PASS = "bob_ldap_pass";
    private static final String PEOPLE = "ou=people," + Slapd.BASE_DN;

    private static Slapd slapd;
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();
    private static int simplePort;
    private static int hbaPort;

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + ALICE + " LOGIN PASSWORD '" + ALICE_PASS + "'");
            st.execute("CREATE ROLE " + BOB + " LOGIN PASSWORD '" + BOB_PASS + "'");
        }
        slapd = Slapd.start(String.join("\n",
                "dn: " + PEOPLE, "objectClass: organizationalUnit", "ou: people", "",
                "dn: ou=staff," + PEOPLE, "objectClass: organizationalUnit", "ou: staff", "",
                "dn: uid=" + ALICE + "," + PEOPLE, "objectClass: inetOrgPerson", "uid: " + ALICE, "cn: Alice",
                "sn: Alice", "userPassword: " + ALICE_PASS, "",
                "dn: uid=" + BOB + ",ou=staff," + PEOPLE, "objectClass: inetOrgPerson", "uid: " + BOB, "cn: Bob",
                "sn: Bob", "userPassword: " + BOB_PASS, ""));
        String server = "ldapserver=127.0.0.1 ldapport=" + slapd.port();

        JBouncerConfig simple = JBouncerConfig.create()
                .set("auth_type", "ldap")
                .set("auth_ldap_options", server + " ldapprefix=\"uid=\" ldapsuffix=\"," + PEOPLE + "\"")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB));
        BOUNCERS.start(simple);
        simplePort = simple.port();

        JBouncerConfig rules = JBouncerConfig.create()
                .set("auth_type", "hba")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .database(PostgresCluster.DB2, pg.connstring(PostgresCluster.DB2));
        Path hbaFile = rules.dir().resolve("hba.conf");
        Files.writeString(hbaFile, String.join("\n",
                "host app  all 127.0.0.1/32 ldap " + server + " ldapbasedn=\"" + Slapd.BASE_DN
                        + "\" ldapsearchattribute=uid",
                "host app2 all 127.0.0.1/32 ldap ldapurl=\"ldap://127.0.0.1:" + slapd.port() + "/" + PEOPLE
                        + "?uid?sub\"",
                ""), StandardCharsets.UTF_8);
        rules.set("auth_hba_file", hbaFile.toString());
        BOUNCERS.start(rules);
        hbaPort = rules.port();
    }

    @AfterAll
    static void stop() {
        if (slapd != null) {
            slapd.close();
        }
    }

    @ParameterizedTest(name = "{0} on {1} ({2})")
    @CsvSource({
        "ldap_alice, app,  simple bind, simple",
        "ldap_bob,   app,  search+bind over the subtree, hba",
        "ldap_alice, app2, ldapurl, hba",
    })
    void directoryUserLogsInEndToEnd(String user, String db, String mode, String bouncer) throws SQLException {
        String password = ALICE.equals(user) ? ALICE_PASS : BOB_PASS;
        try (Connection c = Jdbc.connect("127.0.0.1", port(bouncer), db, user, password);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_user")) {
            assertTrue(rs.next(), mode);
            assertEquals(user, rs.getString(1), mode);
        }
    }

    @ParameterizedTest(name = "{0}/{1} on {2} via {3}")
    @CsvSource({
        "ldap_alice,           wrong,         app, simple",
        "ldap_bob,             bob_ldap_pass, app, simple",
        "nobody,               whatever,      app, simple",
        "ldap_bob,             wrong,         app, hba",
        "'ldap_alice)(uid=*',  wrong,         app, hba",
        "'*',                  wrong,         app, hba",
    })
    void wrongPasswordOrUnknownUserIsRefused(String user, String password, String db, String bouncer) {
        assertLoginRefused(port(bouncer), db, user, password, "LDAP authentication failed");
    }

    @Test
    void psqlLogsInWithSimpleBind() {
        Psql.Result result = Psql.of(pg).run("host=127.0.0.1 port=" + simplePort
                + " dbname=app user=" + ALICE + " sslmode=disable", ALICE_PASS, "-At", "-c", "SELECT current_user");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(ALICE, result.stdout().strip());
    }

    @Test
    void authUserCannotBeCombinedWithLdap() {
        JBouncerConfig config = JBouncerConfig.create()
                .set("auth_type", "ldap")
                .set("auth_ldap_options", "ldapserver=127.0.0.1 ldapport=" + slapd.port() + " ldapprefix=\"uid=\""
                        + " ldapsuffix=\"," + PEOPLE + "\"")
                .set("auth_user", "someone")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB));
        BOUNCERS.start(config);

        assertLoginRefused(config.port(), "app", ALICE, ALICE_PASS, "bouncer config error");
    }

    private static int port(String bouncer) {
        return "simple".equals(bouncer) ? simplePort : hbaPort;
    }
}
