package io.jbouncer.core.stats;

import io.jbouncer.admin.view.StatCounters;
import java.util.concurrent.atomic.LongAdder;

/**
 * The SHOW STATS counters of one pool (PgBouncer usage.md, SHOW STATS), updated from many event loops without
 * contention. Times are microseconds. {@code received} counts bytes from clients, {@code sent} bytes from servers.
 * Durations also go, unrounded, to the database's {@link DatabaseEvents} (the metrics endpoint's histograms), as do
 * the prepared-statement cache's hits and evictions, which SHOW STATS does not count.
 */
public final class PoolStats {
    private final DatabaseEvents events;
    private final LongAdder serverAssignments = new LongAdder();
    private final LongAdder xacts = new LongAdder();
    private final LongAdder queries = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder xactMicros = new LongAdder();
    private final LongAdder queryMicros = new LongAdder();
    private final LongAdder waitMicros = new LongAdder();
    private final LongAdder clientParses = new LongAdder();
    private final LongAdder serverParses = new LongAdder();
    private final LongAdder binds = new LongAdder();

    public PoolStats(DatabaseEvents events) {
        this.events = events;
    }

    /** A client got a server after waiting {@code waitNanos}. */
    public void serverAssigned(long waitNanos) {
        serverAssignments.increment();
        waitMicros.add(waitNanos / 1000);
        events.clientWait(waitNanos);
    }

    /** A request cycle (query or pipeline up to its Sync) finished after {@code nanos}. */
    public void queryDone(long nanos) {
        queries.increment();
        queryMicros.add(nanos / 1000);
        events.query(nanos);
    }

    /** A transaction (or an autocommit statement) finished after {@code nanos}. */
    public void xactDone(long nanos) {
        xacts.increment();
        xactMicros.add(nanos / 1000);
        events.transaction(nanos);
    }

    public void received(int bytes) {
        received.add(bytes);
    }

    public void sent(int bytes) {
        sent.add(bytes);
    }

    /** A client prepared a named statement (Parse); PgBouncer's {@code client_parse_count}. */
    public void clientParsed() {
        clientParses.increment();
    }

    /** A Parse of one of jbouncer's statements went to a server; PgBouncer's {@code server_parse_count}. */
    public void serverParsed() {
        serverParses.increment();
    }

    /** A prepared statement was already on the server (metrics only; SHOW STATS counts the misses as parses). */
    public void statementCacheHit() {
        events.statementCacheHit();
    }

    /** {@code count} statements were closed on a server to stay under {@code max_prepared_statements}. */
    public void statementsEvicted(int count) {
        events.statementsEvicted(count);
    }

    /** A client bound a named prepared statement; PgBouncer's {@code bind_count}. */
    public void bound() {
        binds.increment();
    }

    public StatCounters snapshot() {
        return new StatCounters(serverAssignments.sum(), xacts.sum(), queries.sum(), received.sum(), sent.sum(),
                xactMicros.sum(), queryMicros.sum(), waitMicros.sum(), clientParses.sum(),
                serverParses.sum(), binds.sum());
    }
}
