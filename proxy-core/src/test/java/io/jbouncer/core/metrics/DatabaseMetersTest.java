package io.jbouncer.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The meters recorded on the event loops: right buckets and counts, and no allocation per record. */
class DatabaseMetersTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void recordsIntoFixedBucketsAndCountersLabelledByDatabase() {
        DatabaseMeters meters = new DatabaseMeters(registry, "shop");
        meters.query(TimeUnit.MICROSECONDS.toNanos(700));
        meters.query(TimeUnit.MILLISECONDS.toNanos(3));
        meters.transaction(TimeUnit.SECONDS.toNanos(2));

        String text = registry.scrape();
        assertTrue(text.contains("jbouncer_query_seconds_bucket{database=\"shop\",le=\"0.001\"} 1"), text);
        assertTrue(text.contains("jbouncer_query_seconds_bucket{database=\"shop\",le=\"0.005\"} 2"), text);
        assertTrue(text.contains("jbouncer_query_seconds_count{database=\"shop\"} 2"), text);
        assertTrue(text.contains("jbouncer_transaction_seconds_bucket{database=\"shop\",le=\"2.5\"} 1"), text);
        assertTrue(text.contains("jbouncer_client_wait_seconds_count{database=\"shop\"} 0"), text);
        meters.statementCacheHit();
        meters.statementsEvicted(3);
        String counters = registry.scrape();
        assertTrue(counters.contains("jbouncer_prepared_statement_cache_hits_total{database=\"shop\"} 1.0"), counters);
        assertTrue(counters.contains("jbouncer_prepared_statement_cache_evictions_total{database=\"shop\"} 3.0"),
                counters);
    }

    @Test
    void recordingAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DatabaseMeters meters = new DatabaseMeters(registry, "shop");
        record(meters, 50_000); // warm up: JIT, lazily built histogram state
        long before = threads.getCurrentThreadAllocatedBytes();
        record(meters, 100_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // A few hundred bytes of slack for the measurement itself; one allocation per record would be megabytes.
        assertTrue(allocated < 4096, () -> allocated + " bytes allocated by 500,000 records");
        assertEquals(150_000, registry.get("jbouncer.query").timer().count());
    }

    private static void record(DatabaseMeters meters, int times) {
        for (int i = 0; i < times; i++) {
            long nanos = (i % 1000) * 10_000L;
            meters.clientWait(nanos);
            meters.query(nanos);
            meters.transaction(nanos);
            meters.statementCacheHit();
            meters.statementsEvicted(1);
        }
    }
}
