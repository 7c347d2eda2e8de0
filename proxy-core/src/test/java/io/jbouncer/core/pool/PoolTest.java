package io.jbouncer.core.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.config.PoolMode;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.config.TargetSessionAttrs;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.server.ServerCredentials;
import io.jbouncer.core.stats.DatabaseEvents;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolTest {
    private static final Duration LONG_RETRY = Duration.ofHours(1);

    /** Records launches and timers instead of connecting. */
    private static final class FakeLauncher implements ServerLauncher {
        final List<EventExecutor> launches = new ArrayList<>();
        final List<Runnable> timers = new ArrayList<>();
        final List<Duration> delays = new ArrayList<>();
        final List<Map<String, String>> dedicated = new ArrayList<>();

        @Override
        public void launch(Pool pool, EventExecutor loop) {
            launches.add(loop);
        }

        @Override
        public void launchDedicated(Pool pool, ServerWaiter waiter, ReplicationMode replication,
                Map<String, String> startupParameters) {
            dedicated.add(startupParameters);
        }

        @Override
        public void schedule(Runnable task, Duration delay) {
            timers.add(task);
            delays.add(delay);
        }

        void fireTimers() {
            List<Runnable> due = List.copyOf(timers);
            timers.clear();
            due.forEach(Runnable::run);
        }
    }

    /** A client waiting for a server; records what the pool gives it. */
    private static class Waiter implements ServerWaiter {
        private final EventExecutor executor;
        final List<ServerConnection> assigned = new ArrayList<>();
        final List<ErrorResponse> failures = new ArrayList<>();

        Waiter(EventExecutor executor) {
            this.executor = executor;
        }

        Waiter() {
            this(ImmediateEventExecutor.INSTANCE);
        }

        @Override
        public EventExecutor executor() {
            return executor;
        }

        @Override
        public void assign(ServerConnection server, long now) {
            assigned.add(server);
        }

        @Override
        public void fail(ErrorResponse error) {
            failures.add(error);
        }

        @Override
        public long waitStartNanos() {
            return 0;
        }

        ServerConnection onlyServer() {
            assertEquals(1, assigned.size(), "one server assigned");
            assertTrue(failures.isEmpty());
            return assigned.get(0);
        }

        ErrorResponse onlyFailure() {
            assertEquals(1, failures.size(), "one failure");
            assertTrue(assigned.isEmpty());
            return failures.get(0);
        }

        boolean waiting() {
            return assigned.isEmpty() && failures.isEmpty();
        }
    }

    private final FakeLauncher launcher = new FakeLauncher();

    private Pool pool(int poolSize, Duration loginRetry) {
        return pool(poolSize, loginRetry, ServerTarget.single(InetSocketAddress.createUnresolved("db", 5432), "u",
                null, Map.of("user", "u", "database", "d")));
    }

    private Pool pool(int poolSize, Duration loginRetry, ServerTarget target) {
        return pool(poolSize, loginRetry, target, false);
    }

    private Pool pool(int poolSize, Duration loginRetry, ServerTarget target, boolean holdOnServerRestart) {
        PoolSettings settings = settings(poolSize, 0, Duration.ZERO, false, loginRetry, holdOnServerRestart);
        return new Pool(new PoolKey("d", "u"), settings, target, launcher, new PoolShared(new ConnectionCap(0),
                new ConnectionCap(0), new DatabaseState(), new PoolerState(), DatabaseEvents.NONE));
    }

    /** Transaction-mode settings with PgBouncer's defaults, but for the given values. */
    private static PoolSettings settings(int poolSize, int reservePoolSize, Duration reservePoolTimeout,
            boolean roundRobin, Duration loginRetry, boolean holdOnServerRestart) {
        return PoolSettings.of(PoolMode.TRANSACTION, poolSize, reservePoolSize, reservePoolTimeout, 0,
                "DISCARD ALL", false, roundRobin, Duration.ofHours(1), Duration.ofMinutes(10), loginRetry,
                Duration.ofSeconds(15), false, Duration.ofSeconds(30), "", Duration.ofSeconds(120),
                holdOnServerRestart, false);
    }

    /** A real server connection bound to its own embedded event loop (no startup packet: not yet active). */
    private static ServerConnection server(Pool pool) {
        ServerConnection server = new ServerConnection(pool, pool.nextAddress(), new ServerCredentials("u", null, null),
                Map.of("user", "u"), 1 << 20);
        new EmbeddedChannel().pipeline().addLast(server);
        return server;
    }

    /**
     * Logs each server in for a client of its own, then checks them all in in this order: the last is the newest
     * idle server.
     */
    private static void loginAndCheckIn(Pool pool, ServerConnection... servers) {
        for (ServerConnection server : servers) {
            pool.acquire(new Waiter(), System.nanoTime());
            pool.loginSucceeded(server, Map.of());
        }
        for (ServerConnection server : servers) {
            pool.checkin(server, System.nanoTime());
        }
    }

    /** A replication client's own server, as the launcher makes it. */
    private static ServerConnection dedicatedServer(Pool pool, ServerWaiter waiter) {
        ServerConnection server = new ServerConnection(pool, pool.nextAddress(),
                new ServerCredentials("u", null, null), Map.of("user", "u"), 1 << 20, waiter,
                ReplicationMode.LOGICAL);
        new EmbeddedChannel().pipeline().addLast(server);
        return server;
    }

    private static ErrorResponse serverError(String sqlState, String message) {
        return ErrorResponse.fatal(sqlState, message);
    }

    @Test
    void onlyOneLoginAtATime() {
        Pool pool = pool(10, LONG_RETRY);
        List<Waiter> waiters = List.of(new Waiter(), new Waiter(), new Waiter());
        waiters.forEach(waiter -> pool.acquire(waiter, System.nanoTime()));
        assertEquals(1, launcher.launches.size());
        assertEquals(new PoolCounts(1, 0, 1, 3), pool.counts());
        waiters.forEach(w -> assertTrue(w.waiting()));
    }

    @Test
    void launchRunsOnTheFirstWaitersLoop() {
        Pool pool = pool(10, LONG_RETRY);
        EmbeddedChannel loop = new EmbeddedChannel();
        pool.acquire(new Waiter(loop.eventLoop()), System.nanoTime());
        assertEquals(List.of(loop.eventLoop()), launcher.launches);
    }

    @Test
    void waitersAreServedFirstInFirstOut() {
        Pool pool = pool(1, LONG_RETRY);
        Waiter first = new Waiter();
        Waiter second = new Waiter();
        Waiter third = new Waiter();
        pool.acquire(first, System.nanoTime());
        pool.acquire(second, System.nanoTime());
        pool.acquire(third, System.nanoTime());
        ServerConnection server = server(pool);
        pool.loginSucceeded(server, Map.of("server_version", "17.0"));
        assertSame(server, first.onlyServer());
        assertTrue(second.waiting());
        pool.checkin(server, System.nanoTime());
        assertSame(server, second.onlyServer());
        assertTrue(third.waiting());
        pool.checkin(server, System.nanoTime());
        assertSame(server, third.onlyServer());
        pool.checkin(server, System.nanoTime());
        assertEquals(new PoolCounts(1, 1, 0, 0), pool.counts());
        assertEquals(1, launcher.launches.size(), "pool_size 1 never launches a second server");
    }

    @Test
    void idleServerIsReusedWithoutLaunch() {
        Pool pool = pool(10, LONG_RETRY);
        pool.acquire(new Waiter(), System.nanoTime());
        ServerConnection server = server(pool);
        pool.loginSucceeded(server, Map.of());
        pool.checkin(server, System.nanoTime());
        Waiter next = new Waiter();
        pool.acquire(next, System.nanoTime());
        assertSame(server, next.onlyServer());
        assertEquals(1, launcher.launches.size());
    }

    @Test
    void welcomeParametersComeFromTheFirstLogin() {
        Pool pool = pool(10, LONG_RETRY);
        pool.acquire(new Waiter(), System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of("server_version", "17.0"));
        pool.acquire(new Waiter(), System.nanoTime());
        pool.acquire(new Waiter(), System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of("server_version", "18.0"));
        assertEquals(Map.of("server_version", "17.0"), pool.welcomeParameters());
    }

    /**
     * PgBouncer (src/objects.c) limits logins to one at a time, not servers to one: when a login finishes and
     * clients are still waiting below pool_size, the next login starts.
     */
    @Test
    void nextLoginStartsWhenOneFinishesAndClientsStillWait() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter first = new Waiter();
        Waiter second = new Waiter();
        pool.acquire(first, System.nanoTime());
        pool.acquire(second, System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of());
        assertEquals(1, first.assigned.size());
        assertEquals(2, launcher.launches.size(), "a second server is launched for the second waiter");
        assertEquals(new PoolCounts(2, 0, 1, 1), pool.counts());
    }

    @Test
    void poolSizeCapsServers() {
        Pool pool = pool(2, LONG_RETRY);
        Waiter a = new Waiter();
        pool.acquire(a, System.nanoTime());
        ServerConnection first = server(pool);
        pool.loginSucceeded(first, Map.of());
        Waiter b = new Waiter();
        pool.acquire(b, System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of());
        Waiter c = new Waiter();
        pool.acquire(c, System.nanoTime());
        assertEquals(2, launcher.launches.size());
        assertTrue(c.waiting());
        assertEquals(new PoolCounts(2, 0, 0, 1), pool.counts());

        pool.closed(a.onlyServer());
        assertEquals(3, launcher.launches.size(), "a closed server makes room for the waiter");
        assertEquals(new PoolCounts(2, 0, 1, 1), pool.counts());
    }

    @Test
    void poolSizeZeroIsUnlimited() {
        Pool pool = pool(0, LONG_RETRY);
        for (int i = 1; i <= 50; i++) {
            Waiter waiter = new Waiter();
            pool.acquire(waiter, System.nanoTime());
            assertEquals(i, launcher.launches.size());
            pool.loginSucceeded(server(pool), Map.of());
            assertEquals(1, waiter.assigned.size());
        }
        assertEquals(new PoolCounts(50, 0, 0, 0), pool.counts());
    }

    @Test
    void checkinWithoutWaitersMakesTheServerIdle() {
        Pool pool = pool(10, LONG_RETRY);
        pool.acquire(new Waiter(), System.nanoTime());
        ServerConnection server = server(pool);
        pool.loginSucceeded(server, Map.of());
        pool.checkin(server, System.nanoTime());
        assertEquals(new PoolCounts(1, 1, 0, 0), pool.counts());
        pool.closed(server);
        assertEquals(new PoolCounts(0, 0, 0, 0), pool.counts());
    }

    @Test
    void cancelledWaiterIsSkipped() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter gone = new Waiter();
        Waiter staying = new Waiter();
        pool.acquire(gone, System.nanoTime());
        pool.acquire(staying, System.nanoTime());
        assertTrue(pool.cancelWait(gone));
        assertFalse(pool.cancelWait(gone));
        ServerConnection server = server(pool);
        pool.loginSucceeded(server, Map.of());
        assertTrue(gone.waiting());
        assertSame(server, staying.onlyServer());
    }

    @Test
    void serverLoginErrorIsRelayedToEveryWaiter() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter first = new Waiter();
        Waiter second = new Waiter();
        pool.acquire(first, System.nanoTime());
        pool.acquire(second, System.nanoTime());
        pool.loginFailed(server(pool), serverError("3D000", "database \"d\" does not exist"),
                "server login failed: FATAL database \"d\" does not exist");
        for (Waiter waiter : List.of(first, second)) {
            assertEquals(List.of(serverError("3D000", "database \"d\" does not exist")), waiter.failures);
        }
        assertEquals(new PoolCounts(0, 0, 0, 0), pool.counts());
        assertTrue(launcher.timers.isEmpty(), "nobody waits: no retry needed");
    }

    @Test
    void relayedErrorRunsOnTheWaitersLoop() {
        Pool pool = pool(10, LONG_RETRY);
        EmbeddedChannel loop = new EmbeddedChannel();
        Waiter waiter = new Waiter(loop.eventLoop());
        pool.acquire(waiter, System.nanoTime());
        pool.loginFailed(server(pool), serverError("28P01", "password authentication failed for user \"u\""), "x");
        assertTrue(waiter.waiting(), "not called from the failing server's thread");
        loop.runPendingTasks();
        assertEquals(1, waiter.failures.size());
        assertEquals("28P01", waiter.failures.get(0).sqlState());
    }

    @Test
    void startingUpIsNotRelayedAndTheLoginIsRetried() {
        Pool pool = pool(10, Duration.ofSeconds(15));
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        pool.loginFailed(server(pool), serverError("57P03", "the database system is starting up"), "x");
        assertTrue(waiter.waiting());
        assertEquals(List.of(Duration.ofSeconds(15)), launcher.delays, "retry after server_login_retry");
        launcher.fireTimers();
        assertEquals(2, launcher.launches.size());
        pool.loginSucceeded(server(pool), Map.of());
        assertEquals(1, waiter.assigned.size());
    }

    /** A login closed on purpose (KILL, PAUSE) frees its slot but caches no error for later clients. */
    @Test
    void abortedLoginIsNotALoginFailure() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        pool.loginAborted(server(pool));
        assertEquals(2, launcher.launches.size(), "the queued client gets a new login at once");
        pool.loginSucceeded(server(pool), Map.of());
        assertEquals(1, waiter.assigned.size());
        Waiter late = new Waiter();
        pool.acquire(late, System.nanoTime());
        assertEquals(1, late.assigned.size() + (late.waiting() ? 1 : 0), "served or queued, never failed fast");
        assertTrue(late.failures.isEmpty());
    }

    /** PgBouncer 1.22's wider fast-fail: clients already queued fail too once the pool has no server. */
    @Test
    void networkFailureFailsQueuedClientsWithTheCachedReason() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        pool.loginFailed(server(pool), null, "connect failed");
        assertEquals("server login has been failing, cached error: connect failed (server_login_retry)",
                waiter.onlyFailure().message());
        assertEquals(new PoolCounts(0, 0, 0, 0), pool.counts());
        assertEquals(0, launcher.timers.size(), "no retry timer without waiting clients");
    }

    /**
     * A replication client's server: the target's StartupMessage with the client's parameters, counted in pool_size
     * and logged in one at a time like any other (PgBouncer's src/objects.c, launch_new_connection).
     */
    @Test
    void dedicatedServerCarriesTheClientsParametersAndTakesASlot() {
        Pool pool = pool(1, LONG_RETRY);
        Waiter logical = new Waiter();
        Waiter physical = new Waiter();
        pool.acquireDedicated(logical, ReplicationMode.LOGICAL, Map.of("application_name", "sub"));
        pool.acquireDedicated(physical, ReplicationMode.PHYSICAL, Map.of());

        assertEquals(List.of(Map.of("user", "u", "database", "d", "application_name", "sub", "replication",
                "database")), launcher.dedicated, "one login at a time");
        assertEquals(new PoolCounts(1, 0, 1, 1), pool.counts());
        ServerConnection first = dedicatedServer(pool, logical);
        pool.loginSucceeded(first, Map.of());
        assertSame(first, logical.onlyServer());
        assertEquals(1, launcher.dedicated.size(), "pool_size 1 is taken by the first stream");
        assertTrue(physical.waiting());

        pool.closed(first);
        assertEquals(Map.of("user", "u", "database", "d", "replication", "true"), launcher.dedicated.get(1));
        assertTrue(launcher.launches.isEmpty(), "no pooled server launched");
    }

    /** A full pool closes its longest idle server so a replication client gets room (PgBouncer: "evicted"). */
    @Test
    void aReplicationClientEvictsAnIdleServerOfAFullPool() {
        Pool pool = pool(1, LONG_RETRY);
        pool.acquire(new Waiter(), System.nanoTime());
        ServerConnection pooled = server(pool);
        pool.loginSucceeded(pooled, Map.of());
        pool.checkin(pooled, System.nanoTime());
        assertEquals(new PoolCounts(1, 1, 0, 0), pool.counts());

        pool.acquireDedicated(new Waiter(), ReplicationMode.LOGICAL, Map.of());

        assertEquals(1, launcher.dedicated.size(), "launched once the evicted server was gone");
        assertEquals(0, pool.counts().idle(), "the idle server was closed");
    }

    /** max_db_connections counts replication servers too: a stream holding the last slot keeps others waiting. */
    @Test
    void aReplicationServerCountsAgainstMaxDbConnections() {
        ConnectionCap database = new ConnectionCap(1);
        Pool pool = new Pool(new PoolKey("d", "u"), settings(10, 0, Duration.ZERO, false, LONG_RETRY, false),
                ServerTarget.single(InetSocketAddress.createUnresolved("db", 5432), "u", null,
                        Map.of("user", "u", "database", "d")), launcher,
                new PoolShared(database, new ConnectionCap(0), new DatabaseState(), new PoolerState(),
                        DatabaseEvents.NONE));
        Waiter stream = new Waiter();
        pool.acquireDedicated(stream, ReplicationMode.PHYSICAL, Map.of());
        ServerConnection walsender = dedicatedServer(pool, stream);
        pool.loginSucceeded(walsender, Map.of());

        Waiter client = new Waiter();
        pool.acquire(client, System.nanoTime());
        assertTrue(launcher.launches.isEmpty(), "max_db_connections = 1 is taken by the stream");
        assertTrue(pool.maintain(System.nanoTime()), "the janitor looks for a server to evict elsewhere");

        pool.closed(walsender);
        assertEquals(1, launcher.launches.size(), "the slot the stream freed goes to the waiting client");
        assertTrue(client.waiting());
    }

    /** prefer-standby: a pass over the list that found no standby is followed by one that takes any server. */
    @Test
    void preferStandbyTakesAnyServerOnItsSecondPass() {
        ServerTarget both = hosts(false, "a", "b");
        Pool pool = pool(10, LONG_RETRY, new ServerTarget(both.addresses(), false, "u", null,
                both.startupParameters(), null, TargetSessionAttrs.PREFER_STANDBY));
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        assertEquals(TargetSessionAttrs.PREFER_STANDBY, pool.loginSessionAttrs());

        pool.loginFailed(server(pool), null, "server does not fit target_session_attrs = prefer-standby");
        pool.loginFailed(server(pool), null, "server does not fit target_session_attrs = prefer-standby");

        assertEquals(TargetSessionAttrs.ANY, pool.loginSessionAttrs(), "the second pass takes any server");
        assertTrue(waiter.failures.isEmpty(), "nothing reported after the first pass");
        pool.loginFailed(server(pool), null, "connect failed");
        pool.loginFailed(server(pool), null, "connect failed");
        assertEquals(TargetSessionAttrs.PREFER_STANDBY, pool.loginSessionAttrs(), "the next login starts afresh");
        assertEquals(1, waiter.failures.size(), "both passes failed: reported");
    }

    private static ServerTarget hosts(boolean roundRobin, String... names) {
        List<SocketAddress> addresses = new ArrayList<>();
        for (String name : names) {
            addresses.add(InetSocketAddress.createUnresolved(name, 5432));
        }
        return new ServerTarget(addresses, roundRobin, "u", null, Map.of("user", "u", "database", "d"), null,
                TargetSessionAttrs.ANY);
    }

    /** load_balance_hosts = disable: one host until a connection to it fails, then the next, at once. */
    @Test
    void failingHostOfAListIsSkippedAndTheNextTriedAtOnce() {
        Pool pool = pool(10, LONG_RETRY, hosts(false, "a", "b", "c"));
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        assertEquals("a", ((InetSocketAddress) pool.nextAddress()).getHostString());
        assertEquals("a", ((InetSocketAddress) pool.nextAddress()).getHostString(), "disable stays on its host");

        pool.loginFailed(server(pool), null, "connect failed");

        assertTrue(waiter.waiting(), "one failing host of three is skipped, not reported");
        assertEquals(2, launcher.launches.size(), "the next host is tried at once");
        assertEquals(0, launcher.timers.size(), "no server_login_retry back-off for a skipped host");
        assertEquals("b", ((InetSocketAddress) pool.nextAddress()).getHostString());
    }

    @Test
    void wholeHostListFailingInARowFailsFastAndTheRetryTriesItAgain() {
        // A server_login_retry that is over at once: the next client starts the next round of the list.
        Pool pool = pool(10, Duration.ofNanos(1), hosts(true, "a", "b"));
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        pool.loginFailed(server(pool), null, "connect failed");
        assertTrue(waiter.waiting());

        pool.loginFailed(server(pool), null, "connect failed");

        assertEquals("server login has been failing, cached error: connect failed (server_login_retry)",
                waiter.onlyFailure().message());
        Waiter later = new Waiter();
        pool.acquire(later, System.nanoTime());
        pool.loginFailed(server(pool), null, "connect failed");
        assertTrue(later.waiting(), "after the retry, one failing host is skipped again");
    }

    @Test
    void roundRobinMovesOnWithEveryConnection() {
        Pool pool = pool(10, LONG_RETRY, hosts(true, "a", "b"));
        assertEquals(List.of("a", "b", "a"), List.of(pool.nextAddress(), pool.nextAddress(), pool.nextAddress())
                .stream().map(address -> ((InetSocketAddress) address).getHostString()).toList());
    }

    /** RECONNECT marks the servers opened before it close_needed (SHOW SERVERS, WAIT_CLOSE), not those opened after. */
    @Test
    void reconnectRetiresOnlyTheServersOpenedBeforeIt() {
        Pool pool = pool(10, LONG_RETRY);
        ServerConnection before = server(pool);
        pool.track(before);
        pool.reconnect();
        ServerConnection after = server(pool);
        pool.track(after);

        assertTrue(pool.closeNeeded(before));
        assertFalse(pool.closeNeeded(after));
        assertEquals(1, pool.closeNeededServers());
    }

    /** A reload that changes the target forgets the old target's cached failure. */
    @Test
    void newTargetClearsTheCachedLoginFailure() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter failed = new Waiter();
        pool.acquire(failed, System.nanoTime());
        pool.loginFailed(server(pool), null, "connect failed");
        assertEquals(1, failed.failures.size());

        pool.updateTarget(hosts(true, "fixed"));
        Waiter next = new Waiter();
        pool.acquire(next, System.nanoTime());

        assertTrue(next.waiting(), "no fast-fail from the old target's cached error");
        assertEquals(2, launcher.launches.size(), "a login is started for the new target at once");
    }

    private Pool holdingPool() {
        return pool(10, Duration.ofSeconds(15), ServerTarget.single(InetSocketAddress.createUnresolved("db", 5432),
                "u", null, Map.of("user", "u", "database", "d")), true);
    }

    /** hold_on_server_restart: an unreachable server keeps queued and new clients waiting, retried every 500 ms. */
    @Test
    void holdKeepsClientsQueuedWhileTheServerIsUnreachable() {
        Pool pool = holdingPool();
        Waiter queued = new Waiter();
        pool.acquire(queued, System.nanoTime());

        pool.loginFailed(server(pool), null, "connect failed");
        Waiter arriving = new Waiter();
        pool.acquire(arriving, System.nanoTime());

        assertTrue(queued.waiting(), "held, not failed fast");
        assertTrue(arriving.waiting(), "a client arriving meanwhile queues too");
        assertEquals(List.of(Pool.HOLD_RETRY), launcher.delays, "retried sooner than server_login_retry");
        launcher.fireTimers();
        assertEquals(2, launcher.launches.size(), "the retry logs in again for the held clients");
        pool.loginSucceeded(server(pool), Map.of());
        assertEquals(1, queued.assigned.size(), "served once PostgreSQL is back");
    }

    @Test
    void holdStillRelaysWhatPostgresRefuses() {
        Pool pool = holdingPool();
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());

        pool.loginFailed(server(pool), serverError("28P01", "password authentication failed for user \"u\""), "x");

        assertEquals("28P01", waiter.onlyFailure().sqlState(), "a refusal is not a restart: no hold");
    }

    @Test
    void queuedClientsKeepWaitingWhileAnotherServerIsUp() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter first = new Waiter();
        pool.acquire(first, System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of());
        Waiter second = new Waiter();
        pool.acquire(second, System.nanoTime());
        pool.loginFailed(server(pool), null, "connect failed");
        assertTrue(second.waiting(), "the pool still has a server: no fast-fail");
        assertEquals(1, launcher.timers.size(), "the retry is scheduled for the waiting client");
    }

    @Test
    void loginErrorIsNotRelayedWhileThePoolHasOtherServers() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter holder = new Waiter();
        pool.acquire(holder, System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of());
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        assertEquals(2, launcher.launches.size());
        pool.loginFailed(server(pool), serverError("53300", "sorry, too many clients already"), "x");
        assertTrue(waiter.waiting(), "a server may come back to the pool");
        pool.checkin(holder.onlyServer(), System.nanoTime());
        assertSame(holder.assigned.get(0), waiter.onlyServer());
    }

    @Test
    void failsFastWithTheCachedServerError() {
        Pool pool = pool(10, LONG_RETRY);
        pool.acquire(new Waiter(), System.nanoTime());
        pool.loginFailed(server(pool), serverError("28P01", "password authentication failed for user \"u\""), "x");
        Waiter late = new Waiter();
        pool.acquire(late, System.nanoTime());
        assertEquals(List.of(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                "server login has been failing, cached error: password authentication failed for user \"u\""
                        + " (server_login_retry)")), late.failures);
        assertEquals(1, launcher.launches.size(), "no login within server_login_retry");
    }

    @Test
    void failsFastWithTheCachedNetworkReason() {
        Pool pool = pool(10, LONG_RETRY);
        pool.acquire(new Waiter(), System.nanoTime());
        pool.loginFailed(server(pool), null, "connect failed");
        Waiter late = new Waiter();
        pool.acquire(late, System.nanoTime());
        assertEquals(List.of(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                "server login has been failing, cached error: connect failed (server_login_retry)")), late.failures);
    }

    @Test
    void noFailFastOnceServerLoginRetryHasPassed() {
        Pool pool = pool(10, Duration.ZERO);
        pool.acquire(new Waiter(), System.nanoTime());
        pool.loginFailed(server(pool), serverError("28P01", "password authentication failed"), "x");
        Waiter late = new Waiter();
        pool.acquire(late, System.nanoTime());
        assertTrue(late.waiting());
        assertEquals(2, launcher.launches.size());
    }

    @Test
    void successfulLoginClearsTheFailure() {
        Pool pool = pool(10, LONG_RETRY);
        Waiter keeper = new Waiter();
        pool.acquire(keeper, System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of());
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        pool.loginFailed(server(pool), null, "connect failed");
        launcher.fireTimers();
        pool.closed(keeper.onlyServer());
        ServerConnection server = server(pool);
        pool.loginSucceeded(server, Map.of());
        pool.closed(waiter.onlyServer());
        Waiter late = new Waiter();
        pool.acquire(late, System.nanoTime());
        assertTrue(late.waiting(), "no cached error after a success");
        assertEquals(4, launcher.launches.size(), "keeper, waiter, retry, late client");
    }

    @Test
    void idleServerOnTheWaitersOwnLoopIsPreferred() {
        Pool pool = pool(10, LONG_RETRY);
        ServerConnection other = server(pool);
        ServerConnection own = server(pool);
        loginAndCheckIn(pool, own, other); // LIFO: "other" is now first in the idle list
        assertNotSame(own.executor(), other.executor());

        Waiter waiter = new Waiter(own.executor());
        pool.acquire(waiter, System.nanoTime());
        assertSame(own, waiter.onlyServer());
        Waiter anyLoop = new Waiter();
        pool.acquire(anyLoop, System.nanoTime());
        assertSame(other, anyLoop.onlyServer());
    }

    @Test
    void returnedServerPrefersAWaiterOnItsLoopButPassesTheFirstAtMostTwice() {
        Pool pool = pool(1, LONG_RETRY);
        ServerConnection server = server(pool);
        EventExecutor otherLoop = new EmbeddedChannel().eventLoop();
        List<String> served = new ArrayList<>();
        List<String> names = List.of("other1", "own1", "own2", "own3", "other2");
        for (String name : names) {
            EventExecutor loop = name.startsWith("own") ? server.executor() : otherLoop;
            pool.acquire(new Waiter(loop) {
                @Override
                public void assign(ServerConnection assigned, long now) {
                    served.add(name);
                }
            }, System.nanoTime());
        }
        pool.loginSucceeded(server, Map.of());
        for (int i = 1; i < names.size(); i++) {
            pool.checkin(server, System.nanoTime());
        }
        assertEquals(List.of("own1", "own2", "other1", "own3", "other2"), served);
    }

    @Test
    void clientWithNoIdleServerOnItsLoopTakesAnotherLoopsServerRatherThanWait() {
        Pool pool = pool(1, LONG_RETRY);
        pool.acquire(new Waiter(), System.nanoTime());
        ServerConnection server = server(pool);
        pool.loginSucceeded(server, Map.of());
        pool.checkin(server, System.nanoTime());
        Waiter elsewhere = new Waiter(new EmbeddedChannel().eventLoop());
        assertNotSame(server.executor(), elsewhere.executor());
        pool.acquire(elsewhere, System.nanoTime());
        assertSame(server, elsewhere.onlyServer(), "a client never waits while a server is idle");
        assertEquals(new PoolCounts(1, 0, 0, 0), pool.counts());
        assertEquals(1, launcher.launches.size(), "pool_size stays exact: no second server for the other loop");
    }

    @Test
    void roundRobinHandsOutTheServerIdleLongestEvenOnAnotherLoop() {
        Pool pool = pool(10, LONG_RETRY);
        pool.updateSettings(settings(10, 0, Duration.ZERO, true, LONG_RETRY, false));
        ServerConnection first = server(pool);
        ServerConnection second = server(pool);
        loginAndCheckIn(pool, first, second);
        Waiter onSecondsLoop = new Waiter(second.executor());
        pool.acquire(onSecondsLoop, System.nanoTime());
        assertSame(first, onSecondsLoop.onlyServer(), "server_round_robin: the least recently used server");
    }

    @Test
    void reserveLoginStartsOnTheFirstWaitersLoop() {
        Pool pool = pool(1, LONG_RETRY);
        pool.updateSettings(settings(1, 1, Duration.ofSeconds(1), false, LONG_RETRY, false));
        pool.acquire(new Waiter(), System.nanoTime());
        pool.loginSucceeded(server(pool), Map.of());
        EventExecutor loop = new EmbeddedChannel().eventLoop();
        long[] waitStart = {System.nanoTime()}; // queued just now: no reserve yet
        pool.acquire(new Waiter(loop) {
            @Override
            public long waitStartNanos() {
                return waitStart[0];
            }
        }, System.nanoTime());
        assertEquals(1, launcher.launches.size(), "no reserve login before reserve_pool_timeout");
        waitStart[0] = System.nanoTime() - Duration.ofDays(1).toNanos(); // it has now waited long enough
        launcher.launches.clear();
        pool.maintain(System.nanoTime());
        assertEquals(List.of(loop), launcher.launches, "the reserve server opens where its client runs");
        assertEquals(new PoolCounts(2, 0, 1, 1), pool.counts());
    }

    @Test
    void idleListIsLifo() {
        Pool pool = pool(10, LONG_RETRY);
        ServerConnection first = server(pool);
        ServerConnection second = server(pool);
        loginAndCheckIn(pool, first, second);
        Waiter waiter = new Waiter();
        pool.acquire(waiter, System.nanoTime());
        assertSame(second, waiter.onlyServer(), "the most recently used server is reused first");
    }
}
