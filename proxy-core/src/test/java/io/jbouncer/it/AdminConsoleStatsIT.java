package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PgStatActivity;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's figures against activity the test itself causes through jbouncer (transaction pooling,
 * {@code stats_period = 1}): counters grow by exactly the transactions run, a client queued behind
 * {@code pool_size = 1} shows as waiting with a growing wait, connection states and counts agree with
 * PostgreSQL's {@code pg_stat_activity}, and SHOW CONFIG/VERSION/STATE/LISTS say what PgBouncer 1.25.2 says.
 */
class AdminConsoleStatsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";
    /** Database of the counter and averages tests. */
    private static final String COUNTED_DB = "counted";
    /** Database with one server connection, so a second client must wait. */
    private static final String NARROW_DB = "narrow";
    private static final int TRANSACTIONS = 100;
    private static final Duration SETTLE = Duration.ofSeconds(10);
    /**
     * The settings of PgBouncer 1.25.2 (PgBouncer config.md), without HEAD-only ones, the Windows-only
     * {@code service_name} and the LDAP build option {@code auth_ldap_options}.
     */
    private static final List<String> SETTINGS = List.of(("logfile pidfile listen_addr listen_port unix_socket_dir"
            + " unix_socket_mode unix_socket_group user pool_mode max_client_conn default_pool_size min_pool_size"
            + " reserve_pool_size reserve_pool_timeout max_db_connections max_db_client_connections"
            + " max_user_connections max_user_client_connections server_round_robin track_extra_parameters"
            + " ignore_startup_parameters peer_id disable_pqexec application_name_add_host conffile job_name"
            + " stats_period max_prepared_statements scram_iterations verbose"
            + " auth_type auth_file auth_hba_file auth_ident_file auth_user auth_query auth_dbname admin_users"
            + " stats_users syslog syslog_ident syslog_facility log_connections log_disconnections"
            + " log_pooler_errors log_stats server_reset_query server_reset_query_always server_check_delay"
            + " server_check_query server_fast_close server_lifetime server_idle_timeout server_connect_timeout"
            + " server_login_retry client_login_timeout autodb_idle_timeout dns_max_ttl dns_nxdomain_ttl"
            + " dns_zone_check_period resolv_conf query_wait_notify query_timeout query_wait_timeout"
            + " cancel_wait_timeout client_idle_timeout idle_transaction_timeout transaction_timeout"
            + " suspend_timeout client_tls_sslmode client_tls_key_file client_tls_cert_file client_tls_ca_file"
            + " client_tls_protocols client_tls_ciphers client_tls13_ciphers client_tls_ecdhcurve"
            + " client_tls_dheparams server_tls_sslmode server_tls_ca_file server_tls_key_file"
            + " server_tls_cert_file server_tls_protocols server_tls_ciphers server_tls13_ciphers pkt_buf"
            + " max_packet_size listen_backlog sbuf_loopcnt so_reuseport tcp_defer_accept tcp_socket_buffer"
            + " tcp_keepalive tcp_keepcnt tcp_keepidle tcp_keepintvl tcp_user_timeout").split(" "));
    /** The settings SHOW CONFIG marks {@code changeable = no} (PgBouncer 1.25.2: the complete restart-only set). */
    private static final Set<String> RESTART_ONLY = Set.of("disable_pqexec", "job_name", "listen_addr",
            "listen_backlog", "listen_port", "pidfile", "pkt_buf", "resolv_conf", "so_reuseport",
            "track_extra_parameters", "unix_socket_dir", "unix_socket_group", "unix_socket_mode", "user");

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole countedRole;
    private static TestRole narrowRole;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static Connection console;

    @BeforeAll
    static void start() throws SQLException {
        countedRole = TestRole.create(pg, "acs_counted_user");
        narrowRole = TestRole.create(pg, "acs_narrow_user");
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("stats_period", "1")
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(COUNTED_DB, pg.connstring(PostgresCluster.DB) + " pool_size=2")
                .database(NARROW_DB, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(ADMIN, ADMIN_PASS)
                .user(countedRole.name(), countedRole.password())
                .user(narrowRole.name(), narrowRole.password());
        bouncer = BOUNCERS.start(config);
        console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (console != null) {
            console.close();
        }
    }

    @Test
    void hundredTransactionsGrowTheCountersByHundred() throws SQLException {
        try (Connection c = countedRole.connect(config.port(), COUNTED_DB); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            assertTrue(Poll.until(SETTLE, () -> stat("total_xact_count").signum() > 0), "first transaction counted");
            Map<String, String> before = statsRow();
            for (int i = 0; i < TRANSACTIONS; i++) {
                st.execute("SELECT " + i);
            }
            BigDecimal target = new BigDecimal(before.get("total_xact_count")).add(BigDecimal.valueOf(TRANSACTIONS));
            Poll.until(SETTLE, () -> stat("total_xact_count").compareTo(target) >= 0);
            Map<String, String> after = statsRow();

            assertEquals(TRANSACTIONS, delta(before, after, "total_xact_count"), after::toString);
            assertEquals(TRANSACTIONS, delta(before, after, "total_query_count"), after::toString);
            assertEquals(TRANSACTIONS, delta(before, after, "total_server_assignment_count"), after::toString);
            for (String grows : List.of("total_received", "total_sent", "total_xact_time", "total_query_time")) {
                assertTrue(delta(before, after, grows) > 0, () -> grows + " did not grow: " + before + " -> "
                        + after);
            }
        }
    }

    /** With {@code stats_period = 1} the averages of SHOW STATS, STATS_AVERAGES and TOTALS follow live traffic. */
    @Test
    void averagesBecomeNonZeroAfterAStatsPeriod() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            try (Connection c = countedRole.connect(config.port(), COUNTED_DB); Statement st = c.createStatement()) {
                while (running.get()) {
                    st.execute("SELECT 1");
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            List<String> averages = List.of("avg_xact_count", "avg_query_count", "avg_recv", "avg_sent",
                    "avg_xact_time", "avg_query_time", "avg_server_assignment_count");
            boolean allPositive = Poll.until(SETTLE, () -> averages.stream().allMatch(a -> stat(a).signum() > 0));
            assertTrue(allPositive, () -> "averages still zero: " + uncheckedStatsRow());
            assertTrue(new BigDecimal(AdminConsole.row(console, "SHOW STATS_AVERAGES", "database", COUNTED_DB)
                    .get("xact_count")).signum() > 0);
            assertTrue(new BigDecimal(AdminConsole.row(console, "SHOW TOTALS", "name", "avg_xact_count")
                    .get("value")).signum() > 0);
        } finally {
            running.set(false);
            traffic.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * One client holds the only server in a transaction, a second waits for it, a third sits idle: POOLS, CLIENTS,
     * SERVERS, DATABASES and USERS must all say so, and agree with what PostgreSQL sees.
     */
    @Test
    void queuedClientShowsAsWaitingAndStatesMatchPostgres() throws Exception {
        try (Connection holder = connect("holder"); Connection waiter = connect("waiter");
             Connection idler = connect("idler")) {
            holder.setAutoCommit(false);
            int holderPid = backendPid(holder);
            CompletableFuture<Integer> queued = CompletableFuture.supplyAsync(() -> {
                try {
                    return backendPid(waiter);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(Poll.until(SETTLE, () -> pool("cl_waiting") == 1), () -> "no waiting client: " + pools());
            long firstWait = maxWaitMicros();
            assertTrue(firstWait > 0, () -> "maxwait/maxwait_us zero for a waiting client: " + pools());
            assertTrue(Poll.until(SETTLE, () -> maxWaitMicros() > firstWait), "maxwait does not grow");
            assertTrue(Poll.until(SETTLE, () -> pool("maxwait") >= 1), () -> "maxwait stays 0 s: " + pools());

            Map<String, String> poolRow = AdminConsole.row(console, "SHOW POOLS", "database", NARROW_DB);
            assertEquals("2 1 1 0 transaction", String.join(" ", poolRow.get("cl_active"), poolRow.get("cl_waiting"),
                    poolRow.get("sv_active"), poolRow.get("sv_idle"), poolRow.get("pool_mode")), poolRow::toString);
            assertEquals(List.of("idle in transaction"), PgStatActivity.of(pg).backendStates(narrowRole.name()));

            Map<String, Map<String, String>> clients = clientsByApplication();
            assertEquals("active", clients.get("holder").get("state"), clients::toString);
            assertEquals("waiting", clients.get("waiter").get("state"), clients::toString);
            assertEquals("idle", clients.get("idler").get("state"), clients::toString);
            assertTrue(Long.parseLong(clients.get("waiter").get("wait")) >= 1, () -> "wait in s: " + clients);
            Map<String, String> server = AdminConsole.row(console, "SHOW SERVERS", "database", NARROW_DB);
            assertEquals("active", server.get("state"), server::toString);
            assertEquals(clients.get("holder").get("ptr"), server.get("link"), "server linked to the holder");
            assertEquals(server.get("ptr"), clients.get("holder").get("link"), "holder linked to the server");
            assertEquals(Integer.toString(holderPid), server.get("remote_pid"), server::toString);
            assertEquals(narrowRole.name(), server.get("user"));
            assertNotEquals("0", server.get("port"));

            Map<String, String> database = AdminConsole.row(console, "SHOW DATABASES", "name", NARROW_DB);
            assertEquals("1 1 3", String.join(" ", database.get("pool_size"), database.get("current_connections"),
                    database.get("current_client_connections")), database::toString);
            assertNull(database.get("pool_mode"), "pool_mode is NULL unless set on the database");
            Map<String, String> user = AdminConsole.row(console, "SHOW USERS", "name", narrowRole.name());
            assertEquals("1 3", user.get("current_connections") + " " + user.get("current_client_connections"),
                    user::toString);
            assertEquals("", user.get("pool_size"), "pool_size is empty text when not set for the user");

            holder.commit();
            assertEquals(holderPid, queued.get(30, TimeUnit.SECONDS), "the waiter got the same one server");
            assertTrue(Poll.until(SETTLE, () -> pool("cl_waiting") == 0 && pool("sv_active") == 0
                    && pool("sv_idle") == 1), () -> "after COMMIT: " + pools());
            assertEquals(List.of("idle"), PgStatActivity.of(pg).backendStates(narrowRole.name()));
            assertEquals("idle", clientsByApplication().get("holder").get("state"));
            assertEquals("idle", AdminConsole.row(console, "SHOW SERVERS", "database", NARROW_DB).get("state"));
        }
    }

    @Test
    void showConfigListsEverySettingWithValueDefaultAndChangeable() throws SQLException {
        Map<String, Map<String, String>> rows = AdminConsole.rows(console, "SHOW CONFIG").stream()
                .collect(Collectors.toMap(row -> row.get("key"), Function.identity()));
        Set<String> missing = new TreeSet<>(SETTINGS);
        missing.removeAll(rows.keySet());
        assertEquals(Set.of(), missing, "settings missing from SHOW CONFIG");
        for (String key : SETTINGS) {
            String expected = RESTART_ONLY.contains(key) ? "no" : "yes";
            assertEquals(expected, rows.get(key).get("changeable"), () -> "changeable of " + rows.get(key));
        }
        assertEquals(List.of(Integer.toString(config.port()), "6432", "no"),
                valueDefaultChangeable(rows, "listen_port"));
        assertEquals(List.of("transaction", "session", "yes"), valueDefaultChangeable(rows, "pool_mode"));
        assertEquals(List.of("1", "60", "yes"), valueDefaultChangeable(rows, "stats_period"));
        assertEquals(List.of("20", "20", "yes"), valueDefaultChangeable(rows, "default_pool_size"));
        assertEquals(List.of(ADMIN, "", "yes"), valueDefaultChangeable(rows, "admin_users"));
        assertEquals(List.of("DISCARD ALL", "DISCARD ALL", "yes"),
                valueDefaultChangeable(rows, "server_reset_query"));
        assertEquals(List.of("511", "0777", "no"), valueDefaultChangeable(rows, "unix_socket_mode"));
    }

    @Test
    void versionStateAndLists() throws SQLException {
        assertEquals(List.of(Map.of("version", "PgBouncer 1.25.2")), AdminConsole.rows(console, "SHOW VERSION"));
        assertEquals("active=yes paused=no suspended=no", AdminConsole.rows(console, "SHOW STATE").stream()
                .filter(row -> Set.of("active", "paused", "suspended").contains(row.get("key")))
                .map(row -> row.get("key") + "=" + row.get("value"))
                .collect(Collectors.joining(" ")));
        List<Map<String, String>> lists = AdminConsole.rows(console, "SHOW LISTS");
        assertEquals(List.of("databases", "users", "peers", "pools", "peer_pools", "free_clients", "used_clients",
                "login_clients", "free_servers", "used_servers", "dns_names", "dns_zones", "dns_queries",
                "dns_pending"), lists.stream().map(row -> row.get("list")).toList());
        assertEquals("3", lists.get(0).get("items"), "databases: counted, narrow and pgbouncer");
        assertTrue(Integer.parseInt(lists.get(6).get("items")) >= 1, "used_clients counts this console session");
    }

    private static List<String> valueDefaultChangeable(Map<String, Map<String, String>> rows, String key) {
        Map<String, String> row = rows.get(key);
        return List.of(row.get("value"), String.valueOf(row.get("default")), row.get("changeable"));
    }

    private static Connection connect(String applicationName) throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", applicationName);
        return narrowRole.connect(config.port(), NARROW_DB, props);
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Map<String, Map<String, String>> clientsByApplication() throws SQLException {
        return AdminConsole.rows(console, "SHOW CLIENTS").stream()
                .filter(row -> NARROW_DB.equals(row.get("database")))
                .collect(Collectors.toMap(row -> row.get("application_name"), Function.identity()));
    }

    private static Map<String, String> statsRow() throws SQLException {
        return AdminConsole.row(console, "SHOW STATS", "database", COUNTED_DB);
    }

    private static Map<String, String> uncheckedStatsRow() {
        try {
            return statsRow();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigDecimal stat(String column) {
        return new BigDecimal(uncheckedStatsRow().get(column));
    }

    private static long delta(Map<String, String> before, Map<String, String> after, String column) {
        return new BigDecimal(after.get(column)).subtract(new BigDecimal(before.get(column))).longValueExact();
    }

    private static long pool(String column) {
        try {
            return AdminConsole.number(console, "SHOW POOLS", "database", NARROW_DB, column);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PgBouncer splits the longest wait into whole seconds ({@code maxwait}) and the microseconds beyond. */
    private static long maxWaitMicros() {
        return pool("maxwait") * 1_000_000 + pool("maxwait_us");
    }

    private static List<Map<String, String>> pools() {
        try {
            return AdminConsole.rows(console, "SHOW POOLS");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
