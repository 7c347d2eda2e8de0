package io.jbouncer.it;

import static io.jbouncer.it.support.ServerErrors.assertLoginRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code auth_user} / {@code auth_query} / {@code auth_dbname} against the private PostgreSQL (issue 14): roles that
 * exist only in PostgreSQL, with SCRAM and MD5 passwords, log in through jbouncer end to end (the server login
 * reuses the SCRAM ClientKey the client proved, or the MD5 hash); expired, NOLOGIN and unknown roles are refused as
 * PgBouncer refuses them; user names that try SQL injection simply fail; broken queries are refused with
 * {@code bouncer config error}, logged, and leave no server behind.
 *
 * <p>The main jbouncer runs {@code auth_type = md5} (a SCRAM secret switches the client to SCRAM) with the superuser
 * {@value #AUTH_USER} from auth_file as global {@code auth_user} and PgBouncer's default {@code auth_query}. Its
 * other databases override the query, the auth user or the auth database per {@code [databases]} entry.
 */
class AuthQueryIT {

    private static final String AUTH_USER = "aq_auth";
    private static final String AUTH_PASS = "aq_auth_pass";
    /** Not a superuser: reads secrets through a SECURITY DEFINER function only, as PgBouncer's docs recommend. */
    private static final String LOOKUP_USER = "aq_lookup";
    private static final String LOOKUP_PASS = "aq_lookup_pass";
    private static final String SCRAM_ROLE = "aq_scram";
    private static final String MD5_ROLE = "aq_md5";
    private static final String EXPIRED_ROLE = "aq_expired";
    private static final String NOLOGIN_ROLE = "aq_nologin";
    /** In auth_file with another password than PostgreSQL's: auth_file wins. */
    private static final String SHADOWED_ROLE = "aq_shadowed";
    private static final String VICTIM_ROLE = "aq_victim";
    private static final String DB = PostgresCluster.DB;
    /** Console admin, in auth_file only. */
    private static final String ADMIN = "aq_admin";
    private static final String ADMIN_PASS = "aq_admin_pass";

    private static final PostgresCluster pg = PostgresCluster.shared();
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static JBouncerProcess bouncer;
    private static int port;

    @BeforeAll
    static void createRolesAndStart() throws SQLException {
        try (Connection c = pg.superuserJdbc(DB); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + AUTH_USER + " LOGIN SUPERUSER PASSWORD '" + AUTH_PASS + "'");
            st.execute("CREATE ROLE " + LOOKUP_USER + " LOGIN PASSWORD '" + LOOKUP_PASS + "'");
            st.execute("CREATE ROLE " + SCRAM_ROLE + " LOGIN PASSWORD '" + SCRAM_ROLE + "_pass'");
            st.execute("CREATE ROLE " + EXPIRED_ROLE + " LOGIN PASSWORD '" + EXPIRED_ROLE + "_pass'"
                    + " VALID UNTIL '2001-01-01'");
            st.execute("CREATE ROLE " + NOLOGIN_ROLE + " NOLOGIN PASSWORD '" + NOLOGIN_ROLE + "_pass'");
            st.execute("CREATE ROLE " + SHADOWED_ROLE + " LOGIN PASSWORD '" + SHADOWED_ROLE + "_pass'");
            st.execute("CREATE ROLE " + VICTIM_ROLE + " NOLOGIN");
            st.execute("SET password_encryption = 'md5'");
            st.execute("CREATE ROLE " + MD5_ROLE + " LOGIN PASSWORD '" + MD5_ROLE + "_pass' IN ROLE "
                    + PostgresCluster.MD5_GROUP);
            st.execute("CREATE SCHEMA aq_lookup AUTHORIZATION " + PostgresCluster.SUPERUSER);
            st.execute("CREATE FUNCTION aq_lookup.user_secret(name text, OUT uname text, OUT phash text)"
                    + " RETURNS record LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS"
                    + " $$ SELECT rolname::text, rolpassword FROM pg_authid WHERE rolname = name AND rolcanlogin $$");
            st.execute("REVOKE ALL ON FUNCTION aq_lookup.user_secret(text) FROM PUBLIC");
            st.execute("GRANT USAGE ON SCHEMA aq_lookup TO " + LOOKUP_USER);
            st.execute("GRANT EXECUTE ON FUNCTION aq_lookup.user_secret(text) TO " + LOOKUP_USER);
        }
        JBouncerConfig config = JBouncerConfig.create()
                .set("auth_user", AUTH_USER)
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(DB))
                .database("aq_definer", pg.connstring(DB) + " auth_user=" + LOOKUP_USER
                        + " auth_query='SELECT uname, phash FROM aq_lookup.user_secret($1)'")
                .database("aq_authdb", pg.connstring(PostgresCluster.DB2) + " auth_dbname=" + DB)
                .database("aq_pinned", pg.connstring(DB) + " pool_mode=transaction pool_size=1")
                .database("aq_error", pg.connstring(DB)
                        + " auth_query='SELECT rolname, rolpassword FROM no_such_table WHERE rolname = $1'")
                .database("aq_tworows", pg.connstring(DB)
                        + " auth_query='SELECT rolname, rolpassword FROM pg_authid WHERE $1::text IS NOT NULL'")
                .database("aq_types", pg.connstring(DB) + " auth_query='SELECT 1, 2 WHERE $1::text IS NOT NULL'")
                .database("aq_onecolumn", pg.connstring(DB) + " auth_query='SELECT $1::text'")
                .database("aq_nullname", pg.connstring(DB) + " auth_query='SELECT NULL::text, $1::text'")
                .user(AUTH_USER, AUTH_PASS)
                .user(ADMIN, ADMIN_PASS)
                .user(LOOKUP_USER, LOOKUP_PASS)
                .user(SHADOWED_ROLE, "not_the_postgres_password");
        bouncer = BOUNCERS.start(config);
        port = config.port();
    }

    @ParameterizedTest(name = "{0} (only in PostgreSQL) logs in to {1}")
    @CsvSource({
        "aq_scram, app",
        "aq_md5,   app",
        "aq_scram, aq_definer",
        "aq_md5,   aq_definer",
        "aq_scram, aq_authdb",
    })
    void roleKnownOnlyToPostgresLogsInEndToEnd(String role, String db) throws SQLException {
        for (int round = 0; round < 2; round++) { // the second login reuses the pool's server or logs in anew
            try (Connection c = Jdbc.connect("127.0.0.1", port, db, role, role + "_pass");
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_user")) {
                assertTrue(rs.next());
                assertEquals(role, rs.getString(1));
            }
        }
    }

    @Test
    void authDbnameRunsTheQueryInTheAuthDatabasesPool() throws SQLException {
        try (Connection c = Jdbc.connect("127.0.0.1", port, "aq_authdb", MD5_ROLE, MD5_ROLE + "_pass");
             Connection console = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            assertTrue(c.isValid(5));
            boolean authPoolOfApp = AdminConsole.rows(console, "SHOW POOLS").stream()
                    .anyMatch(row -> DB.equals(row.get("database")) && AUTH_USER.equals(row.get("user")));
            boolean authPoolOfAuthdb = AdminConsole.rows(console, "SHOW POOLS").stream()
                    .anyMatch(row -> "aq_authdb".equals(row.get("database")) && AUTH_USER.equals(row.get("user")));
            assertTrue(authPoolOfApp, "the lookup used the pool (app, aq_auth)");
            assertFalse(authPoolOfAuthdb, "no auth pool in the client's own database");
        }
    }

    @Test
    void psqlLogsInAScramRoleKnownOnlyToPostgres() {
        Psql.Result result = Psql.of(pg).run("host=127.0.0.1 port=" + port + " dbname=" + DB + " user=" + SCRAM_ROLE
                + " sslmode=disable", SCRAM_ROLE + "_pass", "-At", "-c", "SELECT current_user");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(SCRAM_ROLE, result.stdout().strip());
    }

    @ParameterizedTest(name = "{0}/{1} on {2} gets {3}")
    @CsvSource({
        "aq_scram,     wrong,              app,          SASL authentication failed",
        "aq_md5,       wrong,              app,          password authentication failed",
        "aq_expired,   aq_expired_pass,    app,          password authentication failed",
        "aq_nologin,   aq_nologin_pass,    app,          no such user",
        "aq_nobody,    whatever,           app,          no such user",
        "aq_shadowed,  aq_shadowed_pass,   app,          password authentication failed",
        "aq_scram,     aq_scram_pass,      aq_error,     bouncer config error",
        "aq_scram,     aq_scram_pass,      aq_tworows,   bouncer config error",
        "aq_scram,     aq_scram_pass,      aq_types,     bouncer config error",
        "aq_scram,     aq_scram_pass,      aq_onecolumn, bouncer config error",
        "aq_scram,     aq_scram_pass,      aq_nullname,  bouncer config error",
        "aq_scram,     aq_scram_pass,      nosuchdb,     password authentication failed",
    })
    void isRefusedAsPgBouncerRefuses(String user, String password, String db, String message) {
        assertLoginRefused(port, db, user, password, message);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "aq_error     | error response from auth_query: ERROR relation \"no_such_table\" does not exist",
        "aq_tworows   | auth_query returned more than one row",
        "aq_types     | auth_query column 1 has type oid 23, not a text type",
        "aq_onecolumn | expected 2 columns from auth_query, not 1",
        "aq_nullname  | auth_query response contained null user name",
    })
    void brokenQueryIsLoggedAndLeavesNoServerBehind(String db, String logged) throws SQLException {
        assertLoginRefused(port, db, SCRAM_ROLE, SCRAM_ROLE + "_pass", "bouncer config error");

        assertTrue(bouncer.awaitLog("auth_query failed: " + logged, Duration.ofSeconds(10)), bouncer::log);
        try (Connection console = AdminConsole.connect(port, ADMIN, ADMIN_PASS)) {
            assertTrue(Poll.until(Duration.ofSeconds(10), () -> serverCount(console, db) == 0),
                    () -> "a server of " + db + " was left open");
        }
        try (Connection c = Jdbc.connect("127.0.0.1", port, DB, SCRAM_ROLE, SCRAM_ROLE + "_pass")) {
            assertTrue(c.isValid(5), "the bouncer still serves lookups");
        }
    }

    @ParameterizedTest(name = "user name {0}")
    @ValueSource(strings = {
        "aq_x'; DROP ROLE aq_victim; --",
        "o\"brien' OR '1'='1",
        "aq_victim\\' OR rolname = 'aq_scram",
    })
    void injectionThroughTheUserNameSimplyFails(String user) throws SQLException {
        assertLoginRefused(port, DB, user, "whatever", "no such user");

        try (Connection c = pg.superuserJdbc(DB);
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_roles WHERE rolname = ?")) {
            st.setString(1, VICTIM_ROLE);
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1), "the role is still there");
            }
        }
    }

    /**
     * A client of the auth user in a transaction-pooled session leaves {@code search_path = evil, pg_catalog} on the
     * pool's only server, where {@code evil.pg_authid} claims another password for {@value #MD5_ROLE}. The lookup
     * runs on that server but resets search_path first: the false password is refused by jbouncer itself (08P01),
     * not accepted and then refused by PostgreSQL (28P01). The session setting is still there afterwards: the reset
     * was local to the lookup.
     */
    @Test
    void lookupIgnoresASearchPathLeftOnTheServer() throws SQLException {
        try (Connection c = pg.superuserJdbc(DB); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA evil");
            st.execute("CREATE TABLE evil.pg_authid AS SELECT '" + MD5_ROLE + "'::name AS rolname, '"
                    + PostgresCluster.md5Secret(MD5_ROLE, "evil_pass") + "'::text AS rolpassword,"
                    + " NULL::timestamptz AS rolvaliduntil, true AS rolcanlogin");
        }
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        try (Connection auth = Jdbc.connect("127.0.0.1", port, "aq_pinned", AUTH_USER, AUTH_PASS, simple);
             Statement st = auth.createStatement()) {
            st.execute("SET search_path = evil, pg_catalog");
        }

        assertLoginRefused(port, "aq_pinned", MD5_ROLE, "evil_pass", "password authentication failed");

        try (Connection auth = Jdbc.connect("127.0.0.1", port, "aq_pinned", AUTH_USER, AUTH_PASS, simple);
             Statement st = auth.createStatement(); ResultSet rs = st.executeQuery("SHOW search_path")) {
            assertTrue(rs.next());
            assertEquals("evil, pg_catalog", rs.getString(1), "the lookup ran on the server the client had set");
        }
        try (Connection c = Jdbc.connect("127.0.0.1", port, "aq_pinned", MD5_ROLE, MD5_ROLE + "_pass")) {
            assertTrue(c.isValid(5));
        }
    }

    /**
     * The deployment that uses auth_query: {@code auth_type = scram-sha-256} and
     * {@code auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename = $1}; psycopg 3 logs in a SCRAM role
     * known only to PostgreSQL, and an MD5 role cannot answer SCRAM.
     */
    @Test
    void deploymentWithPgShadowQueryLogsInScramRolesWithPsycopg() throws Exception {
        JBouncerConfig config = JBouncerConfig.create()
                .set("auth_type", "scram-sha-256")
                .set("auth_user", AUTH_USER)
                .set("auth_query", "SELECT usename, passwd FROM pg_shadow WHERE usename = $1")
                .database(DB, pg.connstring(DB))
                .user(AUTH_USER, AUTH_PASS);
        BOUNCERS.start(config);

        String script = "import psycopg, sys\n"
                + "with psycopg.connect(sys.argv[1], password=sys.argv[2]) as c:\n"
                + "    print(c.execute('SELECT current_user').fetchone()[0])\n";
        String conninfo = "host=127.0.0.1 port=" + config.port() + " dbname=" + DB + " user=" + SCRAM_ROLE
                + " sslmode=disable connect_timeout=10";
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", script, conninfo, SCRAM_ROLE + "_pass")
                .redirectErrorStream(true).start();
        assertTrue(python.waitFor(60, TimeUnit.SECONDS), "psycopg did not finish");
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.exitValue(), output);
        assertEquals(SCRAM_ROLE, output.strip());

        assertLoginRefused(config.port(), DB, MD5_ROLE, MD5_ROLE + "_pass", "SASL authentication failed");
    }

    private static int serverCount(Connection console, String db) {
        try {
            return (int) AdminConsole.rows(console, "SHOW SERVERS").stream()
                    .filter(row -> db.equals(row.get("database"))).count();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

}
