package io.jbouncer.admin.view;

/**
 * Statistics over all pools for SHOW TOTALS. The averages are computed over the summed counters (times divided
 * by the summed count deltas), so they are not the sum of the per-database averages.
 */
public record TotalsRow(StatCounters total, StatCounters average) {
}
