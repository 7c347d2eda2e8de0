package io.jbouncer.core.metrics;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.view.ConfigRow;
import io.jbouncer.admin.view.DatabaseRow;
import io.jbouncer.admin.view.ListsRow;
import io.jbouncer.admin.view.PoolRow;
import io.jbouncer.admin.view.StatCounters;
import io.jbouncer.admin.view.StatsRow;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The metrics of prometheus-community/pgbouncer_exporter, same names, labels and units, read at scrape time from
 * the rows the admin console shows (SHOW VERSION, LISTS, CONFIG, DATABASES, STATS_TOTALS, POOLS), so dashboards
 * and alerts written for the exporter work with no exporter process and no second set of counters.
 *
 * <p>The exporter names its SHOW STATS_TOTALS family {@code pgbouncer_stats_totals_*}; releases before it moved from
 * SHOW STATS called the same counters {@code pgbouncer_stats_*}, and many published dashboards still query those,
 * so both families are written. Columns the exporter reads but PgBouncer 1.25 no longer has
 * ({@code databases.reserve_pool}, {@code stats_totals.requests}) are left out, as the exporter leaves them out.
 */
final class ExporterMetrics implements MultiCollector {
    private static final double MICROS = 1e6;
    private static final List<String> STATS_FAMILIES = List.of("pgbouncer_stats_totals_", "pgbouncer_stats_");

    /** A gauge or counter column: its metric name (counters without {@code _total}), help and value. */
    private record Column<R>(String name, String help, ToDoubleFunction<R> value) {
    }

    private static final List<Column<PoolRow>> POOL_COLUMNS = List.of(
            new Column<>("client_active_connections", "Clients linked to a server and able to run queries",
                    PoolRow::clActive),
            new Column<>("client_active_cancel_connections",
                    "Clients that forwarded a cancel request and wait for the server's answer",
                    PoolRow::clActiveCancelReq),
            new Column<>("client_waiting_connections", "Clients waiting for a server", PoolRow::clWaiting),
            new Column<>("client_waiting_cancel_connections", "Clients whose cancel request is not forwarded yet",
                    PoolRow::clWaitingCancelReq),
            new Column<>("server_active_connections", "Servers linked to a client", PoolRow::svActive),
            new Column<>("server_active_cancel_connections", "Servers forwarding a cancel request",
                    PoolRow::svActiveCancel),
            new Column<>("server_being_canceled_connections",
                    "Servers kept from idling until the cancel requests sent for them complete",
                    PoolRow::svBeingCanceled),
            new Column<>("server_idle_connections", "Servers idle and ready for a client", PoolRow::svIdle),
            new Column<>("server_used_connections", "Servers idle longer than server_check_delay",
                    PoolRow::svUsed),
            new Column<>("server_testing_connections", "Servers running server_reset_query or server_check_query",
                    PoolRow::svTested),
            new Column<>("server_login_connections", "Servers logging in", PoolRow::svLogin),
            new Column<>("client_maxwait_seconds", "How long the oldest waiting client has waited, in seconds",
                    row -> row.maxWaitMicros() / MICROS));

    private static final List<Column<DatabaseRow>> DATABASE_COLUMNS = List.of(
            new Column<>("pool_size", "Maximum number of server connections", DatabaseRow::poolSize),
            new Column<>("max_connections", "Maximum number of server connections for this database",
                    DatabaseRow::maxConnections),
            new Column<>("current_connections", "Server connections of this database",
                    DatabaseRow::currentConnections),
            new Column<>("paused", "1 while this database is paused", row -> row.paused() ? 1 : 0),
            new Column<>("disabled", "1 while this database is disabled", row -> row.disabled() ? 1 : 0));

    /** SHOW STATS_TOTALS columns; the exporter's names end in {@code _total}, which the text formats add back. */
    private static final List<Column<StatCounters>> STATS_COLUMNS = List.of(
            new Column<>("queries_pooled", "SQL queries pooled", StatCounters::queryCount),
            new Column<>("queries_duration_seconds", "Seconds spent by servers executing queries",
                    c -> c.queryTime() / MICROS),
            new Column<>("received_bytes", "Bytes received from clients", StatCounters::bytesReceived),
            new Column<>("sent_bytes", "Bytes sent by servers", StatCounters::bytesSent),
            new Column<>("client_wait_seconds", "Seconds clients spent waiting for a server",
                    c -> c.waitTime() / MICROS),
            new Column<>("sql_transactions_pooled", "SQL transactions pooled", StatCounters::xactCount),
            new Column<>("server_in_transaction_seconds", "Seconds servers spent in a transaction",
                    c -> c.xactTime() / MICROS),
            new Column<>("client_parses", "Parse messages of prepared statements received from clients",
                    StatCounters::clientParseCount),
            new Column<>("server_parses", "Parse messages of prepared statements sent to servers",
                    StatCounters::serverParseCount),
            new Column<>("binds", "Bind messages of prepared statements", StatCounters::bindCount));

