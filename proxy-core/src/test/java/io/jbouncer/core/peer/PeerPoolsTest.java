package io.jbouncer.core.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.admin.view.PeerPoolRow;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.protocol.message.BackendKeyData;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing and limits of cancel forwards to peers, with a recording sender and a clock the test moves. */
class PeerPoolsTest {
    /** One send the pools asked for; the test decides when it connects and ends. */
    private record Sent(SocketAddress address, BackendKeyData key, Runnable connected, Runnable done) {
    }

    @TempDir
    Path dir;
    private final List<Sent> sent = new ArrayList<>();
    private long now;
    /** How many requests the pools said were over (forwarded and closed, or dropped). */
    private int over;

    private void over() {
        over++;
    }
    private final Random random = new Random(1);

    private Config config(String peers, String extra) throws Exception {
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, "[pgbouncer]\npeer_id = 1\n" + extra + "\n[peers]\n" + peers + "\n");
        return ConfigLoader.load(ini);
    }

    private PeerPools pools(Config config) {
        return new PeerPools(config, (address, key, connected, done) -> sent.add(new Sent(address, key, connected,
                done)), () -> now);
    }

    @Test
    void ownKeyIsLookedUpWithFullTtlAndForeignKeyIsForwardedWithTtlLowered() throws Exception {
        PeerPools pools = pools(config("1 = host=127.0.0.1 port=6001\n2 = host=127.0.0.2 port=6002", ""));
        BackendKeyData own = CancelKeyLayout.withTtl(CancelKeyLayout.issue(random, false, 1), 1);
        assertFalse(pools.forwardIfForeign(own, this::over));
        assertEquals(3, CancelKeyLayout.ttl(pools.ownKey(own)));
        assertTrue(sent.isEmpty());

        BackendKeyData foreign = CancelKeyLayout.issue(random, true, 2);
        assertTrue(pools.forwardIfForeign(foreign, this::over));
        assertEquals(1, sent.size());
        assertEquals(InetSocketAddress.createUnresolved("127.0.0.2", 6002), sent.get(0).address());
        assertEquals(CancelKeyLayout.withTtl(foreign, 2), sent.get(0).key());
    }

    @Test
    void spentTtlAndUnknownPeerAreDropped() throws Exception {
        PeerPools pools = pools(config("2 = host=127.0.0.2", ""));
        BackendKeyData spent = CancelKeyLayout.withTtl(CancelKeyLayout.issue(random, false, 2), 0);
        assertTrue(pools.forwardIfForeign(spent, this::over));
        assertTrue(pools.forwardIfForeign(CancelKeyLayout.issue(random, false, 3), this::over));
        assertTrue(sent.isEmpty());
        assertEquals(2, over, "a dropped request is over at once: its connection is closed");
        assertEquals(List.of(), pools.rows(), "no forward, no peer pool");
    }

    @Test
    void withPeeringOffEveryKeyIsOurs() throws Exception {
        Path ini = dir.resolve("off.ini");
        Files.writeString(ini, "[pgbouncer]\n[peers]\n2 = host=127.0.0.2\n");
        PeerPools pools = pools(ConfigLoader.load(ini));
        BackendKeyData key = CancelKeyLayout.issue(random, false, 2);
        assertFalse(pools.forwardIfForeign(key, this::over));
        assertEquals(key, pools.ownKey(key));
    }

    /** pool_size = concurrent forwards; the rest wait in order, and one that waited past cancel_wait_timeout goes. */
    @Test
    void poolSizeLimitsForwardsAndQueuedOnesExpire() throws Exception {
        PeerPools pools = pools(config("2 = host=/tmp/peer2 port=6002 pool_size=1", "cancel_wait_timeout = 10"));
        BackendKeyData first = CancelKeyLayout.issue(random, false, 2);
        BackendKeyData stale = CancelKeyLayout.issue(random, false, 2);
        pools.forwardIfForeign(first, this::over);
        pools.forwardIfForeign(stale, this::over);
        assertEquals(1, sent.size());
        assertEquals("/tmp/peer2/.s.PGSQL.6002", sent.get(0).address().toString().replace("DomainSocketAddress", "")
                .replaceAll("[^/A-Za-z0-9.]", ""));
        assertEquals(List.of(new PeerPoolRow(2, 0, 2, 0, 1)), pools.rows());
        sent.get(0).connected().run();
        assertEquals(List.of(new PeerPoolRow(2, 1, 1, 1, 0)), pools.rows());

        now += TimeUnit.SECONDS.toNanos(11);
        BackendKeyData fresh = CancelKeyLayout.issue(random, false, 2);
        pools.forwardIfForeign(fresh, this::over);
        assertEquals(0, over);
        sent.get(0).done().run();
        assertEquals(2, sent.size(), "the fresh request goes out, the stale one is dropped");
        assertEquals(2, over, "the first one ended, the stale one was dropped");
        assertEquals(CancelKeyLayout.withTtl(fresh, 2), sent.get(1).key());
        sent.get(1).done().run(); // never connected
        assertEquals(List.of(new PeerPoolRow(2, 0, 0, 0, 0)), pools.rows());
        assertEquals(3, over);
    }

    @Test
    void reloadDropsRemovedPeersAndShowsEffectivePoolSize() throws Exception {
        Config before = config("2 = host=127.0.0.2\n3 = host=127.0.0.3 pool_size=4", "default_pool_size = 7");
        assertEquals(7, PeerPools.effectivePoolSize(before.peers().get(2), before));
        assertEquals(4, PeerPools.effectivePoolSize(before.peers().get(3), before));
        PeerPools pools = pools(before);
        pools.forwardIfForeign(CancelKeyLayout.issue(random, false, 2), this::over);
        pools.forwardIfForeign(CancelKeyLayout.issue(random, false, 3), this::over);
        assertEquals(2, pools.rows().size());

        pools.reconfigure(config("3 = host=127.0.0.3 pool_size=4", "default_pool_size = 7"));
        assertEquals(List.of(3), pools.rows().stream().map(PeerPoolRow::peerId).toList());
        assertTrue(pools.forwardIfForeign(CancelKeyLayout.issue(random, false, 2), this::over));
        assertEquals(2, sent.size(), "a removed peer gets nothing more");
        assertEquals(1, over, "and the request for it is over at once");
    }

    /** A reload that removes a peer drops the requests queued for it, and their connections are closed. */
    @Test
    void queuedRequestsOfARemovedPeerAreOver() throws Exception {
        PeerPools pools = pools(config("2 = host=127.0.0.2 pool_size=1", ""));
        pools.forwardIfForeign(CancelKeyLayout.issue(random, false, 2), this::over);
        pools.forwardIfForeign(CancelKeyLayout.issue(random, false, 2), this::over);
        assertEquals(1, sent.size());

        pools.reconfigure(config("3 = host=127.0.0.3", ""));

        assertEquals(1, over, "the queued one is dropped");
        sent.get(0).done().run();
        assertEquals(2, over, "the one in flight ends on its own");
        assertEquals(1, sent.size());
    }
}
