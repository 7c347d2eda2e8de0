package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The settings table against PgBouncer 1.25.2 (config.md): names, SHOW CONFIG order, defaults, reloadability. */
class SettingsTest {

    private static final String NULL = "NULL";
    private static final String DEFER = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
            ? "1" : "0";

    /** name | default literal (NULL = not set) | SHOW CONFIG value with that default | changeable. */
    private static final String FACT_SHEET = """
            admin_users||| yes
            application_name_add_host|0|0|yes
            auth_dbname|NULL|NULL|yes
            auth_file|NULL|NULL|yes
            auth_hba_file|||yes
            auth_ident_file|NULL|NULL|yes
            auth_ldap_options|NULL|NULL|yes
            auth_query|AQ|AQ|yes
            auth_type|md5|md5|yes
            auth_user|NULL|NULL|yes
            autodb_idle_timeout|3600|3600|yes
            cancel_wait_timeout|10|10|yes
            client_idle_timeout|0|0|yes
            client_login_timeout|60|60|yes
            client_tls13_ciphers|NULL|NULL|yes
            client_tls_ca_file|||yes
            client_tls_cert_file|||yes
            client_tls_ciphers|default|default|yes
            client_tls_dheparams|auto|auto|yes
            client_tls_ecdhcurve|auto|auto|yes
            client_tls_key_file|||yes
            client_tls_protocols|secure|secure|yes
            client_tls_sslmode|disable|disable|yes
            conffile|NULL|FILE|yes
            default_pool_size|20|20|yes
            disable_pqexec|0|0|no
            dns_max_ttl|15|15|yes
            dns_nxdomain_ttl|15|15|yes
            dns_zone_check_period|0|0|yes
            hold_on_server_restart|0|0|yes
            idle_transaction_timeout|0|0|yes
            ignore_startup_parameters|||yes
            io_transport|auto|auto|no
            job_name|pgbouncer|pgbouncer|no
            listen_addr|||no
            listen_backlog|128|128|no
            listen_port|6432|6432|no
            log_connections|1|1|yes
            log_disconnections|1|1|yes
            log_format|text|text|yes
            log_pooler_errors|1|1|yes
            log_stats|1|1|yes
            logfile|||yes
            login_notify_message|||yes
            max_client_conn|100|100|yes
            max_db_client_connections|0|0|yes
            max_db_connections|0|0|yes
            max_packet_size|2147483647|2147483647|yes
            max_prepared_statements|200|200|yes
            max_user_client_connections|0|0|yes
            max_user_connections|0|0|yes
            metrics_addr|127.0.0.1|127.0.0.1|no
            metrics_port|0|0|no
            min_pool_size|0|0|yes
            notify_queue_size|1000|1000|yes
            peer_id|0|0|yes
            pidfile|||no
            pkt_buf|4096|4096|no
            pool_mode|session|session|yes
            pool_idle_timeout|0|0|yes
            proxy_protocol|0|0|yes
            proxy_trusted_networks|||yes
            query_timeout|0|0|yes
            query_wait_notify|5|5|yes
            query_wait_timeout|120|120|yes
            reserve_pool_size|0|0|yes
            reserve_pool_timeout|5|5|yes
            resolv_conf|||no
            sbuf_loopcnt|5|5|yes
            scram_iterations|4096|4096|yes
            server_check_delay|30|30|yes
            server_check_query|<empty>|<empty>|yes
            server_connect_timeout|15|15|yes
            server_fast_close|0|0|yes
            server_idle_timeout|600|600|yes
            server_lifetime|3600|3600|yes
            server_login_retry|15|15|yes
            server_reset_query|DISCARD ALL|DISCARD ALL|yes
            server_reset_query_always|0|0|yes
            server_round_robin|0|0|yes
            server_tls13_ciphers|NULL|NULL|yes
            server_tls_ca_file|||yes
            server_tls_cert_file|||yes
            server_tls_ciphers|default|default|yes
            server_tls_key_file|||yes
            server_tls_protocols|secure|secure|yes
            server_tls_sslmode|prefer|prefer|yes
            so_reuseport|0|0|no
            stats_period|60|60|yes
            stats_users|||yes
            suspend_timeout|10|10|yes
            syslog|0|0|yes
            syslog_facility|daemon|daemon|yes
            syslog_ident|pgbouncer|pgbouncer|yes
            tcp_defer_accept|DEFER|DEFER|yes
            tcp_keepalive|1|1|yes
            tcp_keepcnt|0|0|yes
            tcp_keepidle|0|0|yes
            tcp_keepintvl|0|0|yes
            tcp_socket_buffer|0|0|yes
            tcp_user_timeout|0|0|yes
            track_extra_parameters|IntervalStyle|IntervalStyle|no
            track_session_settings|0|0|yes
            transaction_listen|1|1|yes
            transaction_timeout|0|0|yes
            unix_socket_dir|/tmp|/tmp|no
            unix_socket_group|||no
            unix_socket_mode|0777|511|no
            user|NULL|NULL|no
            verbose|NULL|0|yes
            """;
    private static final String AUTH_QUERY = "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE"
            + " rolpassword END FROM pg_authid WHERE rolname=$1 AND rolcanlogin";

