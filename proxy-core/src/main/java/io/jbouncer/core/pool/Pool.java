package io.jbouncer.core.pool;

import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.config.TargetSessionAttrs;
import io.jbouncer.core.listen.PoolListener;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.server.ServerCredentials;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.core.Log;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.state.ServerState;
import io.jbouncer.core.state.StateCounts;
import io.jbouncer.core.stats.PoolStats;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import io.netty.util.concurrent.EventExecutor;

/**
 * The server connections of one (database, user) pair and the clients waiting for one.
 *
 * <p><b>Threading.</b> Clients and servers live on different event loops, so the pool's state is shared. It is
 * small and guarded by one lock ({@code this}); no I/O and no callback runs while it is held. Hand-offs complete
 * on the waiter's own event loop via {@link ServerWaiter#executor()}.
 *
 * <p><b>Loop affinity.</b> New servers open on the loop of the client they are for, idle servers are kept per loop
 * ({@link IdleServers}) and a client gets one of its own loop first, so most pairs run on one thread; the counts
 * ({@code total}, the caps) stay pool-wide, so every limit is as exact as without affinity (docs/architecture.md,
 * 3.1).
 *
 * <p><b>Invariants.</b> {@code total} counts every server connection of the pool that is not closed: logging in,
 * idle, or handed out. A server taken with {@link #acquire} is not in {@code idle}; whoever holds it must return it
 * with {@link #checkin} (clean, idle) or report it with {@link #closed} — or the pool shrinks forever. At most one
 * login runs at a time per pool (as in PgBouncer's src/objects.c), and after a failed login none starts until
 * {@code server_login_retry} has passed.
 */
public final class Pool {
    /** How far down the queue a returned server looks for a client on its own event loop. */
    private static final int SAME_LOOP_LOOKAHEAD = 16;
    /** How often the first waiter may be passed over for a same-loop one before it is served regardless. */
    private static final int MAX_HEAD_PASSES = 2;

    /** How often a pool holding its clients tries to log in again, when server_login_retry is longer. */
    static final Duration HOLD_RETRY = Duration.ofMillis(500);

    private final PoolKey key;
    private volatile PoolSettings settings;
    private volatile ServerTarget target;
    /** Servers opened in an older generation are close_needed (RECONNECT, or a reload that changed the target). */
    private final AtomicInteger generation = new AtomicInteger();
    private final ServerLauncher launcher;
    private final ConnectionCap databaseCap;
    private final ConnectionCap userCap;
    private final DatabaseState databaseState;
    private final PoolerState poolerState;

    private final PoolStats stats;
    /**
     * Every server of this pool not yet closed, in any state (what SHOW SERVERS lists). Each carries the RECONNECT
     * generation it was opened in ({@link ServerConnection#generation}): older than the current one means
     * close_needed.
     */
    private final Set<ServerConnection> servers = ConcurrentHashMap.newKeySet();
    private final IdleServers idle = new IdleServers();
    private final ArrayDeque<ServerWaiter> waiters = new ArrayDeque<>();
    /**
     * Replication clients waiting for a server of their own, in arrival order. They queue beside {@link #waiters}
     * as in PgBouncer's waiting list, are never given an idle server, and each needs a login of its own.
     */
    private final ArrayDeque<DedicatedRequest> dedicatedWaiters = new ArrayDeque<>();
    /** Idle servers closed to make room in pool_size for a replication client, not yet reported closed. */
    private final Set<ServerConnection> evictedForRoom = new HashSet<>();
    /** The first waiter as last seen by {@link #takeWaiter}, and how often it was passed over since. */
    private ServerWaiter passedHead;
    private int headPasses;
    private int total;
    private int logins;
    private long lastLoginFailureNanos;
    /**
     * Under the lock: set while {@code hold_on_server_restart} keeps clients queued because no server can be
     * reached; logins are then retried every {@link #HOLD_RETRY} at most, until one succeeds.
     */
    private boolean holding;
    /** Under the lock: the position in a host list, and connections that failed in a row since the last login. */
    private int hostCursor;
    private int hostFailuresInARow;
    /** Under the lock: {@code prefer-standby} found no standby on its last pass, so this pass takes any server. */
    private boolean anyRolePass;
    private ErrorResponse lastLoginError;
    private boolean retryScheduled;
    /** The last launch attempt was refused by max_db_connections / max_user_connections: eviction may help. */
    private boolean blockedByCap;
    private long lastLifetimeCloseNanos;
    /**
     * This pool's connections per state, moved by the connections themselves (SHOW POOLS; min_pool_size applies
     * only while the pool has clients, or a forced user).
     */
    private final StateCounts<ServerState> serverCounts = new StateCounts<>(ServerState.class, ServerState.SV_JUSTFREE);
    private final StateCounts<ClientState> clientCounts = new StateCounts<>(ClientState.class, ClientState.CL_JUSTFREE);
    /**
     * When this pool was last in use (a client, a server, a waiter or a lookup through {@link PoolManager}):
     * pool_idle_timeout and autodb_idle_timeout count from here.
     */
    private volatile long lastUsedNanos = System.nanoTime();
    /** What the last client login of this pool's user proved; {@code null} until one logged in. */
    private volatile LoginProof proof;
    /** ParameterStatus values of the pool's first server login: what new clients are welcomed with. */
    private volatile Map<String, String> welcomeParameters;