    private static final List<Column<ListsRow>> LISTS_COLUMNS = List.of(
            new Column<>("pgbouncer_databases", "Count of databases", ListsRow::databases),
            new Column<>("pgbouncer_users", "Count of users", ListsRow::users),
            new Column<>("pgbouncer_pools", "Count of pools", ListsRow::pools),
            new Column<>("pgbouncer_free_clients", "Count of free clients", ListsRow::freeClients),
            new Column<>("pgbouncer_used_clients", "Count of used clients", ListsRow::usedClients),
            new Column<>("pgbouncer_login_clients", "Count of clients logging in", ListsRow::loginClients),
            new Column<>("pgbouncer_free_servers", "Count of free servers", ListsRow::freeServers),
            new Column<>("pgbouncer_used_servers", "Count of used servers", ListsRow::usedServers),
            new Column<>("pgbouncer_cached_dns_names", "Count of DNS names in the cache", ListsRow::dnsNames),
            new Column<>("pgbouncer_cached_dns_zones", "Count of DNS zones in the cache", ListsRow::dnsZones),
            new Column<>("pgbouncer_in_flight_dns_queries", "Count of DNS queries in flight", ListsRow::dnsQueries));

    /** SHOW CONFIG keys the exporter exports, and their metric names. */
    private static final Map<String, String> CONFIG = Map.of(
            "max_client_conn", "pgbouncer_config_max_client_connections",
            "max_user_connections", "pgbouncer_config_max_user_connections");

    private final PoolerView view;

    ExporterMetrics(PoolerView view) {
        this.view = view;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(gauge("pgbouncer_up", "1: jbouncer answers (it is the pooler itself, not an exporter)",
                List.of(point(Labels.EMPTY, 1))));
        out.add(InfoSnapshot.builder().name("pgbouncer_version").help("The PgBouncer version jbouncer behaves as")
                .dataPoint(InfoDataPointSnapshot.builder().labels(Labels.of("version", view.version())).build())
                .build());
        ListsRow lists = view.lists();
        for (Column<ListsRow> column : LISTS_COLUMNS) {
            double value = column.value().applyAsDouble(lists);
            out.add(gauge(column.name(), column.help(), List.of(point(Labels.EMPTY, value))));
        }
        for (ConfigRow row : view.config()) {
            String name = CONFIG.get(row.key());
            if (name != null) {
                out.add(gauge(name, "The " + row.key() + " setting",
                        List.of(point(Labels.EMPTY, Double.parseDouble(row.value())))));
            }
        }
        gauges(out, "pgbouncer_databases_", DATABASE_COLUMNS, view.databases(), ExporterMetrics::databaseLabels);
        List<StatsRow> stats = view.stats();
        for (String family : STATS_FAMILIES) {
            counters(out, family, STATS_COLUMNS, stats);
        }
        gauges(out, "pgbouncer_pools_", POOL_COLUMNS, view.pools(),
                row -> Labels.of("database", row.database(), "user", row.user()));
        return new MetricSnapshots(out);
    }

    private static Labels databaseLabels(DatabaseRow row) {
        return Labels.of("name", row.name(), "host", Objects.toString(row.host(), ""),
                "port", Integer.toString(row.port()), "database", Objects.toString(row.database(), ""),
                "force_user", Objects.toString(row.forceUser(), ""),
                "pool_mode", Objects.toString(row.poolMode(), ""));
    }

    private static <R> void gauges(List<MetricSnapshot> out, String prefix, List<Column<R>> columns, List<R> rows,
            Function<R, Labels> labels) {
        for (Column<R> column : columns) {
            List<GaugeDataPointSnapshot> points = new ArrayList<>(rows.size());
            for (R row : rows) {
                points.add(point(labels.apply(row), column.value().applyAsDouble(row)));
            }
            out.add(gauge(prefix + column.name(), column.help(), points));
        }
    }

    private static void counters(List<MetricSnapshot> out, String prefix, List<Column<StatCounters>> columns,
            List<StatsRow> rows) {
        for (Column<StatCounters> column : columns) {
            CounterSnapshot.Builder counter = CounterSnapshot.builder().name(prefix + column.name())
                    .help(column.help());
            for (StatsRow row : rows) {
                counter.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("database", row.database()))
                        .value(column.value().applyAsDouble(row.total())).build());
            }
            out.add(counter.build());
        }
    }

    private static GaugeSnapshot gauge(String name, String help, List<GaugeDataPointSnapshot> points) {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(gauge::dataPoint);
        return gauge.build();
    }

    private static GaugeDataPointSnapshot point(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
