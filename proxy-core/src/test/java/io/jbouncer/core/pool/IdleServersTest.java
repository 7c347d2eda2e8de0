package io.jbouncer.core.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.config.PoolMode;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.server.ServerCredentials;
import io.jbouncer.core.stats.DatabaseEvents;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.local.LocalChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-loop idle lists and their hand-out rule (docs/architecture.md, 3.1). */
class IdleServersTest {
    private final EventLoop loopA = new DefaultEventLoop();
    private final EventLoop loopB = new DefaultEventLoop();
    private final Pool pool = new Pool(new PoolKey("d", "u"), PoolSettings.of(PoolMode.TRANSACTION, 10, 0,
            Duration.ZERO, 0, "DISCARD ALL", false, false, Duration.ofHours(1), Duration.ofMinutes(10),
            Duration.ofHours(1), Duration.ofSeconds(15), false, Duration.ofSeconds(30), "", Duration.ofSeconds(120),
            false, false),
            ServerTarget.single(InetSocketAddress.createUnresolved("db", 5432), "u", null, Map.of("user", "u")),
            null, new PoolShared(new ConnectionCap(0), new ConnectionCap(0), new DatabaseState(), new PoolerState(),
                    DatabaseEvents.NONE));
    private final IdleServers idle = new IdleServers();
    /** Check-in times: strictly increasing, as {@code System.nanoTime} under the pool's lock gives them. */
    private long clock = 1_000;

    @AfterEach
    void stopLoops() {
        loopA.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        loopB.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    /** A server whose channel is registered on {@code loop} (no socket: nothing is ever sent). */
    private ServerConnection serverOn(EventLoop loop) {
        ServerConnection server = new ServerConnection(pool, pool.nextAddress(), new ServerCredentials("u", null, null),
                Map.of("user", "u"), 1 << 20);
        LocalChannel channel = new LocalChannel();
        loop.register(channel).syncUninterruptibly();
        channel.pipeline().addLast(server);
        loop.submit(() -> { }).syncUninterruptibly(); // handlerAdded has run on the loop
        assertSame(loop, server.executor());
        return server;
    }

    /** Checks the servers in in this order, each later than the one before: the last is the newest idle. */
    private void checkIn(ServerConnection... servers) {
        for (ServerConnection server : servers) {
            checkInAt(clock += 10, server);
        }
    }

    private void checkInAt(long idleSince, ServerConnection server) {
        server.markIdle(idleSince);
        idle.add(server);
    }

    @Test
    void lifoTakesTheNewestServerOfTheClientsOwnLoop() {
        ServerConnection a1 = serverOn(loopA);
        ServerConnection a2 = serverOn(loopA);
        ServerConnection b1 = serverOn(loopB);
        checkIn(a1, a2, b1); // b1 newest in the pool, but on the other loop
        assertSame(a2, idle.take(loopA, false));
        assertSame(a1, idle.take(loopA, false));
        assertEquals(1, idle.size());
    }

    @Test
    void lifoFallsBackToTheNewestServerOfAnotherLoop() {
        EventLoop loopC = new DefaultEventLoop();
        try {
            ServerConnection b1 = serverOn(loopB);
            ServerConnection c1 = serverOn(loopC);
            ServerConnection b2 = serverOn(loopB);
            checkIn(b1, c1, b2);
            assertSame(b2, idle.take(loopA, false), "no server on A: the newest anywhere");
            assertSame(c1, idle.take(loopA, false));
            assertSame(b1, idle.take(loopA, false));
            assertNull(idle.take(loopA, false));
            assertTrue(idle.isEmpty());
        } finally {
            loopC.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void roundRobinTakesTheServerIdleLongestWhateverItsLoop() {
        ServerConnection b1 = serverOn(loopB);
        ServerConnection a1 = serverOn(loopA);
        ServerConnection a2 = serverOn(loopA);
        checkIn(b1, a1, a2);
        assertSame(b1, idle.take(loopA, true), "round robin spreads the load over every server of the pool");
        assertSame(a1, idle.take(loopA, true));
        assertSame(a2, idle.take(loopB, true));
    }

    @Test
    void roundRobinPrefersTheOwnLoopOnATie() {
        ServerConnection a1 = serverOn(loopA);
        ServerConnection b1 = serverOn(loopB);
        checkInAt(500, a1);
        checkInAt(500, b1);
        assertSame(b1, idle.take(loopB, true));
    }

    @Test
    void aReloadFlippingTheOrderNeedsNoReordering() {
        ServerConnection a1 = serverOn(loopA);
        ServerConnection a2 = serverOn(loopA);
        ServerConnection a3 = serverOn(loopA);
        checkIn(a1, a2, a3);
        assertSame(a3, idle.take(loopA, false));
        assertSame(a1, idle.take(loopA, true));
        assertSame(a2, idle.take(loopA, false));
    }

    @Test
    void removeAndEvictionKeepTheCountExact() {
        ServerConnection a1 = serverOn(loopA);
        ServerConnection b1 = serverOn(loopB);
        ServerConnection a2 = serverOn(loopA);
        checkIn(a1, b1, a2);
        assertEquals(List.of(a1, b1, a2), idle.longestIdleFirst(), "the janitor's order: idle longest first");
        assertTrue(idle.remove(b1));
        assertFalse(idle.remove(b1), "removing twice must not count twice");
        assertEquals(2, idle.size());
        assertSame(a1, idle.pollLongestIdle());
        assertEquals(1, idle.size());
        checkIn(b1);
        assertEquals(Set.of(a2, b1), Set.copyOf(idle.clear()));
        assertEquals(0, idle.size());
        assertNull(idle.pollLongestIdle());
        assertNull(idle.take(loopB, false));
    }
}
