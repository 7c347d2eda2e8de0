package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.ServerErrors;
import io.jbouncer.it.support.TestRole;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.util.ServerErrorMessage;

/**
 * jbouncer's extensions of the console, from pgjdbc: the read-only SQL subset over the SHOW tables (with a client
 * really waiting, so the interesting rows exist), its errors with PostgreSQL's SQLSTATEs on a session that goes on,
 * and the extended query protocol, including server-side prepared statements with binary results.
 */
class AdminConsoleSqlIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";
    private static final String DB = "app";
    private static final Duration SETTLE = Duration.ofSeconds(10);
    /** pgjdbc switches to a named server-side statement (and binary results) after this many executions. */
    private static final int PREPARE_THRESHOLD = 5;

    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static Connection console;
    private static Connection holder;
    private static Connection waiter;
    private static CompletableFuture<Void> waiting;

    /** One client holds the only server of {@code app} in a transaction and a second one waits for it. */
    @BeforeAll
    static void start() throws Exception {
        role = TestRole.create(pg, "acq_user");
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .database("other", pg.connstring(PostgresCluster.DB2))
                .user(ADMIN, ADMIN_PASS)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
        console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
        holder = role.connect(config.port(), DB);
        waiter = role.connect(config.port(), DB);
        holder.setAutoCommit(false);
        holder.createStatement().execute("SELECT 1");
        waiting = CompletableFuture.runAsync(() -> {
            try (Statement st = waiter.createStatement()) {
                st.execute("SELECT 1");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(Poll.until(SETTLE, () -> rowsUnchecked("SELECT database FROM pools WHERE cl_waiting > 0")
                .size() == 1), "no client is waiting");
    }

    @AfterAll
    static void stop() throws Exception {
        if (holder != null) {
            holder.commit();
            holder.close();
            waiting.get(30, TimeUnit.SECONDS);
            waiter.close();
        }
        if (console != null) {
            console.close();
        }
    }

    @Test
    void whereFiltersPools() throws SQLException {
        assertEquals(List.of(Map.of("database", DB, "cl_waiting", "1")),
                AdminConsole.rows(console, "SELECT database, cl_waiting FROM pools WHERE cl_waiting > 0"));
        assertEquals(List.of(Map.of("name", DB)), AdminConsole.rows(console,
                "select name from databases where (pool_size = 1 and name <> 'pgbouncer') or port < 0;"));
    }

    @Test
    void aggregatesOverPools() throws SQLException {
        try (Statement st = console.createStatement();
             ResultSet rs = st.executeQuery("SELECT sum(cl_waiting) FROM pools")) {
            assertEquals("sum:numeric", columns(rs).get(0));
            assertTrue(rs.next());
            assertEquals(0, BigDecimal.ONE.compareTo(rs.getBigDecimal(1)), "one client waits");
            assertFalse(rs.next());
        }
        long before = maxOfShowPools("maxwait");
        long max = Long.parseLong(AdminConsole.rows(console, "SELECT max(maxwait) FROM pools").get(0).get("max"));
        long after = maxOfShowPools("maxwait");
        assertTrue(before <= max && max <= after, () -> before + " <= " + max + " <= " + after);
        assertEquals(List.of(Map.of("count", Integer.toString(AdminConsole.rows(console, "SHOW POOLS").size()))),
                AdminConsole.rows(console, "SELECT count(*) FROM pools"));
    }

    @Test
    void orderByAndLimitOverStats() throws SQLException {
        List<Map<String, String>> top = AdminConsole.rows(console,
                "SELECT avg_xact_time FROM stats ORDER BY 1 DESC LIMIT 5");
        List<BigDecimal> expected = new ArrayList<>();
        for (Map<String, String> row : AdminConsole.rows(console, "SHOW STATS")) {
            expected.add(new BigDecimal(row.get("avg_xact_time")));
        }
        expected.sort(Comparator.reverseOrder());
        assertEquals(expected.subList(0, Math.min(5, expected.size())),
                top.stream().map(row -> new BigDecimal(row.get("avg_xact_time"))).toList());
        assertEquals(List.of(Map.of("list", "databases")),
                AdminConsole.rows(console, "SELECT list FROM lists ORDER BY list LIMIT 1"));
    }

    @Test
    void groupByOneColumn() throws SQLException {
        Map<String, long[]> expected = new TreeMap<>();
        for (Map<String, String> row : AdminConsole.rows(console, "SHOW POOLS")) {
            long[] countAndActive = expected.computeIfAbsent(row.get("database"), db -> new long[2]);
            countAndActive[0]++;
            countAndActive[1] += Long.parseLong(row.get("cl_active"));
        }
        List<String> actual = new ArrayList<>();
        try (Statement st = console.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT database, count(*), sum(cl_active) AS active FROM pools GROUP BY database ORDER BY 1")) {
            assertEquals(List.of("database:text", "count:int8", "active:numeric"), columns(rs));
            while (rs.next()) {
                actual.add(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getLong(3));
            }
        }
        assertEquals(expected.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()[0] + " " + e.getValue()[1]).toList(), actual);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT database FROM pools JOIN stats ON true    | 0A000",
        "SELECT DISTINCT database FROM pools              | 0A000",
        "SELECT database FROM pools LIMIT 1 OFFSET 1      | 0A000",
        "SELECT database FROM pools WHERE database LIKE 'a%' | 0A000",
        "SELECT upper(database) FROM pools                | 0A000",
        "SELECT database FROM pools; SELECT 1 FROM pools  | 0A000",
        "SELECT database FROM (SELECT * FROM pools) p     | 0A000",
        "SELECT database, FROM pools                      | 42601",
        "SELECT database FROM pools WHERE                 | 42601",
        "SELECT database FROM pools ORDER database        | 42601",
        "SELECT * FROM nosuch                             | 42P01",
        "SELECT nosuch FROM pools                         | 42703",
        "SELECT database, count(*) FROM pools             | 42803",
        "SELECT sum(database) FROM pools                  | 42883",
        "SELECT database FROM pools ORDER BY 9            | 42P10"})
    void sqlOutsideTheSubsetIsAnErrorAndTheSessionGoesOn(String sql, String sqlState) throws SQLException {
        SQLException e = assertThrows(SQLException.class, () -> AdminConsole.rows(console, sql));
        ServerErrorMessage error = ServerErrors.of(e);
        assertEquals("ERROR " + sqlState, error.getSeverity() + " " + error.getSQLState(), e::toString);
        if ("0A000".equals(sqlState)) {
            assertTrue(error.getMessage().endsWith(" is not supported by the admin console"), error::getMessage);
        }
        if ("42601".equals(sqlState)) {
            assertTrue(error.getMessage().startsWith("syntax error at "), error::getMessage);
        }
        assertEquals("PgBouncer 1.25.2", AdminConsole.rows(console, "SHOW VERSION").get(0).get("version"));
    }

    /**
     * Without {@code preferQueryMode=simple} pgjdbc speaks the extended protocol; answers equal the simple
     * protocol's, and a prepared statement keeps working once pgjdbc names it on the server and asks for binary
     * results.
     */
    @Test
    void extendedQueryProtocolAndPreparedStatements() throws SQLException {
        try (Connection extended = AdminConsole.connectExtended(config.port(), ADMIN, ADMIN_PASS)) {
            assertEquals(AdminConsole.rows(console, "SHOW CONFIG"), AdminConsole.rows(extended, "SHOW CONFIG"));
            assertEquals(AdminConsole.rows(console, "SHOW DATABASES"),
                    AdminConsole.rows(extended, "SHOW DATABASES"));
            assertEquals(List.of(Map.of("database", DB, "cl_waiting", "1")),
                    AdminConsole.rows(extended, "SELECT database, cl_waiting FROM pools WHERE cl_waiting > 0"));
            List<String> databases = AdminConsole.rows(extended, "SHOW POOLS").stream()
                    .map(row -> row.get("database")).toList();
            try (PreparedStatement pools = extended.prepareStatement(
                    "SELECT database, cl_waiting, sv_active, maxwait_us FROM pools ORDER BY database");
                 PreparedStatement waitingSum = extended.prepareStatement("SELECT sum(cl_waiting) FROM pools")) {
                for (int run = 1; run <= PREPARE_THRESHOLD + 3; run++) {
                    List<String> seen = new ArrayList<>();
                    try (ResultSet rs = pools.executeQuery()) {
                        while (rs.next()) {
                            seen.add(rs.getString("database"));
                            if (DB.equals(rs.getString(1))) {
                                assertEquals("1 1", rs.getInt(2) + " " + rs.getInt(3), "run " + run);
                                assertTrue(rs.getInt(4) >= 0);
                            }
                        }
                    }
                    assertEquals(databases, seen, "run " + run);
                    try (ResultSet rs = waitingSum.executeQuery()) {
                        assertTrue(rs.next());
                        assertEquals(0, BigDecimal.ONE.compareTo(rs.getBigDecimal(1)), "run " + run);
                    }
                }
            }
        }
    }

    private static List<String> columns(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            columns.add(md.getColumnName(i) + ":" + md.getColumnTypeName(i));
        }
        return columns;
    }

    private static long maxOfShowPools(String column) throws SQLException {
        return AdminConsole.rows(console, "SHOW POOLS").stream()
                .mapToLong(row -> Long.parseLong(row.get(column)))
                .max().orElseThrow();
    }

    private static List<Map<String, String>> rowsUnchecked(String sql) {
        try {
            return AdminConsole.rows(console, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
