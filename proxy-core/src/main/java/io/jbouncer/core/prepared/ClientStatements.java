package io.jbouncer.core.prepared;

import io.jbouncer.protocol.PgProtocolException;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The named prepared statements of one client: its own names mapped to the {@link SharedStatement}s that servers
 * know under jbouncer's names (docs/prepared-statements.md).
 *
 * <p><b>Bound.</b> PgBouncer puts no limit on a client's map; we do, so a client preparing millions of distinct
 * statements cannot exhaust the heap: at most {@code maxStatements} names and {@code maxFootprint} bytes of query
 * text ({@link StatementText#footprint}). Going over is a protocol violation that closes the client (FATAL, like
 * PgBouncer's other prepared-statement errors), since silently forgetting a statement would break the client later.
 *
 * <p><b>Threading.</b> Written by the client loop; the server loop of the linked server forgets a statement whose
 * Parse failed and clears the map after {@code DISCARD ALL}. Every method is therefore synchronized (uncontended
 * in practice).
 */
public final class ClientStatements {
    /** PgBouncer's FATAL texts (as PgBouncer 1.25 sends them). */
    static final String NAME_IN_USE = "prepared statement name is already in use";
    static final String DID_NOT_EXIST = "prepared statement did not exist";
    static final String TOO_MANY = "too many prepared statements";

    private final StatementRegistry registry;
    private final int maxStatements;
    private final long maxFootprint;
    /**
     * The client's names; the shared empty map until its first Parse of a named statement, since most clients of a
     * transaction pool never prepare one (docs/benchmarks.md, "Memory and scale").
     */
    private Map<String, SharedStatement> byName = Collections.emptyMap();
    private long footprint;

    public ClientStatements(StatementRegistry registry, int maxStatements, long maxFootprint) {
        this.registry = registry;
        this.maxStatements = maxStatements;
        this.maxFootprint = maxFootprint;
    }

    /**
     * A Parse of {@code name}: remembers it.
     *
     * @throws PgProtocolException with PgBouncer's text when the name is taken, or when the client's bound is hit
     */
    public synchronized SharedStatement register(String name, StatementText text) {
        if (byName.containsKey(name)) {
            throw new PgProtocolException(NAME_IN_USE);
        }
        if (byName.size() >= maxStatements || footprint + text.footprint() > maxFootprint) {
            throw new PgProtocolException(TOO_MANY);
        }
        SharedStatement statement = registry.acquire(text);
        if (byName == Collections.<String, SharedStatement>emptyMap()) {
            byName = new HashMap<>();
        }
        byName.put(name, statement);
        footprint += text.footprint();
        return statement;
    }

    /**
     * The statement a Bind or Describe names.
     *
     * @throws PgProtocolException with PgBouncer's text when the client never prepared it
     */
    public synchronized SharedStatement lookup(String name) {
        SharedStatement statement = byName.get(name);
        if (statement == null) {
            throw new PgProtocolException(DID_NOT_EXIST);
        }
        return statement;
    }

    /** A Close of {@code name}: forgets the client's mapping only (unknown names are fine, as in PostgreSQL). */
    public synchronized void close(String name) {
        SharedStatement statement = byName.remove(name);
        if (statement != null) {
            drop(statement);
        }
    }

    /** The Parse of {@code name} failed or was skipped: forgets it, unless the name was prepared again since. */
    public synchronized void forget(String name, SharedStatement statement) {
        if (!byName.isEmpty() && byName.remove(name, statement)) { // (the shared empty map refuses remove(k, v))
            drop(statement);
        }
    }

    /**
     * {@code DISCARD ALL} or {@code DEALLOCATE ALL} ran: PostgreSQL dropped every statement of the session, except
     * those whose Parse is still in flight behind it ({@code keep}).
     */
    public synchronized void discardAllExcept(Collection<String> keep) {
        Iterator<Map.Entry<String, SharedStatement>> entries = byName.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<String, SharedStatement> entry = entries.next();
            if (!keep.contains(entry.getKey())) {
                entries.remove();
                drop(entry.getValue());
            }
        }
    }

    /** The client left: gives every reference back to the registry. */
    public synchronized void closeAll() {
        discardAllExcept(List.of());
    }

    /** Named statements the client holds now (SHOW CLIENTS {@code prepared_statements}). */
    public synchronized int size() {
        return byName.size();
    }

    private void drop(SharedStatement statement) {
        footprint -= statement.text().footprint();
        registry.release(statement);
    }
}
