package io.jbouncer.core.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many clients each database and each user has, for {@code max_db_client_connections} and
 * {@code max_user_client_connections} (PgBouncer 1.24, config.md) and SHOW DATABASES / SHOW USERS
 * {@code current_client_connections}. A client counts from the check before its password exchange until it
 * disconnects, as in PgBouncer, so clients still logging in count too. Thread-safe.
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

    /** A new client's share, counting nothing yet. */
    public Share share() {
        return new Share();
    }

    /** One client's share of the counts: taken during login, given back when it disconnects. Client loop only. */
    public final class Share {
        /**
         * The counters joined, not the names: the names are the client's own strings from its startup packet, which
         * would stay alive for as long as the client does (counters are never removed from the maps).
         */
        private AtomicInteger database;
        private AtomicInteger user;

        /** Counts the client in {@code name} (once); returns that database's count, this client included. */
        int joinDatabase(String name) {
            if (database != null) {
                return database.get();
            }
            database = byDatabase.computeIfAbsent(name, n -> new AtomicInteger());
            return database.incrementAndGet();
        }

        /** Counts the client as user {@code name} (once); returns that user's count, this client included. */
        int joinUser(String name) {
            if (user != null) {
                return user.get();
            }
            user = byUser.computeIfAbsent(name, n -> new AtomicInteger());
            return user.incrementAndGet();
        }

        /** The client disconnected. */
        void leave() {
            if (database != null) {
                database.decrementAndGet();
                database = null;
            }
            if (user != null) {
                user.decrementAndGet();
                user = null;
            }
        }
    }
}