    /** The LISTEN connection and subscriptions of this pool's transaction-mode clients; made on first use. */
    private PoolListener listener;

    public Pool(PoolKey key, PoolSettings settings, ServerTarget target, ServerLauncher launcher, PoolShared shared) {
        this.key = key;
        this.settings = settings;
        this.target = target;
        this.databaseCap = shared.databaseCap();
        this.userCap = shared.userCap();
        this.databaseState = shared.database();
        this.poolerState = shared.pooler();
        this.stats = new PoolStats(shared.databaseEvents());
        this.launcher = launcher;
    }

    /** This pool's LISTEN side (docs/transaction-mode.md), made on first use. */
    public synchronized PoolListener listener() {
        if (listener == null) {
            listener = new PoolListener(this, launcher);
        }
        return listener;
    }

    /** This pool's LISTEN side if a client ever needed it, else {@code null} (SHOW SERVERS, SHOW POOLS). */
    public synchronized PoolListener listenerIfAny() {
        return listener;
    }

    public PoolKey key() {
        return key;
    }

    public PoolSettings settings() {
        return settings;
    }

    /** A reload changed sizes or timeouts: they apply from the next decision on; open servers stay. */
    public void updateSettings(PoolSettings newSettings) {
        settings = newSettings;
    }

    /** A lookup is about to use this pool: it counts as in use for the idle timeouts from now. */
    void touch() {
        lastUsedNanos = System.nanoTime();
    }

    /** How long this pool has had no client, server, waiter or lookup, at {@code now}; 0 while in use. */
    long unusedNanos(long now) {
        return inUse() ? 0 : Math.max(0, now - lastUsedNanos);
    }

    private boolean inUse() {
        if (clientCounts.live() > 0 || !servers.isEmpty()) {
            return true;
        }
        synchronized (this) {
            return hasWaiting() || logins > 0;
        }
    }

    /** Servers of this pool per state; each {@code ServerConnection} keeps its own entry up to date. */
    public StateCounts<ServerState> serverCounts() {
        return serverCounts;
    }

    /** Clients of this pool (and cancel requests aimed at them) per state, kept by the clients. */
    public StateCounts<ClientState> clientCounts() {
        return clientCounts;
    }

    public PoolStats stats() {
        return stats;
    }

    /** Every server of this pool that is not closed (a live view; states change concurrently). */
    public Collection<ServerConnection> servers() {
        return Collections.unmodifiableSet(servers);
    }

    /**
     * A launched server starts counting in SHOW SERVERS (state {@code new}) until it is closed. Its generation is set
     * before it is listed, so whoever finds it through the list sees it.
     */
    public void track(ServerConnection server) {
        server.openedIn(generation.get());
        servers.add(server);
    }

    /**
     * RECONNECT was issued after this server was opened: it is closed instead of reused. Asked at every check-in:
     * a field and an atomic read, no map lookup.
     */
    public boolean closeNeeded(ServerConnection server) {
        return server.generation() < generation.get();
    }

    /** PAUSE (global or of this database) or KILL: no server is handed out, released ones are closed. */
    public boolean paused() {
        return poolerState.paused() || databaseState.paused();
    }

    /**
     * Servers that keep a PAUSE from completing: linked to a client, waiting for a cancel to finish, or running the
     * reset query or check.
     */
    public int busyServers() {
        return serverCounts.get(ServerState.SV_ACTIVE) + serverCounts.get(ServerState.SV_BEING_CANCELED)
                + serverCounts.get(ServerState.SV_TESTED);
    }

    /** How long the first client in the queue has waited, in nanoseconds at {@code now}; 0 when none waits. */
    public synchronized long longestWaitNanos(long now) {
        long start = firstWaitStart();
        return start == Long.MAX_VALUE ? 0 : Math.max(0, now - start);
    }

