package io.jbouncer.core.config;

import static io.jbouncer.core.config.SettingType.AUTH_DBNAME;
import static io.jbouncer.core.config.SettingType.AUTH_TYPE;
import static io.jbouncer.core.config.SettingType.BOOL;
import static io.jbouncer.core.config.SettingType.CIDR_LIST;
import static io.jbouncer.core.config.SettingType.INT;
import static io.jbouncer.core.config.SettingType.IO_TRANSPORT;
import static io.jbouncer.core.config.SettingType.LIST;
import static io.jbouncer.core.config.SettingType.LOG_FORMAT;
import static io.jbouncer.core.config.SettingType.POOL_MODE;
import static io.jbouncer.core.config.SettingType.SSL_MODE;
import static io.jbouncer.core.config.SettingType.STRING;
import static io.jbouncer.core.config.SettingType.TIME;
import static io.jbouncer.core.config.SettingType.UINT;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of {@code [pgbouncer]} settings: PgBouncer's {@code bouncer_params[]} (main.c) for 1.25.2 plus the
 * HEAD additions of PgBouncer 1.26 ({@code login_notify_message}, {@code pool_idle_timeout}), plus jbouncer's
 * own {@code log_format}, {@code metrics_addr} and {@code metrics_port} (not in PgBouncer; docs/metrics.md) and
 * {@code hold_on_server_restart}, {@code proxy_protocol} and {@code proxy_trusted_networks} (not in PgBouncer;
 * docs/operations.md), {@code track_session_settings}, {@code transaction_listen} and {@code notify_queue_size} (not
 * in PgBouncer; docs/transaction-mode.md) and {@code io_transport} (not in PgBouncer; docs/settings.md).
 *
 * <p>Order is SHOW CONFIG order: alphabetical, except that {@code pool_idle_timeout} follows {@code pool_mode} as in
 * PgBouncer HEAD. The Windows-only {@code service_name} alias is left out. Defaults are PgBouncer's literal default
 * strings; a null default means NULL, which libusual never writes back (so a second {@code [pgbouncer]} header does
 * not reset those keys).
 */
public final class Settings {

    /** One row of the table: the public description plus how values are parsed. */
    record Setting(String name, SettingType type, String defaultValue, boolean reloadable) {

        SettingDef def() {
            return new SettingDef(name, defaultValue, reloadable);
        }
    }

    private static final boolean RELOADABLE = true;
    private static final boolean RESTART_ONLY = false;
    /** {@code TCP_DEFER_ACCEPT} exists on Linux only; PgBouncer's default follows that. */
    private static final String DEFER_ACCEPT_DEFAULT =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") ? "1" : "0";
    private static final String AUTH_QUERY_DEFAULT = "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL"
            + " ELSE rolpassword END FROM pg_authid WHERE rolname=$1 AND rolcanlogin";

