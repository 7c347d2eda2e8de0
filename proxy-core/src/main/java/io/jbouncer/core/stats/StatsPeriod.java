package io.jbouncer.core.stats;

import io.jbouncer.admin.view.StatCounters;
import io.jbouncer.core.Log;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Averages over the last {@code stats_period} (PgBouncer's src/stats.c): every period the totals per database are
 * snapshotted; an average is the difference between the two latest snapshots divided by the elapsed seconds
 * (rates), or by the difference in counts (times). Also writes PgBouncer's {@code stats:} log line.
 *
 * <p>{@link #refresh} runs on one scheduler thread; readers get an immutable map.
 */
public final class StatsPeriod {
    private final Supplier<Map<String, StatCounters>> totals;
    private Map<String, StatCounters> previous = Map.of();
    private long previousNanos = System.nanoTime();
    private volatile Map<String, StatCounters> averages = Map.of();

    public StatsPeriod(Supplier<Map<String, StatCounters>> totals) {
        this.totals = totals;
    }

    /** Averages per database of the last complete period (zeros before the first one). */
    public StatCounters averageOf(String database) {
        return averages.getOrDefault(database, zero());
    }

    /** Takes a snapshot, recomputes averages and logs the stats line when {@code logStats}. */
    public synchronized void refresh(boolean logStats) {
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - previousNanos) / 1e9);
        Map<String, StatCounters> current = totals.get();
        Map<String, StatCounters> computed = new HashMap<>();
        StatCounters all = zero();
        StatCounters allBefore = zero();
        for (Map.Entry<String, StatCounters> entry : current.entrySet()) {
            StatCounters before = previous.getOrDefault(entry.getKey(), zero());
            computed.put(entry.getKey(), average(entry.getValue(), before, seconds));
            all = plus(all, entry.getValue());
            allBefore = plus(allBefore, before);
        }
        averages = Map.copyOf(computed);
        previous = current;
        previousNanos = now;
        if (logStats) {
            StatCounters avg = average(all, allBefore, seconds);
            Log.info("stats: %d xacts/s, %d queries/s, %d client parses/s, %d server parses/s, %d binds/s, "
                            + "in %d B/s, out %d B/s, xact %d us, query %d us, wait %d us",
                    avg.xactCount(), avg.queryCount(), avg.clientParseCount(), avg.serverParseCount(),
                    avg.bindCount(), avg.bytesReceived(), avg.bytesSent(), avg.xactTime(), avg.queryTime(),
                    avg.waitTime());
        }
    }

    /** PgBouncer's arithmetic: rates per second; times per counted event; wait per server assignment. */
    public static StatCounters average(StatCounters now, StatCounters before, double seconds) {
        long assignments = now.serverAssignmentCount() - before.serverAssignmentCount();
        long xacts = now.xactCount() - before.xactCount();
        long queries = now.queryCount() - before.queryCount();
        return new StatCounters(
                rate(assignments, seconds), rate(xacts, seconds), rate(queries, seconds),
                rate(now.bytesReceived() - before.bytesReceived(), seconds),
                rate(now.bytesSent() - before.bytesSent(), seconds),
                per(now.xactTime() - before.xactTime(), xacts), per(now.queryTime() - before.queryTime(), queries),
                per(now.waitTime() - before.waitTime(), assignments),
                rate(now.clientParseCount() - before.clientParseCount(), seconds),
                rate(now.serverParseCount() - before.serverParseCount(), seconds),
                rate(now.bindCount() - before.bindCount(), seconds));
    }

    public static StatCounters plus(StatCounters a, StatCounters b) {
        return new StatCounters(a.serverAssignmentCount() + b.serverAssignmentCount(), a.xactCount() + b.xactCount(),
                a.queryCount() + b.queryCount(), a.bytesReceived() + b.bytesReceived(),
                a.bytesSent() + b.bytesSent(), a.xactTime() + b.xactTime(), a.queryTime() + b.queryTime(),
                a.waitTime() + b.waitTime(), a.clientParseCount() + b.clientParseCount(),
                a.serverParseCount() + b.serverParseCount(), a.bindCount() + b.bindCount());
    }

    public static StatCounters zero() {
        return new StatCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private static long rate(long delta, double seconds) {
        return Math.round(delta / seconds);
    }

    private static long per(long delta, long count) {
        return count == 0 ? 0 : delta / count;
    }
}
