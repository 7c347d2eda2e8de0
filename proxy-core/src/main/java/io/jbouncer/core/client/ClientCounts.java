package io.jbouncer.core.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many clients each database and each user has, for {@code max_db_client_connections} and
 * {@code max_user_client_connections} (PgBouncer 1.24, config.md) and SHOW DATABASES / SHOW USERS
 * {@code current_client_connections}. A client counts from the check before its password exchange until it
 * disconnects, as in PgBouncer, so clients still logging in count too; each {@code Client} holds its two counters
 * (no share object per client: ~20 bytes per idle client, docs/benchmarks.md). Thread-safe.
 */
public final class ClientCounts {
    private final Map<String, AtomicInteger> byDatabase = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> byUser = new ConcurrentHashMap<>();

    /** Clients of database {@code name} now (0 for a database never used). */
    public int ofDatabase(String name) {
        AtomicInteger count = byDatabase.get(name);
        return count == null ? 0 : count.get();
    }

    /** Clients of user {@code name} now (0 for a user never seen). */
    public int ofUser(String name) {
        AtomicInteger count = byUser.get(name);
        return count == null ? 0 : count.get();
    }

    /**
     * Counts one more client of database {@code name}; returns that database's counter, which the client decrements
     * when it leaves. The client keeps the counter, not the name: its name is its own string from its startup
     * packet, which would stay alive for as long as the client does (counters are never removed from the maps).
     */
    AtomicInteger joinDatabase(String name) {
        return join(byDatabase, name);
    }

    /** Like {@link #joinDatabase} for user {@code name}. */
    AtomicInteger joinUser(String name) {
        return join(byUser, name);
    }

    private static AtomicInteger join(Map<String, AtomicInteger> counts, String name) {
        AtomicInteger count = counts.computeIfAbsent(name, n -> new AtomicInteger());
        count.incrementAndGet();
        return count;
    }
}
