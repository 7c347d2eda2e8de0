package io.jbouncer.core.pool;

import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.util.concurrent.EventExecutor;

/**
 * A client queued for a server connection. The pool calls back on the waiter's own {@link #executor()}, never
 * while holding its lock, so a waiter's state is touched by one thread only.
 */
public interface ServerWaiter {
    /** The event loop that owns this waiter's state. */
    EventExecutor executor();

    /**
     * Receives a server. Runs on {@link #executor()}. A waiter that no longer wants it (its client left) must hand
     * it back with {@link Pool#checkin}.
     *
     * @param now {@code System.nanoTime()} as the caller read it on this loop (at the start of the read that led
     *            here, or just now in a task): when the server was handed over
     */
    void assign(ServerConnection server, long now);

    /** The pool cannot serve this waiter (login failure relayed from PostgreSQL, pool closed). */
    void fail(ErrorResponse error);

    /** Start of waiting in nanoseconds of {@link System#nanoTime()}, for maxwait and the reserve pool. */
    long waitStartNanos();
}
