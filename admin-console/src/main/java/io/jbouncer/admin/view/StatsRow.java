package io.jbouncer.admin.view;

/** Statistics of one database (its pools summed) for SHOW STATS, STATS_TOTALS and STATS_AVERAGES. */
public record StatsRow(String database, StatCounters total, StatCounters average) {
}
