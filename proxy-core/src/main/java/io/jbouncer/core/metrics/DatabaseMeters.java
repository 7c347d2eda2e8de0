package io.jbouncer.core.metrics;

import io.jbouncer.core.stats.DatabaseEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One database's meters, labelled {@code database}: the latency histograms {@code jbouncer_client_wait_seconds},
 * {@code jbouncer_query_seconds} and {@code jbouncer_transaction_seconds}, with fixed buckets from 100 µs to 60 s,
 * and the prepared-statement cache counters {@code jbouncer_prepared_statement_cache_hits_total} and
 * {@code _evictions_total}. Recording is a bucket search and a few atomic adds, with no allocation
 * (DatabaseMetersTest measures it).
 */
final class DatabaseMeters implements DatabaseEvents {
    private static final Duration[] BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final Timer clientWait;
    private final Timer query;
    private final Timer transaction;
    private final Counter cacheHits;
    private final Counter cacheEvictions;

    DatabaseMeters(MeterRegistry registry, String database) {
        clientWait = timer(registry, "jbouncer.client.wait", "Time clients waited for a server", database);
        query = timer(registry, "jbouncer.query", "Duration of request cycles (a query, or a pipeline up to Sync)",
                database);
        transaction = timer(registry, "jbouncer.transaction", "Duration of transactions and autocommit statements",
                database);
        cacheHits = Counter.builder("jbouncer.prepared.statement.cache.hits")
                .description("Prepared statements found already prepared on the server (no Parse sent)")
                .tag("database", database).register(registry);
        cacheEvictions = Counter.builder("jbouncer.prepared.statement.cache.evictions")
                .description("Prepared statements closed on a server to stay within max_prepared_statements")
                .tag("database", database).register(registry);
    }

    private static Timer timer(MeterRegistry registry, String name, String help, String database) {
        return Timer.builder(name).description(help).tag("database", database).serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    @Override
    public void clientWait(long nanos) {
        clientWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void query(long nanos) {
        query.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void transaction(long nanos) {
        transaction.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void statementCacheHit() {
        cacheHits.increment();
    }

    @Override
    public void statementsEvicted(int count) {
        cacheEvictions.increment(count);
    }
}
