package io.jbouncer.it.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One scrape the way prometheus-community/pgbouncer_exporter ({@code collector.go}) does it, over a simple-protocol
 * console connection: SHOW VERSION (one column named {@code version}), SHOW LISTS and SHOW CONFIG (rows parsed as
 * float), then SHOW DATABASES, STATS_TOTALS and POOLS read by column name, each known column a label or a number.
 * Where the exporter logs a parsing problem and carries on, this collects it in {@link Result#errors()} so a test
 * can insist there are none.
 *
 * <p>The column maps are the exporter's, including the two columns it still reads from older PgBouncers
 * ({@code databases.reserve_pool}, {@code stats_totals.requests}), which 1.25.2 no longer has; like the exporter,
 * a missing column is simply not exported.
 */
public final class PgbouncerExporterScrape {

    /** Per SHOW, the exporter's label columns. */
    private static final Map<String, List<String>> LABELS = Map.of(
            "databases", List.of("name", "host", "port", "database", "force_user", "pool_mode"),
            "stats_totals", List.of("database"),
            "pools", List.of("database", "user"));

    /** Per SHOW, the exporter's metric columns and the metric names it gives them. */
    public static final Map<String, Map<String, String>> METRICS = Map.of(
            "databases", Map.of("pool_size", "pool_size", "reserve_pool", "reserve_pool",
                    "max_connections", "max_connections", "current_connections", "current_connections",
                    "paused", "paused", "disabled", "disabled"),
            "stats_totals", Map.ofEntries(Map.entry("query_count", "queries_pooled_total"),
                    Map.entry("query_time", "queries_duration_seconds_total"),
                    Map.entry("bytes_received", "received_bytes_total"), Map.entry("requests", "queries_total"),
                    Map.entry("bytes_sent", "sent_bytes_total"), Map.entry("wait_time", "client_wait_seconds_total"),
                    Map.entry("xact_count", "sql_transactions_pooled_total"),
                    Map.entry("xact_time", "server_in_transaction_seconds_total"),
                    Map.entry("client_parse_count", "client_parses_total"),
                    Map.entry("server_parse_count", "server_parses_total"),
                    Map.entry("bind_count", "binds_total")),
            "pools", Map.ofEntries(Map.entry("cl_active", "client_active_connections"),
                    Map.entry("cl_active_cancel_req", "client_active_cancel_connections"),
                    Map.entry("cl_waiting", "client_waiting_connections"),
                    Map.entry("cl_waiting_cancel_req", "client_waiting_cancel_connections"),
                    Map.entry("sv_active", "server_active_connections"),
                    Map.entry("sv_active_cancel", "server_active_cancel_connections"),
                    Map.entry("sv_being_canceled", "server_being_canceled_connections"),
                    Map.entry("sv_idle", "server_idle_connections"), Map.entry("sv_used", "server_used_connections"),
                    Map.entry("sv_tested", "server_testing_connections"),
                    Map.entry("sv_login", "server_login_connections"),
                    Map.entry("maxwait", "client_maxwait_seconds")));

    /** SHOW LISTS rows the exporter exports, and their metric names. */
    private static final Map<String, String> LISTS = Map.ofEntries(Map.entry("databases", "databases"),
            Map.entry("users", "users"), Map.entry("pools", "pools"), Map.entry("free_clients", "free_clients"),
            Map.entry("used_clients", "used_clients"), Map.entry("login_clients", "login_clients"),
            Map.entry("free_servers", "free_servers"), Map.entry("used_servers", "used_servers"),
            Map.entry("dns_names", "cached_dns_names"), Map.entry("dns_zones", "cached_dns_zones"),
            Map.entry("dns_queries", "in_flight_dns_queries"));

    /** SHOW CONFIG keys the exporter exports, and their metric names. */
    private static final Map<String, String> CONFIG = Map.of("max_client_conn", "config_max_client_connections",
            "max_user_connections", "config_max_user_connections");

    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    private PgbouncerExporterScrape() {
    }

    /** One exported sample: {@code pgbouncer_<name>{labels} value}. */
    public record Metric(String name, Map<String, String> labels, double value) {
    }

    /** The samples of a scrape, the problems the exporter would log, and the columns each SHOW answered. */
    public record Result(List<Metric> metrics, List<String> errors, Map<String, List<String>> columns) {
    }

    /** Scrapes {@code console} once. */
    public static Result scrape(Connection console) throws SQLException {
        List<Metric> metrics = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Map<String, List<String>> columns = new LinkedHashMap<>();
        try (Statement st = console.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW VERSION;")) {
                List<String> names = columnNames(rs);
                columns.put("version", names);
                if (!names.equals(List.of("version"))) {
                    errors.add("show version didn't return version column: " + names);
                }
                while (rs.next()) {
                    metrics.add(new Metric("version_info", Map.of("version", rs.getString(1)), 1.0));
                }
            }
            readNamedRows(st, "LISTS", LISTS, metrics, errors, columns);
            readNamedRows(st, "CONFIG", CONFIG, metrics, errors, columns);
            for (String show : List.of("databases", "stats_totals", "pools")) {
                readColumns(st, show, metrics, errors, columns);
            }
        }
        return new Result(metrics, errors, columns);
    }

    /** SHOW LISTS / SHOW CONFIG: a name in the first column, a number in the second. */
    private static void readNamedRows(Statement st, String show, Map<String, String> exported, List<Metric> metrics,
            List<String> errors, Map<String, List<String>> columns) throws SQLException {
        try (ResultSet rs = st.executeQuery("SHOW " + show + ";")) {
            columns.put(show.toLowerCase(), columnNames(rs));
            while (rs.next()) {
                String metric = exported.get(rs.getString(1));
                if (metric == null) {
                    continue;
                }
                String text = rs.getString(2);
                Double value = parse(text);
                if (value == null) {
                    errors.add("error parsing SHOW " + show + " column: " + rs.getString(1) + " = " + text);
                } else {
                    metrics.add(new Metric(metric, Map.of(), value));
                }
            }
        }
    }

    /** The exporter's queryNamespaceMapping: labels from label columns, one sample per known metric column. */
    private static void readColumns(Statement st, String show, List<Metric> metrics, List<String> errors,
            Map<String, List<String>> columns) throws SQLException {
        Map<String, String> metricColumns = METRICS.get(show);
        try (ResultSet rs = st.executeQuery("SHOW " + show + ";")) {
            List<String> names = columnNames(rs);
            columns.put(show, names);
            while (rs.next()) {
                Map<String, String> labels = new LinkedHashMap<>();
                for (String label : LABELS.get(show)) {
                    labels.put(label, names.contains(label) ? Objects.toString(rs.getString(label), "") : "");
                }
                for (String column : names) {
                    String metric = metricColumns.get(column);
                    if (metric == null) {
                        continue;
                    }
                    String text = rs.getString(column);
                    Double value = text == null ? Double.valueOf(Double.NaN) : parse(text);
                    if (value == null) {
                        errors.add("unexpected error parsing namespace: " + show + ", column: " + column + " = "
                                + text);
                    } else {
                        metrics.add(new Metric(show + "_" + metric, labels, value));
                    }
                }
            }
        }
    }

    /** Go's strconv.ParseFloat on a decimal text value, as the exporter applies it; {@code null} where it fails. */
    private static Double parse(String text) {
        return DECIMAL.matcher(text).matches() ? Double.valueOf(text) : null;
    }

    private static List<String> columnNames(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            names.add(md.getColumnName(i));
        }
        return names;
    }
}
