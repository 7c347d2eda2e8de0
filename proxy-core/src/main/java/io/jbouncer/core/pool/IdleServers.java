package io.jbouncer.core.pool;

import io.jbouncer.core.server.ServerConnection;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The idle servers of one pool, kept per event loop, so that a client finds a server on its own loop in constant
 * time and the pair then runs on one thread (docs/architecture.md, 3.1 "Loop-affine pools").
 *
 * <p>Each loop's list is ordered by check-in time, newest first ({@link ServerConnection#markIdle} is called just
 * before {@link #add}). Which end a client takes from is decided per call, so a reload that flips
 * {@code server_round_robin} needs no reordering:
 * <ul>
 *   <li><b>LIFO</b> (PgBouncer's default): the newest server of the client's own loop; only when that loop has none,
 *   the newest of the other loops. Reuse is LIFO within a loop, so load still gathers on few servers per loop.
 *   <li><b>round robin</b> ({@code server_round_robin = 1}): the server idle longest in the whole pool, whatever its
 *   loop. Its purpose is an even load on the servers behind a round-robin address; preferring a loop would leave
 *   the servers of a quiet loop unused, so affinity gives way here.
 * </ul>
 *
 * <p>Not thread-safe: used under the pool's lock. A loop's list, once made, stays (empty) for the pool's life: the
 * number of loops is fixed, and a list made and dropped at every check-in would cost an allocation per transaction.
 */
final class IdleServers {
    /** One loop's idle servers, newest first. */
    private record LoopList(EventExecutor loop, ArrayDeque<ServerConnection> servers) { }

    private LoopList[] loops = new LoopList[0];
    private int size;

    /** How many servers are idle, over all loops. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** A server just checked in ({@link ServerConnection#markIdle} already called) joins its loop's list. */
    void add(ServerConnection server) {
        listOf(server.executor(), true).addFirst(server);
        size++;
    }

    /**
     * The server a client on {@code loop} gets, removed from the lists; {@code null} when none is idle. See the class
     * comment for the rule.
     */
    ServerConnection take(EventExecutor loop, boolean roundRobin) {
        if (size == 0) {
            return null;
        }
        ArrayDeque<ServerConnection> chosen = roundRobin ? longestIdleList(loop) : newestList(loop);
        size--;
        return roundRobin ? chosen.pollLast() : chosen.pollFirst();
    }

    /** Removes {@code server} if it is idle here; {@code false} if it was not. */
    boolean remove(ServerConnection server) {
        ArrayDeque<ServerConnection> list = listOf(server.executor(), false);
        if (list != null && list.remove(server)) {
            size--;
            return true;
        }
        return false;
    }

    /** Removes and returns the server idle longest in the whole pool ({@code evicted}), or {@code null}. */
    ServerConnection pollLongestIdle() {
        if (size == 0) {
            return null;
        }
        size--;
        return longestIdleList(null).pollLast();
    }

    /** Every idle server, the one idle longest first (the janitor's order); the lists are left as they are. */
    List<ServerConnection> longestIdleFirst() {
        List<ServerConnection> all = new ArrayList<>(size);
        for (LoopList list : loops) {
            all.addAll(list.servers());
        }
        all.sort(Comparator.comparingLong(ServerConnection::idleSinceNanos));
        return all;
    }

    /** Removes and returns every idle server. */
    List<ServerConnection> clear() {
        List<ServerConnection> all = new ArrayList<>(size);
        for (LoopList list : loops) {
            all.addAll(list.servers());
            list.servers().clear();
        }
        size = 0;
        return all;
    }

    /** Under LIFO: the client's own loop's list if it has a server, else the list whose newest server is newest. */
    private ArrayDeque<ServerConnection> newestList(EventExecutor own) {
        ArrayDeque<ServerConnection> ownList = listOf(own, false);
        if (ownList != null && !ownList.isEmpty()) {
            return ownList;
        }
        ArrayDeque<ServerConnection> best = null;
        for (LoopList list : loops) {
            ServerConnection newest = list.servers().peekFirst();
            if (newest != null && (best == null || newest.idleSinceNanos() - best.peekFirst().idleSinceNanos() > 0)) {
                best = list.servers();
            }
        }
        return best;
    }

    /**
     * The list holding the server idle longest; on a tie, {@code preferred}'s ({@code null}: none preferred). Only
     * called with at least one server idle.
     */
    private ArrayDeque<ServerConnection> longestIdleList(EventExecutor preferred) {
        ArrayDeque<ServerConnection> best = preferred == null ? null : listOf(preferred, false);
        if (best != null && best.isEmpty()) {
            best = null;
        }
        for (LoopList list : loops) {
            ServerConnection oldest = list.servers().peekLast();
            if (oldest != null && (best == null || oldest.idleSinceNanos() - best.peekLast().idleSinceNanos() < 0)) {
                best = list.servers();
            }
        }
        return best;
    }

    /** {@code loop}'s list; made on first use when {@code create}, else {@code null} if it has none yet. */
    private ArrayDeque<ServerConnection> listOf(EventExecutor loop, boolean create) {
        for (LoopList list : loops) {
            if (list.loop() == loop) {
                return list.servers();
            }
        }
        if (!create) {
            return null;
        }
        LoopList made = new LoopList(loop, new ArrayDeque<>());
        loops = Arrays.copyOf(loops, loops.length + 1);
        loops[loops.length - 1] = made;
        return made.servers();
    }
}
