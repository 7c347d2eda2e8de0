package io.jbouncer.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Column names and type OIDs of every SHOW, as PgBouncer 1.25.2 sends them (usage.md, src/admin.c). */
class ShowColumnsTest {
    private static final String CONNECTION = "type:t user:t database:t replication:t state:t addr:t port:i "
            + "local_addr:t local_port:i connect_time:t request_time:t wait:i wait_us:i close_needed:i ptr:t "
            + "link:t remote_pid:i tls:t application_name:t prepared_statements:i id:i";
    private static final String BUFFERS = " recv_pos:i pkt_pos:i pkt_remain:i send_pos:i send_remain:i "
            + "pkt_avail:i send_avail:i";
    private static final String STAT_NAMES = "server_assignment_count:n xact_count:n query_count:n "
            + "bytes_received:n bytes_sent:n xact_time:n query_time:n wait_time:n";

    static Stream<Arguments> tables() {
        return Stream.of(
                Arguments.of("STATS", "database:t total_server_assignment_count:n total_xact_count:n "
                        + "total_query_count:n total_received:n total_sent:n total_xact_time:n total_query_time:n "
                        + "total_wait_time:n total_client_parse_count:n total_server_parse_count:n "
                        + "total_bind_count:n avg_server_assignment_count:n avg_xact_count:n avg_query_count:n "
                        + "avg_recv:n avg_sent:n avg_xact_time:n avg_query_time:n avg_wait_time:n "
                        + "avg_client_parse_count:n avg_server_parse_count:n avg_bind_count:n"),
                Arguments.of("STATS_TOTALS", "database:t " + STAT_NAMES
                        + " client_parse_count:n server_parse_count:n bind_count:n"),
                Arguments.of("STATS_AVERAGES", "database:t " + STAT_NAMES
                        + " avg_client_parse_count:n avg_server_parse_count:n avg_bind_count:n"),
                Arguments.of("TOTALS", "name:t value:n"),
                Arguments.of("SERVERS", CONNECTION),
                Arguments.of("CLIENTS", CONNECTION),
                Arguments.of("SOCKETS", CONNECTION + BUFFERS),
                Arguments.of("ACTIVE_SOCKETS", CONNECTION + BUFFERS),
                Arguments.of("POOLS", "database:t user:t cl_active:i cl_waiting:i cl_active_cancel_req:i "
                        + "cl_waiting_cancel_req:i sv_active:i sv_active_cancel:i sv_being_canceled:i sv_idle:i "
                        + "sv_used:i sv_tested:i sv_login:i maxwait:i maxwait_us:i pool_mode:t "
                        + "load_balance_hosts:t sv_listen:i"),
                Arguments.of("PEER_POOLS", "peer_id:i cl_active_cancel_req:i cl_waiting_cancel_req:i "
                        + "sv_active_cancel:i sv_login:i"),
                Arguments.of("DATABASES", "name:t host:t port:i database:t force_user:t pool_size:i "
                        + "min_pool_size:i reserve_pool_size:i server_lifetime:i pool_mode:t load_balance_hosts:t "
                        + "max_connections:i current_connections:i max_client_connections:i "
                        + "current_client_connections:i paused:i disabled:i"),
                Arguments.of("USERS", "name:t pool_size:t reserve_pool_size:t pool_mode:t max_user_connections:i "
                        + "current_connections:i max_user_client_connections:i current_client_connections:i"),
                Arguments.of("PEERS", "peer_id:i host:t port:i pool_size:i"),
                Arguments.of("LISTS", "list:t items:i"),
                Arguments.of("CONFIG", "key:t value:t default:t changeable:t"),
                Arguments.of("MEM", "name:t size:i used:i free:i memtotal:i"),
                Arguments.of("DNS_HOSTS", "hostname:t ttl:q addrs:t"),
                Arguments.of("DNS_ZONES", "zonename:t serial:q count:i"),
                Arguments.of("VERSION", "version:t"),
                Arguments.of("STATE", "key:t value:t"),
                Arguments.of("FDS", "fd:i task:t user:t database:t addr:t port:i cancel:q link:i "
                        + "client_encoding:t std_strings:t datestyle:t timezone:t password:t scram_client_key:b "
                        + "scram_server_key:b"),
                Arguments.of("client_encoding", "client_encoding:t"));
    }

    @ParameterizedTest(name = "SHOW {0}")
    @MethodSource("tables")
    void columnsMatchPgBouncer(String table, String expected) {
        List<BackendMessage> replies = new ConsoleClient(ConsoleRole.ADMIN).query("SHOW " + table + ";");

        BackendMessage description = replies.get(0);
        assertEquals('T', description.tag());
        String actual = String.join(" ", description.fields().stream().map(ShowColumnsTest::shortType).toList());
        assertEquals(expected, actual);
        assertEquals('C', replies.get(replies.size() - 2).tag());
        assertEquals("SHOW", replies.get(replies.size() - 2).field(0));
        assertEquals("Z", RecordingSink.tags(replies.subList(replies.size() - 1, replies.size())));
    }

    private static String shortType(String field) {
        String[] parts = field.split(":");
        String type = switch (parts[1]) {
            case "25" -> "t";
            case "23" -> "i";
            case "20" -> "q";
            case "1700" -> "n";
            case "17" -> "b";
            default -> parts[1];
        };
        return parts[0] + ":" + type;
    }
}