    @TempDir
    static Path dir;
    private static Config defaults;

    record Row(String name, String defaultLiteral, String shown, boolean reloadable) {
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String line : FACT_SHEET.strip().split("\n")) {
            String[] f = line.split("\\|", -1);
            rows.add(new Row(f[0], literal(f[1]), literal(f[2]), f[3].strip().equals("yes")));
        }
        return rows;
    }

    private static String literal(String text) {
        return switch (text) {
            case NULL -> null;
            case "AQ" -> AUTH_QUERY;
            case "DEFER" -> DEFER;
            case "FILE" -> dir.resolve("defaults.ini").toString();
            default -> text;
        };
    }

    @BeforeAll
    static void loadEmptyConfig() throws Exception {
        Path ini = dir.resolve("defaults.ini");
        Files.writeString(ini, "[pgbouncer]\n");
        defaults = ConfigLoader.load(ini);
    }

    @Test
    void namesAndOrderAreShowConfigOrder() {
        assertEquals(rows().stream().map(Row::name).toList(), Settings.all().stream().map(SettingDef::name).toList());
    }

    @ParameterizedTest
    @MethodSource("rows")
    void defaultMatchesFactSheet(Row row) {
        Map<String, SettingDef> byName = new LinkedHashMap<>();
        Settings.all().forEach(def -> byName.put(def.name(), def));
        SettingDef def = byName.get(row.name());
        assertEquals(new SettingDef(row.name(), row.defaultLiteral(), row.reloadable()), def);
        assertEquals(row.shown(), defaults.valueAsShown(row.name()), row.name());
    }

    @Test
    void typedDefaults() {
        assertEquals("", defaults.listenAddr());
        assertEquals(6432, defaults.listenPort());
        assertEquals(511, defaults.unixSocketMode());
        assertEquals(PoolMode.SESSION, defaults.poolMode());
        assertEquals(LogFormat.TEXT, defaults.logFormat());
        assertEquals(AuthType.MD5, defaults.authType());
        assertEquals(SslMode.DISABLE, defaults.clientTlsSslmode());
        assertEquals(SslMode.PREFER, defaults.serverTlsSslmode());
        assertNull(defaults.authFile());
        assertEquals(List.of(), defaults.adminUsers());
        assertEquals(List.of("IntervalStyle"), defaults.trackExtraParameters());
        assertEquals(Duration.ofSeconds(120), defaults.queryWaitTimeout());
        assertEquals(Duration.ofSeconds(5), defaults.reservePoolTimeout());
        assertEquals(2147483647L, defaults.maxPacketSize());
        assertTrue(defaults.tcpKeepalive());
        assertFalse(defaults.serverRoundRobin());
        assertNull(defaults.verbose());
        assertEquals(dir.resolve("defaults.ini").toString(), defaults.conffile());
        assertEquals(List.of(), List.copyOf(defaults.explicitlySetKeys()));
    }
}