    /** Under the lock: when the longest waiting client (of either queue) started waiting; MAX_VALUE when none. */
    private long firstWaitStart() {
        ServerWaiter pooled = waiters.peek();
        DedicatedRequest dedicated = dedicatedWaiters.peek();
        return Math.min(pooled == null ? Long.MAX_VALUE : pooled.waitStartNanos(),
                dedicated == null ? Long.MAX_VALUE : dedicated.waiter().waitStartNanos());
    }

    /** Under the lock: whether any client waits, for a pooled server or its own. */
    private boolean hasWaiting() {
        return !waiters.isEmpty() || !dedicatedWaiters.isEmpty();
    }

    /** How many servers are still waiting to be closed for a RECONNECT (WAIT_CLOSE). */
    public int closeNeededServers() {
        int count = 0;
        for (ServerConnection server : servers) {
            count += closeNeeded(server) ? 1 : 0;
        }
        return count;
    }

    /** Applies PAUSE/RESUME: paused, idle servers are closed; resumed, queued clients get servers again. */
    public void pauseChanged() {
        if (paused()) {
            closeIdle("pause mode");
        } else {
            launchForWaiters();
        }
    }

    /** RECONNECT: every server opened so far becomes close_needed; idle ones close now, busy ones when released. */
    public List<CompletionStage<Void>> reconnect() {
        generation.incrementAndGet();
        return closeIdle("database configuration changed");
    }

    /**
     * A reload changed where or as whom this pool's servers log in: new servers use {@code newTarget}, the old ones
     * are retired like after RECONNECT.
     */
    public void updateTarget(ServerTarget newTarget) {
        synchronized (this) {
            target = newTarget;
            // The cached failure was the old target's: clients must not fail fast against the fixed one.
            lastLoginError = null;
            lastLoginFailureNanos = 0;
            hostCursor = 0;
            hostFailuresInARow = 0;
            anyRolePass = false;
        }
        reconnect();
    }

    /**
     * The address of the next server connection. Over a host list, {@code load_balance_hosts = round-robin} moves on
     * with every connection and {@code disable} stays on one host until a connection to it fails (PgBouncer 1.24).
     */
    public synchronized SocketAddress nextAddress() {
        List<SocketAddress> addresses = target.addresses();
        SocketAddress chosen = addresses.get(Math.floorMod(hostCursor, addresses.size()));
        if (target.roundRobin()) {
            hostCursor++;
        }
        return chosen;
    }

    /** KILL: every server of this pool is closed, busy or not (their clients are dropped by the caller). */
    public List<CompletionStage<Void>> killServers(String reason) {
        return close(List.copyOf(servers), reason);
    }

    private List<CompletionStage<Void>> closeIdle(String reason) {
        List<ServerConnection> closing;
        synchronized (this) {
            closing = idle.clear();
        }
        return close(closing, reason);
    }

    /** Closes {@code closing}; returns when each will be gone from the lists ({@link ServerConnection#gone}). */
    private static List<CompletionStage<Void>> close(List<ServerConnection> closing, String reason) {
        List<CompletionStage<Void>> gone = new ArrayList<>();
        for (ServerConnection server : closing) {
            server.close(reason);
            gone.add(server.gone());
        }
        return gone;
    }

    /** Where and as whom this pool's servers log in. */
    public ServerTarget target() {
        return target;
    }

    /**
     * Remembers what a client of this pool's user proved at login (as PgBouncer 1.25 does): the secret it was checked
     * against (from auth_file, or from {@code auth_query} for a user known only to PostgreSQL) and, after a SCRAM
     * login against a stored SCRAM secret, the ClientKey recovered from its proof, so servers can answer a SCRAM
     * login without the password (PgBouncer's pass-through).
     *
     * @param scramClientKey {@code null} when the login was not SCRAM against a stored SCRAM secret
     */
    public void loginProved(StoredSecret secret, byte[] scramClientKey) {
        LoginProof previous = proof;
        if (scramClientKey == null && previous != null && previous.scramClientKey() != null
                && previous.secret().equals(secret)) {
            return; // an md5 or plain login of the same secret must not forget a ClientKey proved earlier
        }
        proof = new LoginProof(secret, scramClientKey == null ? null : scramClientKey.clone());
    }

    /**
     * The credentials a new server of this pool logs in with: the target's secret (connection string password or
     * auth_file entry), else the one a client login proved (an {@code auth_query} user). The ClientKey goes with
     * the secret it was proved against only.
     */
    public ServerCredentials credentials() {
        ServerTarget current = target;
        LoginProof proved = proof;
        StoredSecret secret = current.secret() != null ? current.secret() : proved == null ? null : proved.secret();
        byte[] clientKey = proved != null && proved.secret().equals(secret) ? proved.scramClientKey() : null;
        return new ServerCredentials(current.user(), secret, clientKey);
    }

