package io.jbouncer.core.pool;

import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.server.ServerCredentials;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.ErrorResponse;
import java.util.ArrayDeque;
import io.jbouncer.core.stats.PoolStats;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server connections of one (database, user) pair and the clients waiting for one.
 *
 * <p><b>Threading.</b> Clients and servers live on different event loops, so the pool's state is shared. It is
 * small and guarded by one lock ({@code this}); no I/O and no callback runs while it is held. Hand-offs complete
 * on the waiter's own event loop via {@link ServerWaiter#executor()}.
 *
 * <p><b>Invariants.</b> {@code total} counts every server connection of the pool that is not closed: logging in,
 * idle, or handed out. A server taken with {@link #acquire} is not in {@code idle}; whoever holds it must return it
 * with {@link #checkin} (clean, idle) or report it with {@link #closed} — or the pool shrinks forever. At most one
 * login runs at a time per pool (fact sheet 5.2 rule 1), and after a failed login none starts until
 * {@code server_login_retry} has passed (rule 2).
 */
public final class Pool {
    private final PoolKey key;
    private final PoolSettings settings;
    private final ServerTarget target;
    private final ServerLauncher launcher;

    private final PoolStats stats = new PoolStats();
    /** Every server of this pool not yet closed, in any state: what SHOW SERVERS lists. */
    private final Set<ServerConnection> servers = ConcurrentHashMap.newKeySet();
    private final ArrayDeque<ServerConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<ServerWaiter> waiters = new ArrayDeque<>();
    private int total;
    private int logins;
    private long lastLoginFailureNanos;
    private ErrorResponse lastLoginError;
    private boolean retryScheduled;
    /** A SCRAM ClientKey proven by a client of this pool's user: lets servers log in by pass-through. */
    private volatile byte[] scramClientKey;
    /** ParameterStatus values of the pool's first server login: what new clients are welcomed with. */
    private volatile Map<String, String> welcomeParameters;

    public Pool(PoolKey key, PoolSettings settings, ServerTarget target, ServerLauncher launcher) {
        this.key = key;
        this.settings = settings;
        this.target = target;
        this.launcher = launcher;
    }

    public PoolKey key() {
        return key;
    }

    public PoolSettings settings() {
        return settings;
    }

    public PoolStats stats() {
        return stats;
    }

    /** Every server of this pool that is not closed (a live view; states change concurrently). */
    public Collection<ServerConnection> servers() {
        return Collections.unmodifiableSet(servers);
    }

    /** A launched server starts counting in SHOW SERVERS (state {@code new}) until it is closed. */
    public void track(ServerConnection server) {
        servers.add(server);
    }

    /** Where and as whom this pool's servers log in. */
    public ServerTarget target() {
        return target;
    }

    /**
     * Remembers the ClientKey a client proved against the user's stored SCRAM secret, so servers can answer a SCRAM
     * login without the password (PgBouncer's pass-through, fact sheet 4.3).
     */
    public void offerScramClientKey(byte[] clientKey) {
        scramClientKey = clientKey.clone();
    }

    /** The credentials a new server of this pool logs in with. */
    public ServerCredentials credentials() {
        return new ServerCredentials(target.user(), target.secret(), scramClientKey);
    }

    /** The welcome parameters, or {@code null} until a server of this pool has logged in once. */
    public Map<String, String> welcomeParameters() {
        return welcomeParameters;
    }

    /**
     * Asks for a server. The waiter gets {@link ServerWaiter#assign} at once (an idle server, preferably on its
     * own event loop) or later, or {@link ServerWaiter#fail} when logins are failing.
     */
    public void acquire(ServerWaiter waiter) {
        ServerConnection server;
        ErrorResponse failFast = null;
        boolean launch = false;
        synchronized (this) {
            server = takeIdle(waiter);
            if (server == null) {
                if (total == 0 && loginRetryPending()) {
                    failFast = ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                            "server login has been failing, cached error: " + describe(lastLoginError)
                                    + " (server_login_retry)");
                } else {
                    waiters.add(waiter);
                    launch = reserveLogin();
                }
            }
        }
        if (server != null) {
            handOff(waiter, server);
        } else if (failFast != null) {
            waiter.fail(failFast);
        } else if (launch) {
            launcher.launch(this, waiter.executor());
        }
    }

    /** Forgets a waiter whose client left or timed out; harmless if it was already served. */
    public synchronized boolean cancelWait(ServerWaiter waiter) {
        return waiters.remove(waiter);
    }

    /** A server finished logging in. */
    public void loginSucceeded(ServerConnection server, Map<String, String> parameters) {
        synchronized (this) {
            logins--;
            lastLoginError = null;
            lastLoginFailureNanos = 0;
            if (welcomeParameters == null) {
                welcomeParameters = Map.copyOf(parameters);
            }
        }
        checkin(server);
        launchForWaiters();
    }

    /**
     * A login failed. An error PostgreSQL sent is relayed to every waiting client when the pool has no other server
     * (except 57P03 "the database system is starting up", fact sheet 5.5); a network failure only marks the pool
     * failed, and waiting clients keep waiting for the retry.
     */
    public void loginFailed(ServerConnection server, ErrorResponse serverError, String reason) {
        servers.remove(server);
        List<ServerWaiter> failed = List.of();
        synchronized (this) {
            logins--;
            total--;
            lastLoginFailureNanos = System.nanoTime();
            lastLoginError = serverError != null ? serverError
                    : ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, reason);
            if (serverError != null && total == 0 && !"57P03".equals(serverError.sqlState())) {
                failed = new ArrayList<>(waiters);
                waiters.clear();
            }
        }
        ErrorResponse relayed = serverError == null ? null
                : ErrorResponse.fatal(serverError.sqlState(), serverError.message());
        for (ServerWaiter waiter : failed) {
            waiter.executor().execute(() -> waiter.fail(relayed));
        }
        scheduleRetry();
    }

    /** Returns a clean, idle server: it goes to the first waiter, else to the idle list. */
    public void checkin(ServerConnection server) {
        ServerWaiter waiter;
        synchronized (this) {
            waiter = waiters.poll();
            if (waiter == null) {
                if (settings.roundRobin()) {
                    idle.addLast(server);
                } else {
                    idle.addFirst(server);
                }
                return;
            }
        }
        handOff(waiter, server);
    }

    /**
     * A logged-in server of this pool was closed, whatever its state; a waiting client may now get a new one.
     * (A server that never logged in is reported through {@link #loginFailed} instead.)
     */
    public void closed(ServerConnection server) {
        servers.remove(server);
        synchronized (this) {
            total--;
            idle.remove(server);
        }
        launchForWaiters();
    }

    /** Counts for SHOW POOLS-style accounting and tests. */
    public synchronized PoolCounts counts() {
        return new PoolCounts(total, idle.size(), logins, waiters.size());
    }

    private ServerConnection takeIdle(ServerWaiter waiter) {
        if (idle.isEmpty()) {
            return null;
        }
        // Prefer a server on the waiter's own event loop: the pair then runs without cross-thread hops.
        Iterator<ServerConnection> it = idle.iterator();
        for (int i = 0; i < 8 && it.hasNext(); i++) {
            ServerConnection candidate = it.next();
            if (candidate.executor() == waiter.executor()) {
                it.remove();
                return candidate;
            }
        }
        return idle.poll();
    }

    /** Under the lock: decides whether a new server login may start now, and counts it if so. */
    private boolean reserveLogin() {
        if (waiters.isEmpty() || logins > 0 || loginRetryPending()) {
            return false;
        }
        if (settings.poolSize() > 0 && total >= settings.poolSize()) {
            return false;
        }
        total++;
        logins++;
        return true;
    }

    private boolean loginRetryPending() {
        return lastLoginFailureNanos != 0
                && System.nanoTime() - lastLoginFailureNanos < settings.serverLoginRetry().toNanos();
    }

    private void scheduleRetry() {
        synchronized (this) {
            if (retryScheduled || waiters.isEmpty()) {
                return;
            }
            retryScheduled = true;
        }
        launcher.schedule(() -> {
            synchronized (this) {
                retryScheduled = false;
                lastLoginFailureNanos = 0;
            }
            launchForWaiters();
        }, settings.serverLoginRetry());
    }

    /** Starts the next login if clients still wait and the limits allow it (one login at a time per pool). */
    private void launchForWaiters() {
        ServerWaiter next;
        synchronized (this) {
            next = reserveLogin() ? waiters.peek() : null;
        }
        if (next != null) {
            launcher.launch(this, next.executor());
        }
    }

    private static void handOff(ServerWaiter waiter, ServerConnection server) {
        if (waiter.executor().inEventLoop()) {
            waiter.assign(server);
        } else {
            waiter.executor().execute(() -> waiter.assign(server));
        }
    }

    private static String describe(ErrorResponse error) {
        return error == null ? "unknown" : error.message();
    }
}
