package io.jbouncer.core.stats;

import io.jbouncer.admin.view.StatCounters;

/**
 * The SHOW STATS counters of one pool (PgBouncer usage.md, SHOW STATS), updated from many event loops several times
 * per transaction, each loop in counters of its own ({@link ThreadCounters}). Times are microseconds.
 * {@code received} counts bytes from clients, {@code sent} bytes from servers. Durations also go, unrounded, to the
 * database's {@link DatabaseEvents} (the metrics endpoint's histograms), as do the prepared-statement cache's hits
 * and evictions, which SHOW STATS does not count.
 */
public final class PoolStats {
    private static final int SERVER_ASSIGNMENTS = 0;
    private static final int XACTS = 1;
    private static final int QUERIES = 2;
    private static final int RECEIVED = 3;
    private static final int SENT = 4;
    private static final int XACT_MICROS = 5;
    private static final int QUERY_MICROS = 6;
    private static final int WAIT_MICROS = 7;
    private static final int CLIENT_PARSES = 8;
    private static final int SERVER_PARSES = 9;
    private static final int BINDS = 10;

    private final DatabaseEvents events;
    private final ThreadCounters counters = new ThreadCounters(11);

    public PoolStats(DatabaseEvents events) {
        this.events = events;
    }

    /** A client got a server after waiting {@code waitNanos}. */
    public void serverAssigned(long waitNanos) {
        counters.add(SERVER_ASSIGNMENTS, 1, WAIT_MICROS, waitNanos / 1000);
        events.clientWait(waitNanos);
    }

    /** A request cycle (query or pipeline up to its Sync) finished after {@code nanos}. */
    public void queryDone(long nanos) {
        counters.add(QUERIES, 1, QUERY_MICROS, nanos / 1000);
        events.query(nanos);
    }

    /** A transaction (or an autocommit statement) finished after {@code nanos}. */
    public void xactDone(long nanos) {
        counters.add(XACTS, 1, XACT_MICROS, nanos / 1000);
        events.transaction(nanos);
    }

    public void received(int bytes) {
        counters.add(RECEIVED, bytes);
    }

    public void sent(int bytes) {
        counters.add(SENT, bytes);
    }

    /** A client prepared a named statement (Parse); PgBouncer's {@code client_parse_count}. */
    public void clientParsed() {
        counters.add(CLIENT_PARSES, 1);
    }

    /** A Parse of one of jbouncer's statements went to a server; PgBouncer's {@code server_parse_count}. */
    public void serverParsed() {
        counters.add(SERVER_PARSES, 1);
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
        counters.add(BINDS, 1);
    }

    public StatCounters snapshot() {
        return new StatCounters(counters.sum(SERVER_ASSIGNMENTS), counters.sum(XACTS), counters.sum(QUERIES),
                counters.sum(RECEIVED), counters.sum(SENT), counters.sum(XACT_MICROS), counters.sum(QUERY_MICROS),
                counters.sum(WAIT_MICROS), counters.sum(CLIENT_PARSES), counters.sum(SERVER_PARSES),
                counters.sum(BINDS));
    }
}
