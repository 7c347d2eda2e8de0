package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.TestRole;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.jdbc.PgConnection;

/**
 * Tracked parameters in transaction pooling: 16 clients interleave on {@code pool_size=2}, each with its own value
 * of a parameter, set three ways (pgjdbc {@code SET}, pgjdbc startup packet, psql startup packet), and every one
 * of their queries must see its own value, whichever of the two servers runs it. jbouncer has to send the client's
 * values ({@code SET}) before each query on a server another client used last.
 */
class TransactionPoolParameterIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "txn2";
    private static final int POOL_SIZE = 2;
    private static final int JDBC_SET_CLIENTS = 8;
    private static final int JDBC_STARTUP_CLIENTS = 4;
    private static final int PSQL_CLIENTS = 4;
    private static final int CLIENTS = JDBC_SET_CLIENTS + JDBC_STARTUP_CLIENTS + PSQL_CLIENTS;
    private static final int ROUNDS = 60;
    private static final List<String> ZONES = List.of("Europe/Paris", "Asia/Tokyo", "America/New_York",
            "Australia/Sydney", "Africa/Cairo", "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Auckland",
            "Europe/Helsinki", "America/Anchorage", "Asia/Dubai", "Europe/Lisbon", "Asia/Singapore",
            "America/Chicago", "Europe/Berlin", "Atlantic/Reykjavik");

    /**
     * A tracked parameter and how a client asks for its own value: {@code valueOf(client)}, set by {@code SET}, by
     * the pgjdbc property {@code jdbcProperty} ({@code null}: pgjdbc sends a value of its own, which the client then
     * expects) or by the libpq connection-string fragment {@code libpqFormat}; {@code rolledBackValue} is set in a
     * transaction the client rolls back, so its own value must come back.
     */
    private record Parameter(String name, IntFunction<String> valueOf, String jdbcProperty, String libpqFormat,
            String rolledBackValue) {
    }

    /** What one client saw: the value it expects and, per query, the value and server pid it got. */
    private record Observed(int client, String expected, List<String> values, Set<Integer> pids) {
    }

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws SQLException {
        role = TestRole.create(pg, "tx_param_user");
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void timeZoneOfOneClientNeverLeaksToAnother() throws Exception {
        // pgjdbc always sends the JVM's zone as startup parameter TimeZone: those clients expect what it reported
        assertEachClientSeesItsOwnValue(new Parameter("TimeZone", ZONES::get, null,
                "options='-c TimeZone=%s'", "Antarctica/Troll"));
    }

    @Test
    void applicationNameOfOneClientNeverLeaksToAnother() throws Exception {
        assertEachClientSeesItsOwnValue(new Parameter("application_name", client -> "client-" + client,
                "ApplicationName", "application_name=%s", "rolled-back"));
    }

    private static void assertEachClientSeesItsOwnValue(Parameter parameter) throws Exception {
        List<Observed> observed = ConcurrentClients.run(CLIENTS, Duration.ofSeconds(90), client -> {
            if (client < JDBC_SET_CLIENTS) {
                return runJdbcClient(client, parameter, true);
            }
            if (client < JDBC_SET_CLIENTS + JDBC_STARTUP_CLIENTS) {
                return runJdbcClient(client, parameter, false);
            }
            return runPsqlClient(client, parameter);
        });
        Set<Integer> servers = new HashSet<>();
        for (Observed o : observed) {
            assertEquals(ROUNDS, o.values().size(), "client " + o.client() + " ran " + o.values().size() + " probes");
            for (int round = 0; round < o.values().size(); round++) {
                assertEquals(o.expected(), o.values().get(round), "client " + o.client() + ", probe " + round
                        + ": " + parameter.name() + " of another client leaked in; all it saw: " + o.values());
            }
            servers.addAll(o.pids());
        }
        assertTrue(servers.size() <= POOL_SIZE, "the " + CLIENTS + " clients should share " + POOL_SIZE
                + " server connections, but ran on " + servers);
    }

    /**
     * A pgjdbc client: its value by {@code SET} or from its startup packet, then {@value #ROUNDS} probes
     * alternating autocommit and explicit transactions; half-way it sets another value in a transaction it rolls
     * back.
     */
    private static Observed runJdbcClient(int client, Parameter parameter, boolean bySet) throws SQLException {
        String own = parameter.valueOf().apply(client);
        Properties startup = new Properties();
        if (!bySet && parameter.jdbcProperty() != null) {
            startup.setProperty(parameter.jdbcProperty(), own);
        }
        try (Connection c = role.connect(config.port(), DB, startup); Statement st = c.createStatement()) {
            String reported = c.unwrap(PgConnection.class).getParameterStatus(parameter.name());
            assertNotNull(reported, "jbouncer reported no " + parameter.name() + " at login");
            boolean ownAtStartup = !bySet && parameter.jdbcProperty() != null;
            if (ownAtStartup) {
                assertEquals(own, reported, "ParameterStatus at login");
            }
            if (bySet) {
                st.execute("SET " + parameter.name() + " = '" + own + "'");
            }
            String expected = bySet || ownAtStartup ? own : reported;
            List<String> values = new ArrayList<>();
            Set<Integer> pids = new HashSet<>();
            for (int round = 0; round < ROUNDS; round++) {
                if (round == ROUNDS / 2) {
                    c.setAutoCommit(false);
                    st.execute("SET " + parameter.name() + " = '" + parameter.rolledBackValue() + "'");
                    c.rollback();
                    c.setAutoCommit(true);
                }
                boolean transaction = round % 2 == 1;
                c.setAutoCommit(!transaction);
                try (ResultSet rs = st.executeQuery(probe(parameter.name(), ", "))) {
                    assertTrue(rs.next());
                    values.add(rs.getString(1));
                    pids.add(rs.getInt(2));
                }
                if (transaction) {
                    c.commit();
                }
            }
            return new Observed(client, expected, values, pids);
        }
    }

    /** A psql client with its value in its startup packet, running a script of probes, half in transactions. */
    private static Observed runPsqlClient(int client, Parameter parameter) throws IOException {
        StringBuilder script = new StringBuilder();
        for (int round = 0; round < ROUNDS; round++) {
            String probe = probe(parameter.name(), " || '|' || ") + ";\n";
            script.append(round % 2 == 1 ? "BEGIN;\n" + probe + "COMMIT;\n" : probe);
        }
        Path file = Files.createTempFile(config.dir(), "probes", ".sql");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        String expected = parameter.valueOf().apply(client);
        String connstring = role.connstring(config.port(), DB) + " " + parameter.libpqFormat().formatted(expected);
        Psql.Result result = Psql.of(pg).run(connstring, role.password(),
                "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", file.toString());
        assertEquals(0, result.exitCode(), () -> "psql client " + client + " failed: " + result.stderr());
        List<String> values = new ArrayList<>();
        Set<Integer> pids = new HashSet<>();
        for (String line : result.stdout().strip().split("\n")) {
            int bar = line.lastIndexOf('|');
            values.add(line.substring(0, bar));
            pids.add(Integer.parseInt(line.substring(bar + 1)));
        }
        return new Observed(client, expected, values, pids);
    }

    /** The probe query: the parameter's value and the server's pid, joined by {@code separator}. */
    private static String probe(String parameter, String separator) {
        return "SELECT current_setting('" + parameter + "')" + separator + "pg_backend_pid()";
    }
}
