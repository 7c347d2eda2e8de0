package io.jbouncer.core.prepared;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process-wide map from statement text to the {@link SharedStatement} every client preparing that text uses
 * (as PgBouncer 1.25: one global cache, names {@code PGBOUNCER_<n>} from one global counter starting at 1).
 *
 * <p><b>Bound.</b> Entries are reference-counted by client mappings: a text no client holds any more is removed,
 * so the registry never holds more than the clients' own maps (each bounded by {@link ClientStatements}). A text
 * prepared again after that gets a new name; server connections that still cache the old name keep it until their
 * LRU evicts it.
 *
 * <p>Thread-safe: any client loop acquires and releases.
 */
public final class StatementRegistry {
    private static final StatementRegistry SHARED = new StatementRegistry();

    private final ConcurrentHashMap<StatementText, SharedStatement> statements = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();

    /** The registry of this process; PgBouncer's cache is global too, so one JVM runs one registry. */
    public static StatementRegistry shared() {
        return SHARED;
    }

    /** Takes one reference to the statement for {@code text}, creating it with the next name if needed. */
    public SharedStatement acquire(StatementText text) {
        return statements.compute(text, (key, existing) -> {
            SharedStatement statement = existing != null
                    ? existing : new SharedStatement("PGBOUNCER_" + counter.incrementAndGet(), key);
            statement.references++;
            return statement;
        });
    }

    /** Drops one reference taken by {@link #acquire}; the last one removes the text. */
    public void release(SharedStatement statement) {
        statements.computeIfPresent(statement.text(),
                (key, existing) -> existing == statement && --existing.references == 0 ? null : existing);
    }

    /**
     * PostgreSQL refused to run {@code statement} after DDL changed its result type: its server name is stale on
     * every server connection that prepared it. It is dropped from the registry so the next Parse of its text gets
     * a fresh name (prepared anew); clients still holding it keep the old object until they prepare again, and
     * servers keep the old one until their LRU evicts it.
     */
    public void retire(SharedStatement statement) {
        statements.remove(statement.text(), statement);
    }

    /** Distinct statement texts held by clients now. */
    public int size() {
        return statements.size();
    }
}
