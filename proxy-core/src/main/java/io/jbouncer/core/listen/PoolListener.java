package io.jbouncer.core.listen;

import io.jbouncer.core.Log;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.ServerLauncher;
import io.jbouncer.core.server.ListenerConnection;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The LISTEN side of one pool in transaction and statement mode (docs/transaction-mode.md, "LISTEN/NOTIFY"): which
 * clients are subscribed to which channel, and the one {@link ListenerConnection} (outside {@code pool_size}) that
 * LISTENs on the union of their channels. Every NotificationResponse it receives goes to each client subscribed to
 * its channel, byte for byte (payload and sending backend's pid unchanged), in the order received, so the order per
 * channel is PostgreSQL's.
 *
 * <p>The connection opens with the first subscription and closes with the last. A connection lost while clients
 * are subscribed is opened again (every {@link #RETRY} until it works); once it LISTENs again every subscribed
 * client gets a NOTICE that notifications may have been missed meanwhile, since PostgreSQL keeps none for a
 * session that is gone.
 *
 * <p><b>Threading.</b> Subscriptions change on client and server loops, notifications arrive on the connection's
 * loop; the state is guarded by {@code this}. LISTEN/UNLISTEN are written to the connection under the lock, so
 * they reach PostgreSQL in the order the subscriptions changed. Nothing is delivered under the lock.
 */
public final class PoolListener implements ListenerConnection.Events {
    /** How soon a lost or failed listener connection is tried again. */
    static final Duration RETRY = Duration.ofSeconds(1);

    private final Pool pool;
    private final ServerLauncher launcher;
    private final Map<String, Set<ClientListens>> subscribers = new HashMap<>();
    /** The connection being opened or open; {@code null} when none is wanted or a retry is scheduled. */
    private ListenerConnection connection;
    /** Whether {@link #connection} is logged in and has been sent the LISTEN of every channel. */
    private boolean listening;
    /** A connection that was listening was lost: the clients are told once the next one listens. */
    private boolean missed;
    private boolean retryScheduled;
    /** Per subscribed channel: completes once the listener connection LISTENs on it. */
    private final Map<String, CompletableFuture<Void>> listened = new HashMap<>();
    /** Completes when the connection being opened has sent its LISTENs (or the attempt failed); then replaced. */
    private CompletableFuture<Void> connecting = new CompletableFuture<>();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    public PoolListener(Pool pool, ServerLauncher launcher) {
        this.pool = pool;
        this.launcher = launcher;
    }

    /** The listener connection of this pool, open or being opened; {@code null} when there is none (SHOW SERVERS). */
    public synchronized ListenerConnection connection() {
        return connection;
    }

    /** Channels with at least one subscribed client. */
    public synchronized int channelCount() {
        return subscribers.size();
    }

    /**
     * Subscribes {@code client} to {@code channel}. The future completes once the listener connection LISTENs on it
     * (or failed to connect, and the client will be told that notifications may have been missed): the client's
     * LISTEN is answered only then, so a notification committed after it reaches the client, as PostgreSQL
     * promises.
     */
    synchronized CompletableFuture<Void> subscribe(ClientListens client, String channel) {
        Set<ClientListens> clients = subscribers.computeIfAbsent(channel, name -> new LinkedHashSet<>());
        if (!clients.add(client) || clients.size() > 1) {
            return listened.getOrDefault(channel, DONE);
        }
        CompletableFuture<Void> done;
        if (listening) {
            done = connection.send("LISTEN " + quote(channel));
        } else {
            done = connecting; // taken first: an attempt that fails at once completes it and installs the next
            if (connection == null && !retryScheduled) {
                open();
            }
        }
        listened.put(channel, done);
        return done;
    }

    synchronized void unsubscribe(ClientListens client, String channel) {
        Set<ClientListens> clients = subscribers.get(channel);
        if (clients == null || !clients.remove(client) || !clients.isEmpty()) {
            return;
        }
        subscribers.remove(channel);
        listened.remove(channel);
        if (subscribers.isEmpty()) {
            if (connection != null) {
                ListenerConnection last = connection;
                connection = null;
                listening = false;
                last.close(); // nobody listens any more: the session's LISTENs end with it
            }
            missed = false;
        } else if (listening) {
            connection.send("UNLISTEN " + quote(channel));
        }
    }

    private void open() {
        connection = new ListenerConnection(pool.nextAddress(), pool.key().toString(), pool.credentials(),
                pool.target().startupParameters(), this);
        launcher.launchListener(pool, connection);
    }

    @Override
    public void connected(ListenerConnection opened) {
        List<ClientListens> told;
        CompletableFuture<Void> waiting;
        CompletableFuture<Void> sent = DONE;
        synchronized (this) {
            if (opened != connection) {
                opened.close();
                return;
            }
            listening = true;
            StringBuilder sql = new StringBuilder();
            for (String channel : subscribers.keySet()) {
                sql.append("LISTEN ").append(quote(channel)).append(';');
            }
            if (!sql.isEmpty()) {
                sent = opened.send(sql.toString());
            }
            told = missed ? allSubscribers() : List.of();
            missed = false;
            waiting = connecting;
            connecting = new CompletableFuture<>();
        }
        sent.whenComplete((ok, error) -> waiting.complete(null));
        if (!told.isEmpty()) {
            Log.info("%s: listener connection re-established, %d clients told that notifications may have been"
                    + " missed", pool.key(), told.size());
        }
        for (ClientListens client : told) {
            client.deliverMissedNotice();
        }
    }

    @Override
    public void notification(ByteBuf message) {
        List<ClientListens> targets;
        synchronized (this) {
            Set<ClientListens> clients = subscribers.get(ClientListens.channelOf(message));
            if (clients == null) {
                return; // unsubscribed meanwhile
            }
            targets = new ArrayList<>(clients);
        }
        // The scanner's message is only valid during this call: one copy, shared read-only by every client.
        ByteBuf copy = message.copy();
        try {
            for (ClientListens client : targets) {
                client.deliver(copy.retainedDuplicate());
            }
        } finally {
            copy.release();
        }
    }

    @Override
    public void lost(ListenerConnection gone, String reason) {
        boolean wasListening;
        boolean retry;
        CompletableFuture<Void> waiting;
        synchronized (this) {
            if (gone != connection) {
                return; // closed on purpose
            }
            wasListening = listening;
            connection = null;
            listening = false;
            waiting = connecting;
            connecting = new CompletableFuture<>();
            retry = !subscribers.isEmpty();
            missed = retry; // subscribed clients miss whatever is sent until a connection listens again
            retryScheduled = retry;
        }
        waiting.complete(null); // the clients waiting for this attempt go on; they get the NOTICE later
        if (!retry) {
            return;
        }
        if (wasListening) {
            Log.warning("%s: listener connection lost (%s), reconnecting", pool.key(), reason);
        }
        launcher.schedule(this::retry, RETRY);
    }

    private synchronized void retry() {
        retryScheduled = false;
        if (connection == null && !subscribers.isEmpty()) {
            open();
        }
    }

    private List<ClientListens> allSubscribers() {
        Set<ClientListens> all = new LinkedHashSet<>();
        subscribers.values().forEach(all::addAll);
        return new ArrayList<>(all);
    }

    /** A channel name as a quoted identifier, so PostgreSQL keys it exactly as the client's statement did. */
    static String quote(String channel) {
        return '"' + channel.replace("\"", "\"\"") + '"';
    }
}
