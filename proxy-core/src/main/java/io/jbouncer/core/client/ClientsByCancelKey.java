package io.jbouncer.core.client;

import io.jbouncer.protocol.message.BackendKeyData;
import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients that hold a cancel key, by that key: a CancelRequest finds its target here, and those whose login is
 * over are the pooler's logged-in clients (SHOW CLIENTS, KILL_CLIENT, the janitor, shutdown). One table serves both
 * because every session holds a key from its start to its close; a second table of the logged-in clients cost an
 * entry of ~40 bytes per idle client (docs/benchmarks.md, "Memory and scale"). A key is claimed while the session is
 * made, on the client's loop just before {@link Client#loggedIn} sets it, so for that moment the table holds a client
 * with no session yet: the logged-in view leaves it out. Thread-safe.
 */
public final class ClientsByCancelKey {
    private final Map<BackendKeyData, Client> byKey = new ConcurrentHashMap<>();
    private final Collection<Client> loggedIn = new AbstractCollection<>() {
        @Override
        public Iterator<Client> iterator() {
            return byKey.values().stream().filter(ClientsByCancelKey::loggedIn).iterator();
        }

        @Override
        public int size() {
            return (int) byKey.values().stream().filter(ClientsByCancelKey::loggedIn).count();
        }
    };

    private static boolean loggedIn(Client client) {
        return client.session() != null;
    }

    /** Gives {@code key} to {@code client}; {@code false} when another live client holds it. */
    public boolean claim(BackendKeyData key, Client client) {
        return byKey.putIfAbsent(key, client) == null;
    }

    /** The client holding {@code key}, or {@code null}. */
    public Client holder(BackendKeyData key) {
        return byKey.get(key);
    }

    /** The client closed: its key is free again. */
    public void release(Client client) {
        ClientSession session = client.session();
        if (session != null) {
            byKey.remove(session.cancelKey(), client);
        }
    }

    /** The logged-in clients: a live, unmodifiable view whose size is counted on each call. */
    public Collection<Client> loggedIn() {
        return loggedIn;
    }
}
