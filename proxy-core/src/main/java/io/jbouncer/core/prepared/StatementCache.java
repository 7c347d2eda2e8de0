package io.jbouncer.core.prepared;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The statements prepared on one server connection, least recently used first (as PgBouncer: an LRU of
 * {@code max_prepared_statements}). Not thread-safe: {@link ServerStatements} guards it.
 */
final class StatementCache {
    private final int capacity;
    private final LinkedHashMap<SharedStatement, Boolean> statements = new LinkedHashMap<>(16, 0.75f, true);

    StatementCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /** Whether the server has {@code statement}; a hit makes it the most recently used. */
    boolean touch(SharedStatement statement) {
        return statements.get(statement) != null;
    }

    /**
     * Records {@code statement} as prepared and returns the statements to close so that the cache is back within
     * its capacity, least recently used first.
     */
    List<SharedStatement> add(SharedStatement statement) {
        statements.put(statement, Boolean.TRUE);
        List<SharedStatement> evicted = new ArrayList<>(1);
        int excess = statements.size() - capacity;
        for (Iterator<SharedStatement> it = statements.keySet().iterator(); excess > 0 && it.hasNext(); ) {
            SharedStatement eldest = it.next();
            if (eldest != statement) {
                it.remove();
                evicted.add(eldest);
                excess--;
            }
        }
        return evicted;
    }

    /** Records {@code statement} as prepared without evicting (an eviction Close that did not run). */
    void restore(SharedStatement statement) {
        statements.put(statement, Boolean.TRUE);
    }

    void remove(SharedStatement statement) {
        statements.remove(statement);
    }

    void clear() {
        statements.clear();
    }

    int size() {
        return statements.size();
    }
}