    /** A secret and the SCRAM ClientKey proved against it ({@code null} when none was). */
    private record LoginProof(StoredSecret secret, byte[] scramClientKey) { }

    /** The welcome parameters, or {@code null} until a server of this pool has logged in once. */
    public Map<String, String> welcomeParameters() {
        return welcomeParameters;
    }

    /**
     * Asks for a server, at {@code now} ({@code System.nanoTime()} as the caller read it on the waiter's loop). The
     * waiter gets {@link ServerWaiter#assign} at once (an idle server, preferably on its own event loop) or later, or
     * {@link ServerWaiter#fail} when logins are failing.
     */
    public void acquire(ServerWaiter waiter, long now) {
        if (poolerState.shuttingDown() && poolerState.paused()) {
            // SHUTDOWN WAIT_FOR_SERVERS drops waiting clients (PgBouncer usage.md): one that would start waiting now
            // is dropped the same way, instead of queueing behind a pause that ends only when the process exits.
            waiter.fail(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "server shutting down"));
            return;
        }
        ServerConnection server;
        ErrorResponse failFast = null;
        LoginPlan plan = null;
        synchronized (this) {
            server = paused() ? null : takeIdle(waiter);
            if (server == null) {
                if (total == 0 && loginRetryPending() && !holding) {
                    failFast = fastFailError();
                } else {
                    waiters.add(waiter);
                    plan = planLogin(waiter.executor());
                }
            }
        }
        if (server != null) {
            handOffChecked(waiter, server, now);
        } else if (failFast != null) {
            waiter.fail(failFast);
        } else {
            start(plan);
        }
    }

    /**
     * A replication client's own server (PgBouncer 1.23: never pooled): a new connection with the target's
     * StartupMessage plus the client's {@code parameters} and {@code replication}, handed to {@code waiter} alone
     * once logged in; a login error is passed to it as PostgreSQL sent it. As in PgBouncer's src/objects.c
     * ({@code launch_new_connection}), such a server takes a {@code pool_size} slot and counts against
     * max_db_connections / max_user_connections like any other: the client waits in the queue (query_wait_timeout
     * applies) until its login may start, and a full pool closes its longest idle server to make room for it. The
     * server is closed when its client leaves.
     */
    public void acquireDedicated(ServerWaiter waiter, ReplicationMode replication, Map<String, String> parameters) {
        Map<String, String> startup = new LinkedHashMap<>(target.startupParameters());
        startup.putAll(parameters);
        startup.put("replication", replication == ReplicationMode.LOGICAL ? "database" : "true");
        LoginPlan plan;
        synchronized (this) {
            dedicatedWaiters.add(new DedicatedRequest(waiter, replication, Map.copyOf(startup)));
            plan = planLogin(waiter.executor());
        }
        start(plan);
    }

    /** A replication client waiting for its own server, and what that server's StartupMessage carries. */
    private record DedicatedRequest(ServerWaiter waiter, ReplicationMode replication, Map<String, String> startup) { }

    /** Forgets a waiter whose client left or timed out; harmless if it was already served. */
    public synchronized boolean cancelWait(ServerWaiter waiter) {
        return waiters.remove(waiter) | dedicatedWaiters.removeIf(request -> request.waiter() == waiter);
    }

    /** A server finished logging in. */
    public void loginSucceeded(ServerConnection server, Map<String, String> parameters) {
        if (server.dedicatedTo() != null) {
            synchronized (this) {
                logins--;
            }
            handOff(server.dedicatedTo(), server, System.nanoTime());
            launchForWaiters();
            return;
        }
        synchronized (this) {
            logins--;
            lastLoginError = null;
            lastLoginFailureNanos = 0;
            hostFailuresInARow = 0;
            anyRolePass = false;
            holding = false;
            if (welcomeParameters == null) {
                welcomeParameters = Map.copyOf(parameters);
            }
        }
        checkin(server, System.nanoTime());
        launchForWaiters();
    }

    /**
     * A login failed. A connection to one host of a host list that fails is skipped: the next host is tried at once
     * (PgBouncer 1.24+). Otherwise, when the pool has no other server, every waiting client is failed at once (fact
     * sheet 5.5): an error PostgreSQL sent is relayed with its own SQLSTATE and text, a network failure gets the
     * fast-fail text with the cached reason. The exception is 57P03 "the database system is starting up": clients
     * keep waiting for the retry. A replication client's own server frees its slot and passes the error to that
     * client alone, uncached: another client's login may well succeed.
     */
    public void loginFailed(ServerConnection server, ErrorResponse serverError, String reason) {
        servers.remove(server);
        releaseCaps();
        ServerWaiter dedicated = server.dedicatedTo();
        if (dedicated != null) {
            synchronized (this) {
                logins--;
                total--;
            }
            ErrorResponse error = serverError != null
                    ? ErrorResponse.fatal(serverError.sqlState(), serverError.message())
                    : ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, reason);
            dedicated.executor().execute(() -> dedicated.fail(error));
            launchForWaiters();
            return;
        }
        List<ServerWaiter> failed = List.of();
        ErrorResponse reported = null;
        boolean nextHost;
        synchronized (this) {
            logins--;
            total--;
            nextHost = serverError == null && tryAnotherHost();
            // 57P03 (starting up / shutting down) is transient: clients wait for the retry instead of failing fast.
            boolean transientRefusal = serverError != null && "57P03".equals(serverError.sqlState());
            // hold_on_server_restart: an unreachable server (restarting, failing over) keeps clients queued too.
            holding = settings.holdOnServerRestart() && (serverError == null || transientRefusal);
            if (!nextHost && !transientRefusal) {
                lastLoginFailureNanos = System.nanoTime();
                lastLoginError = serverError != null ? serverError
                        : ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, reason);
                if (total == 0 && !holding && !settings.serverLoginRetry().isZero()) {
                    failed = new ArrayList<>(waiters);
                    waiters.clear();
                    reported = serverError != null
                            ? ErrorResponse.fatal(serverError.sqlState(), serverError.message())
                            : fastFailError();
                }
            }
        }
        if (nextHost) {
            launchForWaiters();
            return;
        }
        ErrorResponse error = reported;
        for (ServerWaiter waiter : failed) {
            waiter.executor().execute(() -> waiter.fail(error));
        }
        scheduleRetry();
    }

    /**
     * Under the lock, after a connection failed: whether a host list still has a host not tried since the last
     * login. Such a failure is neither cached nor reported (a failing host is skipped); only a whole list failing
     * in a row is.
     */
    private boolean tryAnotherHost() {
        int hosts = target.addresses().size();
        if (hosts > 1 && !target.roundRobin()) {
            hostCursor++; // disable: leave the failed host, also for the retry after a whole list failed
        }
        if (++hostFailuresInARow < hosts) {
            return true;
        }
        hostFailuresInARow = 0;
        if (target.sessionAttrs() == TargetSessionAttrs.PREFER_STANDBY && !anyRolePass) {
            anyRolePass = true; // libpq's second pass: no standby answered, so any server will do
            return true;
        }
        anyRolePass = false; // the whole list failed: reported now, tried afresh after server_login_retry
        return false;
    }

    /**
     * The {@code target_session_attrs} the next login checks: the target's, except on {@code prefer-standby}'s
     * second pass over the host list, which takes any server.
     */
    public synchronized TargetSessionAttrs loginSessionAttrs() {
        return anyRolePass ? TargetSessionAttrs.ANY : target.sessionAttrs();
    }

    /**
     * A login was cut short on purpose (KILL, PAUSE, RECONNECT closed every server of the pool): it frees its slot
     * without counting as a failure, so no cached error makes later clients fail fast.
     */
    public void loginAborted(ServerConnection server) {
        if (server.dedicatedTo() != null) {
            loginFailed(server, null, "server connection closed"); // its client must hear why it gets none
            return;
        }
        servers.remove(server);
        releaseCaps();
        synchronized (this) {
            logins--;
            total--;
        }
        launchForWaiters();
    }

    /** Under the lock: PgBouncer's fast-fail text quoting the cached login error. */
    private ErrorResponse fastFailError() {
        return ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "server login has been failing, cached error: "
                + describe(lastLoginError) + " (server_login_retry)");
    }

    /**
     * Returns a clean, idle server, at {@code now} ({@code System.nanoTime()} as the caller read it on the server's
     * loop): it goes to the first waiter, else to the idle list.
     */
    public void checkin(ServerConnection server, long now) {
        if (paused() || closeNeeded(server)) {
            server.close(paused() ? "pause mode" : "database configuration changed");
            return;
        }
        ServerWaiter waiter;
        LoginPlan plan = null;
        synchronized (this) {
            waiter = takeWaiter(server.executor());
            if (waiter == null) {
                server.markIdle(now);
                idle.add(server);
                if (!dedicatedWaiters.isEmpty()) {
                    plan = planLogin(null); // a replication client may need this room in pool_size
                }
            }
        }
        if (waiter != null) {
            handOff(waiter, server, now);
        } else {
            start(plan);
        }
    }

    /**
     * A logged-in server of this pool was closed, whatever its state; a waiting client may now get a new one.
     * (A server that never logged in is reported through {@link #loginFailed} instead.)
     */
    public void closed(ServerConnection server) {
        servers.remove(server);
        releaseCaps();
        synchronized (this) {
            total--;
            idle.remove(server);
            evictedForRoom.remove(server);
        }
        launchForWaiters();
    }

    /** Counts for SHOW POOLS-style accounting and tests. */
    public synchronized PoolCounts counts() {
        return new PoolCounts(total, idle.size(), logins, waiters.size() + dedicatedWaiters.size());
    }

    /**
     * Under the lock: the waiter a returned server goes to. PgBouncer serves its queue strictly first come, first
     * served; here a client on the server's own event loop may go first, so the pair runs on one thread without a
     * task hand-off and wake-up per message each way. The unfairness is bounded: the first waiter is passed over at
     * most {@link #MAX_HEAD_PASSES} times, so a client queued at position p is served within (p + 1) x
     * (MAX_HEAD_PASSES + 1) returns.
     */
    private ServerWaiter takeWaiter(EventExecutor loop) {
        ServerWaiter head = waiters.peek();
        if (head != passedHead) {
            passedHead = head;
            headPasses = 0;
        }
        if (head == null || head.executor() == loop || headPasses >= MAX_HEAD_PASSES) {
            return waiters.poll();
        }
        Iterator<ServerWaiter> it = waiters.iterator();
        it.next(); // the head, on another loop
        for (int i = 1; i < SAME_LOOP_LOOKAHEAD && it.hasNext(); i++) {
            ServerWaiter candidate = it.next();
            if (candidate.executor() == loop) {
                it.remove();
                headPasses++;
                return candidate;
            }
        }
        return waiters.poll();
    }

    /**
     * Under the lock: an idle server for {@code waiter}, preferably on its own event loop ({@link IdleServers}). A
     * client never waits while any server is idle, as in PgBouncer: waiting for one on its own loop would delay it
     * by someone else's transaction and show clients waiting beside idle servers in SHOW POOLS.
     */
    private ServerConnection takeIdle(ServerWaiter waiter) {
        return idle.take(waiter.executor(), settings.roundRobin());
    }

    /**
     * What {@link #planLogin} decided: a login for the pooled waiters on {@code loop} (any loop when {@code null}),
     * or for one replication client ({@code dedicated}); and idle servers to close first ({@code evicted}).
     */
    private record LoginPlan(boolean launch, EventExecutor loop, DedicatedRequest dedicated,
                             List<ServerConnection> evicted) { }

    /**
     * Under the lock: decides whether a new server login may start now for the waiting clients, and counts it if
     * so (see {@link #start}). The client that has waited longest decides whose login it is: a replication client
     * gets one of its own, pooled clients share one. Up to pool_size; beyond it up to pool_size +
     * reserve_pool_size once the first waiter has waited reserve_pool_timeout (PgBouncer config.md); never past
     * max_db_connections / max_user_connections. A replication client first in line in a full pool closes the
     * pool's longest idle servers until there is room for it ({@code closing because: evicted}), as PgBouncer's
     * {@code launch_new_connection} does; its login starts once they are closed.
     *
     * @param loop the event loop a pooled login preferably runs on; {@code null} for the first waiter's
     * @return {@code null} when nothing is to be done
     */
    private LoginPlan planLogin(EventExecutor loop) {
        if (!hasWaiting() || logins > 0 || loginRetryPending() || paused()) {
            return null;
        }
        ServerWaiter pooled = waiters.peek();
        DedicatedRequest dedicated = dedicatedWaiters.peek();
        if (pooled != null && dedicated != null && pooled.waitStartNanos() < dedicated.waiter().waitStartNanos()) {
            dedicated = null; // the pooled clients came first
        }
        PoolSettings current = settings;
        if (current.poolSize() > 0 && total >= current.poolSize()) {
            if (reserveAllowed(current)) {
                Log.warning("%s: taking connection from reserve_pool", key);
            } else if (dedicated != null) {
                return evictForRoom(total - evictedForRoom.size() - current.poolSize() + 1);
            } else {
                return null;
            }
        }
        if (!takeSlot()) {
            // A capped replication client may close an idle server of its own pool (the janitor finds others).
            return dedicated != null && evictedForRoom.isEmpty() ? evictForRoom(1) : null;
        }
        if (dedicated != null) {
            dedicatedWaiters.poll();
            return new LoginPlan(true, dedicated.waiter().executor(), dedicated, List.of());
        }
        return new LoginPlan(true, loop != null ? loop : pooled.executor(), null, List.of());
    }

    /** Under the lock: takes up to {@code count} of the longest idle servers out, to be closed as evicted. */
    private LoginPlan evictForRoom(int count) {
        List<ServerConnection> evicted = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ServerConnection victim = idle.pollLongestIdle();
            if (victim == null) {
                break;
            }
            evictedForRoom.add(victim);
            evicted.add(victim);
        }
        if (!evicted.isEmpty()) {
            blockedByCap = false; // the room comes from this pool's own servers
        }
        return evicted.isEmpty() ? null : new LoginPlan(false, null, null, evicted);
    }

    /** Outside the lock: carries out {@code plan} (nothing when {@code null}). */
    private void start(LoginPlan plan) {
        if (plan == null) {
            return;
        }
        for (ServerConnection victim : plan.evicted()) {
            victim.close("evicted");
        }
        if (!plan.launch()) {
            return;
        }
        DedicatedRequest dedicated = plan.dedicated();
        if (dedicated != null) {
            launcher.launchDedicated(this, dedicated.waiter(), dedicated.replication(), dedicated.startup());
        } else {
            launcher.launch(this, plan.loop());
        }
    }

    private boolean reserveAllowed(PoolSettings current) {
        long timeout = current.reservePoolTimeout().toNanos();
        return timeout > 0 && current.reservePoolSize() > 0
                && total < current.poolSize() + current.reservePoolSize()
                && System.nanoTime() - firstWaitStart() >= timeout;
    }

    /** Under the lock: takes the database and user slots for one more server and counts its login. */
    private boolean takeSlot() {
        if (!databaseCap.tryAcquire()) {
            blockedByCap = true;
            return false;
        }
        if (!userCap.tryAcquire()) {
            databaseCap.release();
            blockedByCap = true;
            return false;
        }
        blockedByCap = false;
        total++;
        logins++;
        return true;
    }

    private void releaseCaps() {
        databaseCap.release();
        userCap.release();
    }

    /**
     * The janitor's periodic work (every ~333 ms, as PgBouncer's): closes idle servers past server_idle_timeout
     * (keeping min_pool_size) or past server_lifetime (at most one per lifetime/pool_size interval, so a pool is
     * not all closed at once), starts the reserve login once a waiter has waited long enough, and keeps
     * min_pool_size servers open while the pool has clients or a forced user.
     *
     * @return {@code true} when clients wait but a connection cap blocks: an idle server of another pool of the
     *         same database or user should be evicted
     */
    public boolean maintain(long now) {
        if (inUse()) {
            lastUsedNanos = now;
        }
        if (generation.get() > 0) { // only a RECONNECT or a changed target makes servers close_needed
            closeNeededActive();
        }
        record Expired(ServerConnection server, String reason) { }
        List<Expired> expired = new ArrayList<>();
        LoginPlan plan;
        boolean warm = false;
        boolean blocked;
        synchronized (this) {
            PoolSettings current = settings;
            long idleLimit = current.serverIdleTimeout().toNanos();
            long lifetime = current.serverLifetimeNanos();
            int keep = current.minPoolSize();
            for (ServerConnection server : idle.longestIdleFirst()) {
                if (closeNeeded(server)) {
                    idle.remove(server);
                    expired.add(new Expired(server, "database configuration changed"));
                } else if (lifetime > 0 && now - server.createdNanos() >= lifetime && lifetimeCloseAllowed(now, current)) {
                    idle.remove(server);
                    expired.add(new Expired(server, "server lifetime over"));
                    lastLifetimeCloseNanos = now;
                } else if (idleLimit > 0 && now - server.idleSinceNanos() >= idleLimit
                        && total - expired.size() > keep) {
                    idle.remove(server);
                    expired.add(new Expired(server, "server idle timeout"));
                } else if (current.needsCheck(server.idleSinceNanos(), now)) {
                    server.markUsedIfIdle();
                }
            }
            plan = planLogin(null); // the reserve server, or an eviction, is for the first waiter
            if (plan == null && !hasWaiting() && logins == 0 && !loginRetryPending() && !paused()
                    && total - expired.size() < keep && (current.poolSize() <= 0 || total < current.poolSize())
                    && (clientCounts.live() > 0 || current.forcedUser())) {
                warm = takeSlot();
            }
            blocked = blockedByCap && hasWaiting();
        }
        for (Expired e : expired) {
            e.server().close(e.reason());
        }
        start(plan);
        if (warm) {
            launcher.launch(this, null); // min_pool_size servers: any loop, spread by the launcher
        }
        return blocked;
    }

    /**
     * Linked servers that are close_needed: a replication client's is closed at once, since its stream may never
     * end (PgBouncer's src/janitor.c, {@code pool_server_maint}); with server_fast_close, a session idle between
     * queries, which sees no ReadyForQuery that would close its server, has it closed here.
     */
    private void closeNeededActive() {
        boolean fastClose = settings.serverFastClose();
        for (ServerConnection server : servers) {
            if (server.state() != ServerState.SV_ACTIVE || !closeNeeded(server)) {
                continue;
            }
            if (server.dedicatedTo() != null) {
                server.closeTellingClient("database configuration changed");
            } else if (fastClose) {
                server.fastCloseIfIdle();
            }
        }
    }

    /** PgBouncer spreads lifetime closes: at most one per server_lifetime / pool_size per pool. */
    private boolean lifetimeCloseAllowed(long now, PoolSettings current) {
        long spacing = current.poolSize() > 0 ? current.serverLifetimeNanos() / current.poolSize() : 0;
        return lastLifetimeCloseNanos == 0 || now - lastLifetimeCloseNanos >= spacing;
    }

    /**
     * Closes this pool's most idle server to make room under a shared cap for another pool ({@code closing
     * because: evicted}). Returns whether one was closed.
     */
    public boolean evictIdle() {
        ServerConnection victim;
        synchronized (this) {
            victim = idle.pollLongestIdle();
        }
        if (victim == null) {
            return false;
        }
        victim.close("evicted");
        return true;
    }

    /**
     * Whether a server released by a client at {@code now} must be closed instead of reused: past its lifetime (0 =
     * single use).
     */
    public boolean lifetimeOver(ServerConnection server, long now) {
        return now - server.createdNanos() >= settings.serverLifetimeNanos();
    }

    private boolean loginRetryPending() {
        return lastLoginFailureNanos != 0 && System.nanoTime() - lastLoginFailureNanos < retryDelay().toNanos();
    }

    /** Under the lock: server_login_retry, or at most {@link #HOLD_RETRY} while clients are held. */
    private Duration retryDelay() {
        Duration retry = settings.serverLoginRetry();
        return holding && retry.compareTo(HOLD_RETRY) > 0 ? HOLD_RETRY : retry;
    }

    private void scheduleRetry() {
        Duration delay;
        synchronized (this) {
            if (retryScheduled || !hasWaiting()) {
                return;
            }
            retryScheduled = true;
            delay = retryDelay();
        }
        launcher.schedule(() -> {
            synchronized (this) {
                retryScheduled = false;
                lastLoginFailureNanos = 0;
            }
            launchForWaiters();
        }, delay);
    }

    /** Starts the next login if clients still wait and the limits allow it (one login at a time per pool). */
    private void launchForWaiters() {
        LoginPlan plan;
        synchronized (this) {
            plan = planLogin(null);
        }
        start(plan);
    }

    /** Whether clients are queued: the janitor retries launches for them. */
    public synchronized boolean hasWaiters() {
        return hasWaiting();
    }


    /**
     * Hands an idle server over, first running the server check when it has been unused for server_check_delay.
     * In a pool with a {@code target_session_attrs} whose servers can change role, a server whose role was last
     * checked server_check_delay ago or more is checked again instead (the role query also proves the server is
     * alive), so after a promotion or a fencing reload a server of the wrong role is closed, not handed out. A
     * server that fails the check is closed and the waiter asks again.
     */
    private void handOffChecked(ServerWaiter waiter, ServerConnection server, long now) {
        PoolSettings current = settings;
        TargetSessionAttrs attrs = target.sessionAttrs();
        boolean roleCheck = attrs.rechecked() && current.needsRoleCheck(server.roleCheckedNanos(), now);
        if (!roleCheck && !current.needsCheck(server.idleSinceNanos(), now)) {
            handOff(waiter, server, now); // the usual hand-out: no check, so no callbacks to allocate
            return;
        }
        // The callbacks run later (once the check answered), so they read the clock themselves.
        Runnable passed = () -> handOff(waiter, server, System.nanoTime());
        Runnable failed = () -> waiter.executor().execute(() -> acquire(waiter, System.nanoTime()));
        if (roleCheck) {
            server.checkRole(attrs, passed, failed);
        } else {
            server.check(current.serverCheckQuery(), passed, failed);
        }
    }

    /**
     * Gives {@code server} to {@code waiter}: inline, at {@code now}, on the waiter's own loop; else in a task on that
     * loop, which reads the clock when it runs.
     */
    private static void handOff(ServerWaiter waiter, ServerConnection server, long now) {
        if (waiter.executor().inEventLoop()) {
            waiter.assign(server, now);
        } else {
            waiter.executor().execute(() -> waiter.assign(server, System.nanoTime()));
        }
    }

    private static String describe(ErrorResponse error) {
        return error == null ? "unknown" : error.message();
    }
}
