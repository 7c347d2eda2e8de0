package io.jbouncer.bench;

import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.pool.ServerWaiter;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;

/**
 * A client of the pool benchmarks on one event loop. Its loop runs tasks on the calling thread (an embedded loop),
 * so the pool hands it a server synchronously.
 */
public class BenchClient implements ServerWaiter {
    private EventExecutor loop = ImmediateEventExecutor.INSTANCE;
    private ServerConnection assigned;

    /** Moves this client to {@code newLoop}. */
    void runOn(EventExecutor newLoop) {
        loop = newLoop;
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void assign(ServerConnection server, long now) {
        assigned = server;
    }

    @Override
    public void fail(ErrorResponse error) {
        throw new IllegalStateException("pool failed the client: " + error.message());
    }

    @Override
    public long waitStartNanos() {
        return 0;
    }

    /** The server just assigned; fails when the client was queued instead (the pool ran out of servers). */
    ServerConnection take() {
        ServerConnection server = assigned;
        if (server == null) {
            throw new IllegalStateException("no idle server: the client was queued");
        }
        assigned = null;
        return server;
    }
}
