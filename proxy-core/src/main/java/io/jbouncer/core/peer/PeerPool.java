package io.jbouncer.core.peer;

import io.jbouncer.admin.view.PeerPoolRow;
import io.jbouncer.core.Log;
import io.jbouncer.core.config.PeerDef;
import io.jbouncer.protocol.message.BackendKeyData;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The cancel requests forwarded to one {@code [peers]} entry: at most {@code pool_size} connections to the peer at a
 * time (0: no limit), the rest queued in arrival order. A queued request that waited longer than
 * {@code cancel_wait_timeout} is dropped instead of sent, as PgBouncer drops cancels that waited too long; the query
 * it meant has likely ended by then. Thread-safe: requests arrive on any client loop, connections end on any loop.
 */
final class PeerPool {
    private record Waiting(BackendKeyData key, Runnable over, long sinceNanos) {
    }

    private final PeerDef peer;
    private final SocketAddress address;
    private final int limit;
    private final CancelSender sender;
    private final LongSupplier nanoClock;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private int connecting;
    private int sent;
    private long waitLimitNanos;

    /**
     * @param limit the effective {@code pool_size}: concurrent forwards, 0 for no limit
     * @param waitLimitNanos {@code cancel_wait_timeout} for queued requests, 0 for none
     */
    PeerPool(PeerDef peer, int limit, long waitLimitNanos, CancelSender sender, LongSupplier nanoClock) {
        this.peer = peer;
        this.address = peer.host().startsWith("/")
                ? new DomainSocketAddress(peer.host() + "/.s.PGSQL." + peer.port())
                : InetSocketAddress.createUnresolved(peer.host(), peer.port());
        this.limit = limit;
        this.waitLimitNanos = waitLimitNanos;
        this.sender = sender;
        this.nanoClock = nanoClock;
    }

    PeerDef peer() {
        return peer;
    }

    int limit() {
        return limit;
    }

    /** A reload changed {@code cancel_wait_timeout}. */
    synchronized void waitLimit(long nanos) {
        waitLimitNanos = nanos;
    }

    /**
     * Forwards {@code key} now, or queues it while {@code pool_size} forwards are in flight; {@code over} runs once
     * its forward is over, or it is dropped.
     */
    void forward(BackendKeyData key, Runnable over) {
        synchronized (this) {
            if (limit > 0 && connecting + sent >= limit) {
                waiting.add(new Waiting(key, over, nanoClock.getAsLong()));
                return;
            }
            connecting++;
        }
        launch(new Waiting(key, over, 0));
    }

    /** The peer left the configuration: queued requests are dropped; those in flight finish on their own. */
    void drop() {
        List<Waiting> dropped;
        synchronized (this) {
            dropped = List.copyOf(waiting);
            waiting.clear();
        }
        if (!dropped.isEmpty()) {
            Log.debug("peer %d removed, dropping %d queued cancel requests", peer.id(), dropped.size());
            dropped.forEach(request -> request.over().run());
        }
    }

    synchronized PeerPoolRow row() {
        return new PeerPoolRow(peer.id(), sent, waiting.size() + connecting, sent, connecting);
    }

    private void launch(Waiting request) {
        Log.debug("forwarding cancel request to peer %d", peer.id());
        Forward forward = new Forward(request.over());
        sender.send(address, request.key(), forward::connected, forward::finished);
    }

    /** One connection to the peer; whether its request was written decides which count it leaves. */
    private final class Forward {
        private final Runnable requestOver;
        private boolean written; // guarded by the pool
        private boolean ended; // guarded by the pool

        Forward(Runnable requestOver) {
            this.requestOver = requestOver;
        }

        void connected() {
            synchronized (PeerPool.this) {
                if (ended) {
                    return; // a failed write may be reported after the close
                }
                written = true;
                connecting--;
                sent++;
            }
        }

        /** The connection ended (the peer closed it, or it failed): the next queued request goes out. */
        void finished() {
            requestOver.run();
            Waiting next;
            List<Waiting> stale = new ArrayList<>();
            synchronized (PeerPool.this) {
                ended = true;
                if (written) {
                    sent--;
                } else {
                    connecting--;
                }
                next = nextFresh(stale);
                if (next != null) {
                    connecting++;
                }
            }
            stale.forEach(request -> request.over().run());
            if (next != null) {
                launch(next);
            }
        }
    }

    /** The first queued request that has not waited past the limit; older ones go to {@code stale}. */
    private Waiting nextFresh(List<Waiting> stale) {
        long now = nanoClock.getAsLong();
        Waiting head;
        while ((head = waiting.poll()) != null) {
            if (waitLimitNanos <= 0 || now - head.sinceNanos() < waitLimitNanos) {
                return head;
            }
            Log.debug("cancel request for peer %d waited longer than cancel_wait_timeout, dropped", peer.id());
            stale.add(head);
        }
        return null;
    }
}