    private static final Map<String, Setting> TABLE = table(
            new Setting("admin_users", LIST, "", RELOADABLE),
            new Setting("application_name_add_host", BOOL, "0", RELOADABLE),
            new Setting("auth_dbname", AUTH_DBNAME, null, RELOADABLE),
            new Setting("auth_file", STRING, null, RELOADABLE),
            new Setting("auth_hba_file", STRING, "", RELOADABLE),
            new Setting("auth_ident_file", STRING, null, RELOADABLE),
            new Setting("auth_ldap_options", STRING, null, RELOADABLE),
            new Setting("auth_query", STRING, AUTH_QUERY_DEFAULT, RELOADABLE),
            new Setting("auth_type", AUTH_TYPE, "md5", RELOADABLE),
            new Setting("auth_user", STRING, null, RELOADABLE),
            new Setting("autodb_idle_timeout", TIME, "3600", RELOADABLE),
            new Setting("cancel_wait_timeout", TIME, "10", RELOADABLE),
            new Setting("client_idle_timeout", TIME, "0", RELOADABLE),
            new Setting("client_login_timeout", TIME, "60", RELOADABLE),
            new Setting("client_tls13_ciphers", STRING, null, RELOADABLE),
            new Setting("client_tls_ca_file", STRING, "", RELOADABLE),
            new Setting("client_tls_cert_file", STRING, "", RELOADABLE),
            new Setting("client_tls_ciphers", STRING, "default", RELOADABLE),
            new Setting("client_tls_dheparams", STRING, "auto", RELOADABLE),
            new Setting("client_tls_ecdhcurve", STRING, "auto", RELOADABLE),
            new Setting("client_tls_key_file", STRING, "", RELOADABLE),
            new Setting("client_tls_protocols", STRING, "secure", RELOADABLE),
            new Setting("client_tls_sslmode", SSL_MODE, "disable", RELOADABLE),
            new Setting("conffile", STRING, null, RELOADABLE),
            new Setting("default_pool_size", INT, "20", RELOADABLE),
            new Setting("disable_pqexec", BOOL, "0", RESTART_ONLY),
            new Setting("dns_max_ttl", TIME, "15", RELOADABLE),
            new Setting("dns_nxdomain_ttl", TIME, "15", RELOADABLE),
            new Setting("dns_zone_check_period", TIME, "0", RELOADABLE),
            new Setting("hold_on_server_restart", BOOL, "0", RELOADABLE),
            new Setting("idle_transaction_timeout", TIME, "0", RELOADABLE),
            new Setting("ignore_startup_parameters", LIST, "", RELOADABLE),
            new Setting("io_transport", IO_TRANSPORT, "auto", RESTART_ONLY),
            new Setting("job_name", STRING, "pgbouncer", RESTART_ONLY),
            new Setting("listen_addr", LIST, "", RESTART_ONLY),
            new Setting("listen_backlog", INT, "128", RESTART_ONLY),
            new Setting("listen_port", INT, "6432", RESTART_ONLY),
            new Setting("log_connections", BOOL, "1", RELOADABLE),
            new Setting("log_disconnections", BOOL, "1", RELOADABLE),
            new Setting("log_format", LOG_FORMAT, "text", RELOADABLE),
            new Setting("log_pooler_errors", BOOL, "1", RELOADABLE),
            new Setting("log_stats", BOOL, "1", RELOADABLE),
            new Setting("logfile", STRING, "", RELOADABLE),
            new Setting("login_notify_message", STRING, "", RELOADABLE),
            new Setting("max_client_conn", INT, "100", RELOADABLE),
            new Setting("max_db_client_connections", INT, "0", RELOADABLE),
            new Setting("max_db_connections", INT, "0", RELOADABLE),
            new Setting("max_packet_size", UINT, "2147483647", RELOADABLE),
            new Setting("max_prepared_statements", INT, "200", RELOADABLE),
            new Setting("max_user_client_connections", INT, "0", RELOADABLE),
            new Setting("max_user_connections", INT, "0", RELOADABLE),
            new Setting("metrics_addr", STRING, "127.0.0.1", RESTART_ONLY),
            new Setting("metrics_port", INT, "0", RESTART_ONLY),
            new Setting("min_pool_size", INT, "0", RELOADABLE),
            new Setting("notify_queue_size", INT, "1000", RELOADABLE),
            new Setting("peer_id", INT, "0", RELOADABLE),
            new Setting("pidfile", STRING, "", RESTART_ONLY),
            new Setting("pkt_buf", INT, "4096", RESTART_ONLY),
            new Setting("pool_mode", POOL_MODE, "session", RELOADABLE),
            new Setting("pool_idle_timeout", TIME, "0", RELOADABLE),
            new Setting("proxy_protocol", BOOL, "0", RELOADABLE),
            new Setting("proxy_trusted_networks", CIDR_LIST, "", RELOADABLE),
            new Setting("query_timeout", TIME, "0", RELOADABLE),
            new Setting("query_wait_notify", INT, "5", RELOADABLE),
            new Setting("query_wait_timeout", TIME, "120", RELOADABLE),
            new Setting("reserve_pool_size", INT, "0", RELOADABLE),
            new Setting("reserve_pool_timeout", TIME, "5", RELOADABLE),
            new Setting("resolv_conf", STRING, "", RESTART_ONLY),
            new Setting("sbuf_loopcnt", INT, "5", RELOADABLE),
            new Setting("scram_iterations", INT, "4096", RELOADABLE),
            new Setting("server_check_delay", TIME, "30", RELOADABLE),
            new Setting("server_check_query", STRING, "<empty>", RELOADABLE),
            new Setting("server_connect_timeout", TIME, "15", RELOADABLE),
            new Setting("server_fast_close", BOOL, "0", RELOADABLE),
            new Setting("server_idle_timeout", TIME, "600", RELOADABLE),
            new Setting("server_lifetime", TIME, "3600", RELOADABLE),
            new Setting("server_login_retry", TIME, "15", RELOADABLE),
            new Setting("server_reset_query", STRING, "DISCARD ALL", RELOADABLE),
            new Setting("server_reset_query_always", BOOL, "0", RELOADABLE),
            new Setting("server_round_robin", BOOL, "0", RELOADABLE),
            new Setting("server_tls13_ciphers", STRING, null, RELOADABLE),
            new Setting("server_tls_ca_file", STRING, "", RELOADABLE),
            new Setting("server_tls_cert_file", STRING, "", RELOADABLE),
            new Setting("server_tls_ciphers", STRING, "default", RELOADABLE),
            new Setting("server_tls_key_file", STRING, "", RELOADABLE),
            new Setting("server_tls_protocols", STRING, "secure", RELOADABLE),
            new Setting("server_tls_sslmode", SSL_MODE, "prefer", RELOADABLE),
            new Setting("so_reuseport", BOOL, "0", RESTART_ONLY),
            new Setting("stats_period", INT, "60", RELOADABLE),
            new Setting("stats_users", LIST, "", RELOADABLE),
            new Setting("suspend_timeout", TIME, "10", RELOADABLE),
            new Setting("syslog", BOOL, "0", RELOADABLE),
            new Setting("syslog_facility", STRING, "daemon", RELOADABLE),
            new Setting("syslog_ident", STRING, "pgbouncer", RELOADABLE),
            new Setting("tcp_defer_accept", BOOL, DEFER_ACCEPT_DEFAULT, RELOADABLE),
            new Setting("tcp_keepalive", BOOL, "1", RELOADABLE),
            new Setting("tcp_keepcnt", INT, "0", RELOADABLE),
            new Setting("tcp_keepidle", INT, "0", RELOADABLE),
            new Setting("tcp_keepintvl", INT, "0", RELOADABLE),
            new Setting("tcp_socket_buffer", INT, "0", RELOADABLE),
            new Setting("tcp_user_timeout", INT, "0", RELOADABLE),
            new Setting("track_extra_parameters", LIST, "IntervalStyle", RESTART_ONLY),
            new Setting("track_session_settings", BOOL, "0", RELOADABLE),
            new Setting("transaction_listen", BOOL, "1", RELOADABLE),
            new Setting("transaction_timeout", TIME, "0", RELOADABLE),
            new Setting("unix_socket_dir", STRING, "/tmp", RESTART_ONLY),
            new Setting("unix_socket_group", STRING, "", RESTART_ONLY),
            new Setting("unix_socket_mode", INT, "0777", RESTART_ONLY),
            new Setting("user", STRING, null, RESTART_ONLY),
            new Setting("verbose", INT, null, RELOADABLE));

    private static final List<SettingDef> ALL = TABLE.values().stream().map(Setting::def).toList();

    private Settings() {
    }

    /** Every {@code [pgbouncer]} key, in SHOW CONFIG order. */
    public static List<SettingDef> all() {
        return ALL;
    }

    /** The setting called {@code name} (case-sensitive, as PgBouncer's {@code strcmp}), or null. */
    static Setting find(String name) {
        return TABLE.get(name);
    }

    /** All rows, in SHOW CONFIG order. */
    static Iterable<Setting> rows() {
        return TABLE.values();
    }

    private static Map<String, Setting> table(Setting... rows) {
        Map<String, Setting> map = new LinkedHashMap<>();
        for (Setting row : rows) {
            map.put(row.name(), row);
        }
        return map;
    }
}
