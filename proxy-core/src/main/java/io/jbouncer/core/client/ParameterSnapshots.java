package io.jbouncer.core.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Interns immutable snapshots of clients' tracked parameters, so that clients with equal values share one instance
 * and a server can tell by identity that it already has a client's values ({@code ServerConnection#syncParameters}):
 * in transaction mode that check runs on every transaction. Most clients of an application send the same startup
 * parameters, so few distinct snapshots exist; past {@link #MAX_INTERNED} of them new ones are returned without
 * interning, which costs only the full comparison, never correctness.
 */
final class ParameterSnapshots {
    static final int MAX_INTERNED = 4096;
    private static final Map<Map<String, String>, Map<String, String>> INTERNED = new ConcurrentHashMap<>();

    private ParameterSnapshots() {
    }

    static Map<String, String> of(Map<String, String> values) {
        // looked up with the caller's map first: on the usual hit (every login of a reconnecting application) no
        // copy is made, and a HashMap's hashCode and equals walk its own nodes, where an immutable map's allocate
        // an entry per element
        Map<String, String> known = INTERNED.get(values);
        if (known != null) {
            return known;
        }
        Map<String, String> snapshot = Map.copyOf(values);
        if (INTERNED.size() >= MAX_INTERNED) {
            return snapshot;
        }
        Map<String, String> shared = INTERNED.putIfAbsent(snapshot, snapshot);
        return shared != null ? shared : snapshot;
    }
}
