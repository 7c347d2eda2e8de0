package io.jbouncer.core.peer;

import io.jbouncer.admin.view.PeerPoolRow;
import io.jbouncer.core.Log;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.PeerDef;
import io.jbouncer.protocol.message.BackendKeyData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Peering (PgBouncer 1.19+, {@code [peers]} and {@code peer_id}): cancel requests that quote another instance's key
 * are sent on to that instance. Several jbouncer (or PgBouncer) processes behind one port ({@code so_reuseport}) or
 * one load balancer each issue keys carrying their own {@code peer_id} (see {@link CancelKeyLayout}); a cancel
 * request lands on any of them, and the one that gets it forwards it to the key's owner with its TTL lowered by one,
 * so a misconfigured ring cannot loop a request for ever.
 *
 * <p>A peer's pool is made on its first forward (SHOW PEER_POOLS lists only those, as PgBouncer) and dropped when a
 * reload removes or changes the peer. Thread-safe.
 */
public final class PeerPools {
    private final CancelSender sender;
    private final LongSupplier nanoClock;
    private final Map<Integer, PeerPool> pools = new ConcurrentHashMap<>();
    private volatile Config config;

    public PeerPools(Config config, CancelSender sender, LongSupplier nanoClock) {
        this.config = config;
        this.sender = sender;
        this.nanoClock = nanoClock;
    }

    /**
     * Forwards a cancel request quoting another peer's key to that peer, with its TTL lowered by one; one whose TTL
     * is spent, or whose peer is not configured, is dropped (PgBouncer's rules). With peering off every key counts
     * as this process's own. {@code over} runs once the forward is over (the peer closed the connection, it failed
     * or was cut) or the request was dropped; not at all when this returns {@code false}.
     *
     * @return {@code true} when the request was for another peer and has been dealt with here; {@code false} when it
     *         is for this process (look it up as {@link #ownKey})
     */
    public boolean forwardIfForeign(BackendKeyData key, Runnable over) {
        Config current = config;
        int own = current.peerId();
        if (own <= 0) {
            return false;
        }
        int owner = CancelKeyLayout.peerId(key);
        if (owner == own) {
            return false;
        }
        int ttl = CancelKeyLayout.ttl(key);
        if (ttl == 0) {
            Log.debug("failed to forward cancel request because its TTL was exhausted");
            over.run();
            return true;
        }
        PeerDef peer = current.peers().get(owner);
        if (peer == null) {
            Log.debug("could not find peer %d to forward cancel request to", owner);
            over.run();
            return true;
        }
        pools.computeIfAbsent(owner, id -> newPool(peer, current)).forward(CancelKeyLayout.withTtl(key, ttl - 1),
                over);
        return true;
    }

    /**
     * The key as this process stored it: with peering on, keys are issued with both TTL bits set, and a request
     * forwarded here by a peer had them lowered on the way.
     */
    public BackendKeyData ownKey(BackendKeyData key) {
        return config.peerId() > 0 ? CancelKeyLayout.withTtl(key, CancelKeyLayout.TTL_MASK) : key;
    }

    /** A reload: pools of removed or changed peers are dropped (their queued requests with them). */
    public void reconfigure(Config newConfig) {
        config = newConfig;
        long waitLimit = newConfig.cancelWaitTimeout().toNanos();
        pools.entrySet().removeIf(entry -> {
            PeerPool pool = entry.getValue();
            PeerDef now = newConfig.peers().get(entry.getKey());
            if (now != null && now.equals(pool.peer()) && effectivePoolSize(now, newConfig) == pool.limit()) {
                pool.waitLimit(waitLimit);
                return false;
            }
            pool.drop();
            return true;
        });
    }

    /** SHOW PEER_POOLS: one row per peer with a pool, by peer id. */
    public List<PeerPoolRow> rows() {
        List<PeerPoolRow> rows = new ArrayList<>();
        pools.values().forEach(pool -> rows.add(pool.row()));
        rows.sort((a, b) -> Integer.compare(a.peerId(), b.peerId()));
        return rows;
    }

    /** A peer's {@code pool_size}, else {@code default_pool_size}; 0 means no limit. */
    public static int effectivePoolSize(PeerDef peer, Config config) {
        return peer.poolSize() >= 0 ? peer.poolSize() : config.defaultPoolSize();
    }

    private PeerPool newPool(PeerDef peer, Config current) {
        return new PeerPool(peer, effectivePoolSize(peer, current), current.cancelWaitTimeout().toNanos(), sender,
                nanoClock);
    }
}
