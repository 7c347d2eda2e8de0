package io.jbouncer.admin.command;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.view.StatCounters;
import io.jbouncer.admin.view.StatsRow;
import io.jbouncer.admin.view.TotalsRow;
import io.jbouncer.protocol.message.RowDescription;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * SHOW STATS, STATS_TOTALS, STATS_AVERAGES and TOTALS with the PgBouncer 1.25 column set (no HEAD-only
 * client_login columns). Every value column is numeric.
 */
final class StatsTables {
    /** One statistic: its accessor and its names in STATS (total_/avg_), STATS_TOTALS/AVERAGES and TOTALS. */
    private record Stat(ToLongFunction<StatCounters> value, String statsTotal, String statsAverage,
                        String totalsColumn, String averagesColumn, String totalsRow) {
    }

    private static final List<Stat> STATS = List.of(
            new Stat(StatCounters::serverAssignmentCount, "total_server_assignment_count",
                    "avg_server_assignment_count", "server_assignment_count", "server_assignment_count",
                    "server_assignment_count"),
            new Stat(StatCounters::xactCount, "total_xact_count", "avg_xact_count", "xact_count", "xact_count",
                    "xact_count"),
            new Stat(StatCounters::queryCount, "total_query_count", "avg_query_count", "query_count", "query_count",
                    "query_count"),
            new Stat(StatCounters::bytesReceived, "total_received", "avg_recv", "bytes_received", "bytes_received",
                    "client_bytes"),
            new Stat(StatCounters::bytesSent, "total_sent", "avg_sent", "bytes_sent", "bytes_sent", "server_bytes"),
            new Stat(StatCounters::xactTime, "total_xact_time", "avg_xact_time", "xact_time", "xact_time",
                    "xact_time"),
            new Stat(StatCounters::queryTime, "total_query_time", "avg_query_time", "query_time", "query_time",
                    "query_time"),
            new Stat(StatCounters::waitTime, "total_wait_time", "avg_wait_time", "wait_time", "wait_time",
                    "wait_time"),
            new Stat(StatCounters::clientParseCount, "total_client_parse_count", "avg_client_parse_count",
                    "client_parse_count", "avg_client_parse_count", "ps_client_parse_count"),
            new Stat(StatCounters::serverParseCount, "total_server_parse_count", "avg_server_parse_count",
                    "server_parse_count", "avg_server_parse_count", "ps_server_parse_count"),
            new Stat(StatCounters::bindCount, "total_bind_count", "avg_bind_count", "bind_count", "avg_bind_count",
                    "ps_bind_count"));

    private StatsTables() {
    }

    static List<ShowTable> all() {
        TableBuilder<StatsRow> stats = new TableBuilder<StatsRow>().text("database", StatsRow::database);
        addStats(stats, Stat::statsTotal, StatsRow::total);
        addStats(stats, Stat::statsAverage, StatsRow::average);
        TableBuilder<StatsRow> totals = new TableBuilder<StatsRow>().text("database", StatsRow::database);
        addStats(totals, Stat::totalsColumn, StatsRow::total);
        TableBuilder<StatsRow> averages = new TableBuilder<StatsRow>().text("database", StatsRow::database);
        addStats(averages, Stat::averagesColumn, StatsRow::average);
        return List.of(
                stats.build("stats", PoolerView::stats),
                totals.build("stats_totals", PoolerView::stats),
                averages.build("stats_averages", PoolerView::stats),
                totalsTable());
    }

    private static void addStats(TableBuilder<StatsRow> table, Function<Stat, String> name,
                                 Function<StatsRow, StatCounters> counters) {
        for (Stat stat : STATS) {
            table.numeric(name.apply(stat), row -> stat.value().applyAsLong(counters.apply(row)));
        }
    }

    /** TOTALS: one (name, value) row per statistic, totals first, then averages. */
    private static ShowTable totalsTable() {
        List<Column> columns = List.of(new Column("name", RowDescription.TEXT),
                new Column("value", RowDescription.NUMERIC));
        return new ShowTable("totals", columns, view -> {
            TotalsRow totals = view.totals();
            List<List<Object>> rows = new ArrayList<>();
            for (Stat stat : STATS) {
                rows.add(List.of("total_" + stat.totalsRow(), stat.value().applyAsLong(totals.total())));
            }
            for (Stat stat : STATS) {
                rows.add(List.of("avg_" + stat.totalsRow(), stat.value().applyAsLong(totals.average())));
            }
            return rows;
        }, false);
    }
}
