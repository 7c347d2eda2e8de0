package io.jbouncer.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The histograms recorded on the event loops: right buckets, and no allocation per record. */
class DatabaseLatenciesTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void recordsIntoFixedBucketsLabelledByDatabase() {
        DatabaseLatencies latencies = new DatabaseLatencies(registry, "shop");
        latencies.query(TimeUnit.MICROSECONDS.toNanos(700));
        latencies.query(TimeUnit.MILLISECONDS.toNanos(3));
        latencies.transaction(TimeUnit.SECONDS.toNanos(2));

        String text = registry.scrape();
        assertTrue(text.contains("jbouncer_query_seconds_bucket{database=\"shop\",le=\"0.001\"} 1"), text);
        assertTrue(text.contains("jbouncer_query_seconds_bucket{database=\"shop\",le=\"0.005\"} 2"), text);
        assertTrue(text.contains("jbouncer_query_seconds_count{database=\"shop\"} 2"), text);
        assertTrue(text.contains("jbouncer_transaction_seconds_bucket{database=\"shop\",le=\"2.5\"} 1"), text);
        assertTrue(text.contains("jbouncer_client_wait_seconds_count{database=\"shop\"} 0"), text);
    }

    @Test
    void recordingAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DatabaseLatencies latencies = new DatabaseLatencies(registry, "shop");
        record(latencies, 50_000); // warm up: JIT, lazily built histogram state
        long before = threads.getCurrentThreadAllocatedBytes();
        record(latencies, 100_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // A few hundred bytes of slack for the measurement itself; one allocation per record would be megabytes.
        assertTrue(allocated < 4096, () -> allocated + " bytes allocated by 300,000 records");
        assertEquals(150_000, registry.get("jbouncer.query").timer().count());
    }

    private static void record(DatabaseLatencies latencies, int times) {
        for (int i = 0; i < times; i++) {
            long nanos = (i % 1000) * 10_000L;
            latencies.clientWait(nanos);
            latencies.query(nanos);
            latencies.transaction(nanos);
        }
    }
}
