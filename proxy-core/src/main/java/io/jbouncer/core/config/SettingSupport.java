package io.jbouncer.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What jbouncer does with each setting of {@link Settings} (every {@code [databases]} and {@code [users]} key is
 * implemented). Every setting is in exactly one class:
 * <ul>
 *   <li>{@link Level#IMPLEMENTED}: jbouncer acts on every value as PgBouncer does;</li>
 *   <li>{@link Level#NO_EFFECT}: accepted for compatibility and harmless to ignore (a tuning knob of PgBouncer's C
 *       internals, or a setting read only by a feature that is itself refused); one warning at start-up when the
 *       file sets it;</li>
 *   <li>{@link Level#REFUSED_WHEN}: the values the row describes ask for behaviour jbouncer lacks; a configuration
 *       with such a value fails start-up, {@code --check}, RELOAD/SIGHUP (the running configuration stays) and the
 *       console's {@code SET}, with one line per setting naming it.</li>
 * </ul>
 * Nothing is accepted and silently ignored: a silently weaker pooler (plaintext where the file says TLS, a user let
 * in by a rule jbouncer did not apply) is the worst kind of drop-in. When a feature lands, its rows move to
 * {@link Level#IMPLEMENTED} in the same commit; {@code docs/settings.md} lists the classes for users.
 */
public final class SettingSupport {

    /** The class of a setting. */
    public enum Level { IMPLEMENTED, NO_EFFECT, REFUSED_WHEN }

    /**
     * One row.
     *
     * @param level the class
     * @param when for {@link Level#REFUSED_WHEN}, the refused values in words ("any value but disable"); else ""
     * @param refused whether a configuration holds a refused value of this setting
     * @param reason why the values are refused or have no effect, for the log line
     */
    public record Support(Level level, String when, Predicate<Config> refused, String reason) {
    }

    /** A refused value: where it is ({@code section}, {@code entry} name) and the line to print. */
    public record Refusal(String section, String entry, String message) {
    }

    private static final String TLS_GROUPS = "jbouncer leaves key-exchange groups and DH parameters to its TLS"
            + " engine";

    private static final Map<String, Support> TABLE = table(
            Map.entry("admin_users", implemented()),
            Map.entry("application_name_add_host", implemented()),
            Map.entry("auth_dbname", implemented()),
            Map.entry("auth_file", implemented()),
            Map.entry("auth_hba_file", implemented()),
            Map.entry("auth_ident_file", implemented()),
            Map.entry("auth_ldap_options", implemented()),
            Map.entry("auth_query", implemented()),
            Map.entry("auth_type", refusedWhen("pam", c -> c.authType() == AuthType.PAM,
                    "PAM login is not implemented (a build option in PgBouncer too)")),
            Map.entry("auth_user", implemented()),
            Map.entry("autodb_idle_timeout", implemented()),
            Map.entry("cancel_wait_timeout", implemented()),
            Map.entry("client_idle_timeout", implemented()),
            Map.entry("client_login_timeout", implemented()),
            Map.entry("client_tls13_ciphers", implemented()),
            Map.entry("client_tls_ca_file", implemented()),
            Map.entry("client_tls_cert_file", implemented()),
            Map.entry("client_tls_ciphers", implemented()),
            Map.entry("client_tls_dheparams", refusedWhen("any value but auto",
                    c -> !isAuto(c.clientTlsDheparams()), TLS_GROUPS)),
            Map.entry("client_tls_ecdhcurve", refusedWhen("any value but auto",
                    c -> !isAuto(c.clientTlsEcdhcurve()), TLS_GROUPS)),
            Map.entry("client_tls_key_file", implemented()),
            Map.entry("client_tls_protocols", implemented()),
            Map.entry("client_tls_sslmode", implemented()),
            Map.entry("conffile", implemented()),
            Map.entry("default_pool_size", implemented()),
            Map.entry("disable_pqexec", implemented()),
            Map.entry("dns_max_ttl", implemented()),
            Map.entry("dns_nxdomain_ttl", implemented()),
            Map.entry("dns_zone_check_period", refusedWhen("above 0", c -> c.dnsZoneCheckPeriod().toNanos() > 0,
                    "jbouncer does not poll DNS zone serials (PgBouncer does only when built with c-ares); a name"
                            + " is looked up again once its dns_max_ttl has passed")),
            Map.entry("hold_on_server_restart", implemented()),
            Map.entry("idle_transaction_timeout", implemented()),
            Map.entry("ignore_startup_parameters", implemented()),
            Map.entry("io_transport", implemented()),
            Map.entry("job_name", noEffect("it names a Windows service")),
            Map.entry("listen_addr", implemented()),
            Map.entry("listen_backlog", implemented()),
            Map.entry("listen_port", implemented()),
            Map.entry("log_connections", implemented()),
            Map.entry("log_disconnections", implemented()),
            Map.entry("log_format", implemented()),
            Map.entry("log_pooler_errors", implemented()),
            Map.entry("log_stats", implemented()),
            Map.entry("logfile", implemented()),
            Map.entry("login_notify_message", implemented()),
            Map.entry("max_client_conn", implemented()),
            Map.entry("max_db_client_connections", implemented()),
            Map.entry("max_db_connections", implemented()),
            Map.entry("max_packet_size", implemented()),
            Map.entry("max_prepared_statements", implemented()),
            Map.entry("max_user_client_connections", implemented()),
            Map.entry("max_user_connections", implemented()),
            Map.entry("metrics_addr", implemented()),
            Map.entry("metrics_port", implemented()),
            Map.entry("min_pool_size", implemented()),
            Map.entry("notify_queue_size", refusedWhen("0 or less", c -> c.notifyQueueSize() <= 0,
                    "a client's notification queue must hold at least one notification")),
            Map.entry("peer_id", refusedWhen("below 0 or above 65535", c -> c.peerId() < 0 || c.peerId() > 0xFFFF,
                    "a cancel key carries the peer id in two bytes, so no key could ever name this process")),
            Map.entry("pidfile", implemented()),
            Map.entry("pkt_buf", noEffect("Netty sizes its buffers itself")),
            Map.entry("pool_mode", implemented()),
            Map.entry("pool_idle_timeout", implemented()),
            Map.entry("proxy_protocol", implemented()),
            Map.entry("proxy_trusted_networks", implemented()),
            Map.entry("query_timeout", implemented()),
            Map.entry("query_wait_notify", implemented()),
            Map.entry("query_wait_timeout", implemented()),
            Map.entry("reserve_pool_size", implemented()),
            Map.entry("reserve_pool_timeout", implemented()),
            Map.entry("resolv_conf", refusedWhen("any value but empty", c -> !c.resolvConf().isEmpty(),
                    "host names are resolved by the JVM, which cannot read another resolv.conf")),
            Map.entry("sbuf_loopcnt", noEffect("Netty decides how often it reads a socket per loop")),
            Map.entry("scram_iterations", implemented()),
            Map.entry("server_check_delay", implemented()),
            Map.entry("server_check_query", implemented()),
            Map.entry("server_connect_timeout", implemented()),
            Map.entry("server_fast_close", implemented()),
            Map.entry("server_idle_timeout", implemented()),
            Map.entry("server_lifetime", implemented()),
            Map.entry("server_login_retry", implemented()),
            Map.entry("server_reset_query", implemented()),
            Map.entry("server_reset_query_always", implemented()),
            Map.entry("server_round_robin", implemented()),
            Map.entry("server_tls13_ciphers", implemented()),
            Map.entry("server_tls_ca_file", implemented()),
            Map.entry("server_tls_cert_file", implemented()),
            Map.entry("server_tls_ciphers", implemented()),
            Map.entry("server_tls_key_file", implemented()),
            Map.entry("server_tls_protocols", implemented()),
            Map.entry("server_tls_sslmode", implemented()),
            Map.entry("so_reuseport", implemented()),
            Map.entry("stats_period", implemented()),
            Map.entry("stats_users", implemented()),
            Map.entry("suspend_timeout", implemented()),
            Map.entry("syslog", refusedWhen("1", Config::syslog, "logging to syslog is not implemented yet")),
            Map.entry("syslog_facility", noEffect("syslog is not implemented, so syslog = 1 is refused")),
            Map.entry("syslog_ident", noEffect("syslog is not implemented, so syslog = 1 is refused")),
            Map.entry("tcp_defer_accept", implemented()),
            Map.entry("tcp_keepalive", implemented()),
            Map.entry("tcp_keepcnt", implemented()),
            Map.entry("tcp_keepidle", implemented()),
            Map.entry("tcp_keepintvl", implemented()),
            Map.entry("tcp_socket_buffer", implemented()),
            Map.entry("tcp_user_timeout", implemented()),
            Map.entry("track_extra_parameters", implemented()),
            Map.entry("track_session_settings", implemented()),
            Map.entry("transaction_listen", implemented()),
            Map.entry("transaction_timeout", implemented()),
            Map.entry("unix_socket_dir", implemented()),
            Map.entry("unix_socket_group", implemented()),
            Map.entry("unix_socket_mode", implemented()),
            Map.entry("user", refusedWhen("another user than the one jbouncer runs as",
                    c -> c.user() != null && !c.user().equals(System.getProperty("user.name")),
                    "jbouncer does not switch users: start it as that user")),
            Map.entry("verbose", implemented()));

    private SettingSupport() {
    }

    /** The row of {@code [pgbouncer]} setting {@code name}, or null if there is no such setting. */
    public static Support of(String name) {
        return TABLE.get(name);
    }

    /** Every row, keyed by setting name, in {@link Settings} order. */
    public static Map<String, Support> all() {
        return TABLE;
    }

    /**
     * Every refused {@code [pgbouncer]} value in {@code config}, in {@link Settings} order; empty when jbouncer can
     * run it as written.
     */
    public static List<Refusal> refusals(Config config) {
        List<Refusal> refusals = new ArrayList<>();
        TABLE.forEach((name, support) -> {
            if (support.refused().test(config)) {
                refusals.add(new Refusal("pgbouncer", name, name + " = " + shown(config, name)
                        + " is not supported by jbouncer yet (" + support.reason() + ")"));
            }
        });
        return refusals;
    }

    /** The start-up warnings: one line for each setting the file sets that has no effect. */
    public static List<String> startupWarnings(Config config) {
        List<String> warnings = new ArrayList<>();
        TABLE.forEach((name, support) -> {
            if (support.level() == Level.NO_EFFECT && config.explicitlySetKeys().contains(name)) {
                warnings.add(name + " is accepted for compatibility and has no effect (" + support.reason() + ")");
            }
        });
        return warnings;
    }

    private static String shown(Config config, String name) {
        String value = config.valueAsShown(name);
        return value == null || value.isEmpty() ? "'" + (value == null ? "" : value) + "'" : value;
    }

    /** libtls's {@code auto} (and an empty value, which PgBouncer does not pass on). */
    private static boolean isAuto(String value) {
        return value == null || value.isBlank() || "auto".equalsIgnoreCase(value.strip());
    }

    private static Support implemented() {
        return new Support(Level.IMPLEMENTED, "", c -> false, "");
    }

    private static Support noEffect(String reason) {
        return new Support(Level.NO_EFFECT, "", c -> false, reason);
    }

    private static Support refusedWhen(String when, Predicate<Config> refused, String reason) {
        return new Support(Level.REFUSED_WHEN, when, refused, reason);
    }

    @SafeVarargs
    private static Map<String, Support> table(Map.Entry<String, Support>... rows) {
        Map<String, Support> map = new LinkedHashMap<>();
        for (Map.Entry<String, Support> row : rows) {
            if (map.put(row.getKey(), row.getValue()) != null) {
                throw new IllegalStateException("setting classified twice: " + row.getKey());
            }
        }
        return map;
    }
}
