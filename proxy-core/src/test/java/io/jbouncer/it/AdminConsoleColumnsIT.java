package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PSQLWarning;

/**
 * Every SHOW of PgBouncer 1.25.2's console, read with pgjdbc from a running jbouncer: column names, their order and
 * their type OIDs (as pgjdbc names them) must be exactly PgBouncer 1.25.2's (usage.md), because exporters and
 * scripts read them by name and type. The expected lists are written here from PgBouncer, not from the
 * implementation.
 */
class AdminConsoleColumnsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";

    /** PgBouncer's type letters (src/admin.c) to the names pgjdbc gives their OIDs. */
    private static final Map<Character, String> TYPE_NAMES = Map.of(
            't', "text", 'i', "int4", 'q', "int8", 'n', "numeric", 'b', "bytea");

    private static final String CONNECTION_COLUMNS = "type:t user:t database:t replication:t state:t addr:t port:i"
            + " local_addr:t local_port:i connect_time:t request_time:t wait:i wait_us:i close_needed:i ptr:t"
            + " link:t remote_pid:i tls:t application_name:t prepared_statements:i id:i";
    private static final String SOCKET_COLUMNS = CONNECTION_COLUMNS + " recv_pos:i pkt_pos:i pkt_remain:i"
            + " send_pos:i send_remain:i pkt_avail:i send_avail:i";
    private static final String STAT_NAMES = "server_assignment_count xact_count query_count";
    private static final String TIMES = "xact_time query_time wait_time";
    private static final String PREPARED_NAMES = "client_parse_count server_parse_count bind_count";

    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static Connection console;

    @BeforeAll
    static void start() throws SQLException {
        config = JBouncerConfig.create()
                .set("admin_users", ADMIN)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("app", pg.connstring(PostgresCluster.DB))
                .user(ADMIN, ADMIN_PASS);
        bouncer = BOUNCERS.start(config);
        console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (console != null) {
            console.close();
        }
    }

    /** PgBouncer 1.25.2, usage.md SHOW commands (no HEAD-only columns such as total_client_login_count). */
    static Stream<Arguments> showColumns() {
        return Stream.of(
                Arguments.of("STATS", "database:t " + numeric("total_", STAT_NAMES + " received sent " + TIMES
                        + " " + PREPARED_NAMES) + " " + numeric("avg_", STAT_NAMES + " recv sent " + TIMES + " "
                        + PREPARED_NAMES)),
                Arguments.of("STATS_TOTALS", "database:t " + numeric("", STAT_NAMES + " bytes_received bytes_sent "
                        + TIMES + " " + PREPARED_NAMES)),
                Arguments.of("STATS_AVERAGES", "database:t " + numeric("", STAT_NAMES + " bytes_received bytes_sent "
                        + TIMES) + " " + numeric("avg_", PREPARED_NAMES)),
                Arguments.of("TOTALS", "name:t value:n"),
                Arguments.of("SERVERS", CONNECTION_COLUMNS),
                Arguments.of("CLIENTS", CONNECTION_COLUMNS),
                Arguments.of("POOLS", "database:t user:t cl_active:i cl_waiting:i cl_active_cancel_req:i"
                        + " cl_waiting_cancel_req:i sv_active:i sv_active_cancel:i sv_being_canceled:i sv_idle:i"
                        + " sv_used:i sv_tested:i sv_login:i maxwait:i maxwait_us:i pool_mode:t"
                        + " load_balance_hosts:t sv_listen:i"),
                Arguments.of("LISTS", "list:t items:i"),
                Arguments.of("USERS", "name:t pool_size:t reserve_pool_size:t pool_mode:t max_user_connections:i"
                        + " current_connections:i max_user_client_connections:i current_client_connections:i"),
                Arguments.of("DATABASES", "name:t host:t port:i database:t force_user:t pool_size:i"
                        + " min_pool_size:i reserve_pool_size:i server_lifetime:i pool_mode:t load_balance_hosts:t"
                        + " max_connections:i current_connections:i max_client_connections:i"
                        + " current_client_connections:i paused:i disabled:i"),
                Arguments.of("FDS", "fd:i task:t user:t database:t addr:t port:i cancel:q link:i"
                        + " client_encoding:t std_strings:t datestyle:t timezone:t password:t scram_client_key:b"
                        + " scram_server_key:b"),
                Arguments.of("SOCKETS", SOCKET_COLUMNS),
                Arguments.of("ACTIVE_SOCKETS", SOCKET_COLUMNS),
                Arguments.of("CONFIG", "key:t value:t default:t changeable:t"),
                Arguments.of("MEM", "name:t size:i used:i free:i memtotal:i"),
                Arguments.of("DNS_HOSTS", "hostname:t ttl:q addrs:t"),
                Arguments.of("DNS_ZONES", "zonename:t serial:q count:i"),
                Arguments.of("VERSION", "version:t"),
                Arguments.of("STATE", "key:t value:t"),
                Arguments.of("PEERS", "peer_id:i host:t port:i pool_size:i"),
                Arguments.of("PEER_POOLS", "peer_id:i cl_active_cancel_req:i cl_waiting_cancel_req:i"
                        + " sv_active_cancel:i sv_login:i"));
    }

    /** {@code prefix + name + ":n"} for each of the space-separated {@code names}. */
    private static String numeric(String prefix, String names) {
        return String.join(" ", Arrays.stream(names.split(" ")).map(name -> prefix + name + ":n").toList());
    }

    @ParameterizedTest(name = "SHOW {0}")
    @MethodSource("showColumns")
    void columnNamesOrderAndTypesAreThoseOfPgBouncer(String show, String expected) throws SQLException {
        try (Statement st = console.createStatement(); ResultSet rs = st.executeQuery("SHOW " + show)) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> actual = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                actual.add(md.getColumnName(i) + ":" + md.getColumnTypeName(i));
            }
            List<String> wanted = Arrays.stream(expected.split(" "))
                    .map(column -> column.substring(0, column.length() - 1)
                            + TYPE_NAMES.get(column.charAt(column.length() - 1)))
                    .toList();
            assertEquals(String.join("\n", wanted), String.join("\n", actual), "SHOW " + show);
        }
    }

    @Test
    void selectWordIsShowWord() throws SQLException {
        assertEquals(AdminConsole.rows(console, "SHOW VERSION"), AdminConsole.rows(console, "SELECT version"));
        assertEquals(List.of("database", "user", "cl_active"),
                AdminConsole.rows(console, "select POOLS;").get(0).keySet().stream().limit(3).toList());
    }

    /** SHOW HELP answers no columns at all, only a NOTICE {@code Console usage} listing the commands. */
    @Test
    void helpIsANoticeWithoutRows() throws SQLException {
        try (Statement st = console.createStatement()) {
            assertFalse(st.execute("SHOW HELP"), "SHOW HELP must not answer a RowDescription");
            SQLWarning notice = st.getWarnings();
            assertNotNull(notice, "SHOW HELP sends a NOTICE");
            assertEquals("Console usage", notice.getMessage().replaceFirst("^NOTICE: ", "").lines().findFirst()
                    .orElseThrow());
            String detail = ((PSQLWarning) notice).getServerErrorMessage().getDetail();
            for (String line : List.of("SHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION",
                    "SHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS", "KILL_CLIENT <client_id>",
                    "SHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS", "WAIT_CLOSE [<db>]")) {
                assertTrue(detail.contains("\n\t" + line), () -> "missing " + line + " in:\n" + detail);
            }
        }
    }
}
