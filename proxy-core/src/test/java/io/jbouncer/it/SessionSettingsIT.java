package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.DriverScripts;
import io.jbouncer.it.support.Exec;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
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
 * {@code track_session_settings} in transaction pooling (issue 18, part 2), against the real PostgreSQL: settings
 * made with SQL follow their client from server to server and never reach another client. Database {@code tenants}
 * has {@code pool_size=2} for the many-client tests; {@code single} has one server, so consecutive clients surely
 * share it. A second jbouncer with the switch off shows today's behaviour (PgBouncer's), which the switch fixes.
 */
class SessionSettingsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String TENANTS = "tenants";
    private static final String SINGLE = "single";
    private static final int SCHEMAS = 10;
    private static final int CLIENTS = 50;
    private static final int ROUNDS = 20;
    private static final int PSYCOPG_THREADS = 20;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static JBouncerConfig offConfig;

    @BeforeAll
    static void start() throws SQLException {
        role = TestRole.create(pg, "sess_user");
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            for (int t = 0; t < SCHEMAS; t++) {
                st.execute("CREATE SCHEMA tenant_" + t);
                st.execute("CREATE TABLE tenant_" + t + ".items (tenant text NOT NULL)");
                st.execute("INSERT INTO tenant_" + t + ".items SELECT 'tenant_" + t + "' FROM generate_series(1, 3)");
                st.execute("GRANT USAGE ON SCHEMA tenant_" + t + " TO " + role.name());
                st.execute("GRANT SELECT ON tenant_" + t + ".items TO " + role.name());
            }
            st.execute("CREATE TABLE public.docs (owner name NOT NULL, body text)");
            st.execute("INSERT INTO public.docs VALUES ('sess_tenant_a', 'a1'), ('sess_tenant_a', 'a2'),"
                    + " ('sess_tenant_b', 'b1')");
            st.execute("ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY");
            st.execute("CREATE POLICY own ON public.docs USING (owner = current_user)");
            for (String tenant : List.of("sess_tenant_a", "sess_tenant_b")) {
                st.execute("CREATE ROLE " + tenant + " NOLOGIN");
                st.execute("GRANT " + tenant + " TO " + role.name());
                st.execute("GRANT SELECT ON public.docs TO " + tenant);
            }
        }
        config = bouncerConfig().set("track_session_settings", "1");
        bouncer = BOUNCERS.start(config);
        offConfig = bouncerConfig();
        BOUNCERS.start(offConfig);
    }

    private static JBouncerConfig bouncerConfig() {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "200")
                .set("admin_users", role.name())
                .database(TENANTS, pg.connstring(PostgresCluster.DB) + " pool_size=2")
                .database(SINGLE, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(role.name(), role.password());
    }

    @Test
    void schemaPerTenantNeverSeesAnotherTenantsRows() throws Exception {
        List<Integer> checked = ConcurrentClients.run(CLIENTS, Duration.ofSeconds(120), client -> {
            String tenant = "tenant_" + client % SCHEMAS;
            int rows = 0;
            try (Connection c = role.connect(config.port(), TENANTS); Statement st = c.createStatement()) {
                if (client % 2 == 0) {
                    st.execute("SET search_path = " + tenant);
                } else { // in a transaction that commits: it persists at COMMIT
                    c.setAutoCommit(false);
                    st.execute("SET search_path TO '" + tenant + "', public");
                    c.commit();
                    c.setAutoCommit(true);
                }
                for (int round = 0; round < ROUNDS; round++) {
                    try (ResultSet rs = st.executeQuery("SELECT tenant FROM items")) {
                        while (rs.next()) {
                            assertEquals(tenant, rs.getString(1), "client " + client + " round " + round);
                            rows++;
                        }
                    }
                }
            }
            return rows;
        });
        checked.forEach(rows -> assertEquals(3 * ROUNDS, rows));
    }

    @Test
    void setRoleWithRowLevelSecurityStaysWithItsClient() throws Exception {
        try (Connection a = role.connect(config.port(), SINGLE); Connection b = role.connect(config.port(), SINGLE);
             Connection plain = role.connect(config.port(), SINGLE)) {
            execute(a, "SET ROLE sess_tenant_a");
            execute(b, "SET ROLE sess_tenant_b");
            for (int round = 0; round < 5; round++) {
                assertEquals(List.of("a1", "a2"), column(a, "SELECT body FROM public.docs ORDER BY body"));
                assertEquals(List.of("b1"), column(b, "SELECT body FROM public.docs ORDER BY body"));
                assertEquals(List.of(role.name()), column(plain, "SELECT current_user"));
            }
            execute(a, "RESET ROLE");
            assertEquals(List.of(role.name()), column(a, "SELECT current_user"));
            assertEquals(List.of("sess_tenant_b"), column(b, "SELECT current_user"));
        }
    }

    @Test
    void statementTimeoutIsPerClient() throws Exception {
        try (Connection strict = role.connect(config.port(), SINGLE);
             Connection patient = role.connect(config.port(), SINGLE)) {
            execute(strict, "SET statement_timeout = 200");
            SQLException timedOut = assertThrows(SQLException.class, () -> execute(strict, "SELECT pg_sleep(2)"));
            assertEquals("57014", timedOut.getSQLState());
            execute(patient, "SELECT pg_sleep(0.5)");
            assertEquals(List.of("0"), column(patient, "SHOW statement_timeout"));
            assertEquals(List.of("200ms"), column(strict, "SHOW statement_timeout"));
        }
    }

    @Test
    void rolledBackAndLocalSetsDoNotPersistCommittedOnesDo() throws Exception {
        try (Connection c = role.connect(config.port(), SINGLE); Connection other = role.connect(config.port(),
                SINGLE)) {
            execute(c, "BEGIN; SET search_path = tenant_1; ROLLBACK");
            execute(other, "SET search_path = tenant_9");
            assertEquals(List.of("\"$user\", public"), column(c, "SHOW search_path"));

            execute(c, "BEGIN; SET LOCAL search_path = tenant_2; COMMIT");
            assertEquals(List.of("\"$user\", public"), column(c, "SHOW search_path"));

            assertThrows(SQLException.class, () -> execute(c, "BEGIN; SET search_path = tenant_3; SELECT 1/0"));
            execute(c, "ROLLBACK");
            assertEquals(List.of("\"$user\", public"), column(c, "SHOW search_path"));

            execute(c, "BEGIN; SET search_path = tenant_4; SAVEPOINT s; SET search_path = tenant_5;"
                    + " ROLLBACK TO s; COMMIT");
            assertEquals(List.of("tenant_9"), column(other, "SHOW search_path"));
            assertEquals(List.of("tenant_4"), column(c, "SHOW search_path"));
            assertEquals(List.of("tenant_4"), column(c, "SELECT tenant FROM items LIMIT 1"));

            execute(c, "SET ROLE sess_tenant_a; RESET ALL");
            assertEquals(List.of("tenant_9"), column(other, "SHOW search_path"));
            assertEquals(List.of("\"$user\", public"), column(c, "SHOW search_path"));
            assertEquals(List.of("sess_tenant_a"), column(c, "SELECT current_user"), "RESET ALL keeps the role");

            execute(c, "DISCARD ALL");
            execute(other, "SELECT 1");
            assertEquals(List.of(role.name()), column(c, "SELECT current_user"), "DISCARD ALL resets it");
        }
    }

    /** A request larger than one read is read whole before it is forwarded, in as many reads as it takes. */
    @Test
    void aSetAfterAMegabyteOfQueryIsRecorded() throws Exception {
        try (Connection c = role.connect(config.port(), SINGLE); Connection other = role.connect(config.port(),
                SINGLE)) {
            execute(c, "SELECT length('" + "x".repeat(1 << 20) + "'); SET search_path = tenant_3");
            execute(other, "SET search_path = tenant_8");
            assertEquals(List.of("tenant_3"), column(c, "SELECT tenant FROM items LIMIT 1"));
            assertEquals(List.of("tenant_8"), column(other, "SELECT tenant FROM items LIMIT 1"));
        }
    }

    @Test
    void theConsoleShowsEachClientsSettings() throws Exception {
        try (Connection c = role.connect(config.port(), SINGLE);
             Connection console = AdminConsole.connect(config.port(), role.name(), role.password())) {
            execute(c, "SET search_path = tenant_7, public; SET work_mem = '8MB'");
            List<Map<String, String>> rows = AdminConsole.rows(console, "SHOW SESSION_SETTINGS");
            List<String> mine = new ArrayList<>();
            for (Map<String, String> row : rows) {
                if (row.get("database").equals(SINGLE) && row.get("name").equals("work_mem")) {
                    mine.add(row.get("value"));
                }
                if (row.get("database").equals(SINGLE) && row.get("name").equals("search_path")) {
                    mine.add(row.get("value"));
                }
            }
            assertTrue(mine.contains("tenant_7, public") && mine.contains("'8MB'"), rows.toString());
        }
    }

    @Test
    void aSessionAdvisoryLockIsWarnedAboutOncePerClient() throws Exception {
        String warning = "pg_advisory_lock() leaves session state on its server";
        try (Connection c = role.connect(config.port(), SINGLE)) {
            for (int i = 0; i < 2; i++) {
                execute(c, "SELECT pg_advisory_lock(18); SELECT pg_advisory_unlock(18)");
            }
            execute(c, "CREATE TEMP TABLE scratch (a int); DROP TABLE scratch");
            assertTrue(bouncer.awaitLog(warning, Duration.ofSeconds(10)), bouncer.log());
            String log = bouncer.log();
            assertEquals(log.indexOf(warning), log.lastIndexOf(warning), log);
            assertFalse(log.contains("CREATE TEMP leaves"), "one warning per client, whatever the statement");
        }
    }

    @Test
    void psycopgClientsKeepTheirSearchPath() {
        Exec.Result outcome = DriverScripts.against(config.port(), role, TENANTS)
                .psycopg("psycopg_session_settings.py", Integer.toString(PSYCOPG_THREADS), Integer.toString(ROUNDS));
        assertEquals(0, outcome.exitCode(), outcome::output);
        assertEquals("ok " + PSYCOPG_THREADS * ROUNDS, outcome.output().strip());
    }

    /**
     * With {@code server_reset_query_always = 1} every release runs DISCARD ALL: jbouncer must know the server lost
     * the settings, or it would skip giving them back to the very client that made them.
     */
    @Test
    void afterTheResetQueryTheClientGetsItsSettingsBack() throws Exception {
        JBouncerConfig resetting = bouncerConfig().set("track_session_settings", "1")
                .set("server_reset_query_always", "1");
        BOUNCERS.start(resetting);
        try (Connection c = role.connect(resetting.port(), SINGLE)) {
            execute(c, "SET search_path = tenant_5");
            for (int round = 0; round < 3; round++) {
                assertEquals(List.of("tenant_5"), column(c, "SELECT tenant FROM items LIMIT 1"));
            }
        }
    }

    @Test
    void withTheSwitchOffASettingStaysOnTheServerAsInPgBouncer() throws Exception {
        try (Connection setter = role.connect(offConfig.port(), SINGLE);
             Connection next = role.connect(offConfig.port(), SINGLE)) {
            execute(setter, "SET search_path = tenant_6");
            assertEquals(List.of("tenant_6"), column(next, "SHOW search_path"), "the known pitfall, unchanged");
            execute(next, "RESET search_path");
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
