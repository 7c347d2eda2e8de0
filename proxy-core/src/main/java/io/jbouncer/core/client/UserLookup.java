package io.jbouncer.core.client;

import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.ServerWaiter;
import io.jbouncer.core.server.AuthQuery;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.util.concurrent.EventExecutor;
import java.util.function.Consumer;

/**
 * A client's {@code auth_query} lookup (PgBouncer config.md): waits for a server of the auth pool like any client, runs
 * the query on it and reports the outcome on the client's event loop. The server goes back to the pool by itself
 * when the query is done; a lookup abandoned while queued leaves the queue, and one abandoned later still lets the
 * query finish and only drops its outcome.
 *
 * <p>Client loop only, apart from the pool's callbacks, which the pool delivers there.
 */
final class UserLookup implements ServerWaiter {
    private final Pool pool;
    private final EventExecutor loop;
    private final String sql;
    private final String user;
    private final Consumer<AuthQuery.Outcome> done;
    private final Consumer<ErrorResponse> refused;
    private final long waitStartNanos = System.nanoTime();
    private boolean finished;

    /**
     * Exactly one of {@code done} and {@code refused} runs, once, on {@code loop}, unless the lookup was
     * {@linkplain #abandon abandoned}.
     *
     * @param pool    the auth pool: ({@code auth_dbname} or the client's database, {@code auth_user})
     * @param done    receives what the query found
     * @param refused receives the pool's error when no server of the auth pool could log in
     */
    UserLookup(Pool pool, EventExecutor loop, String sql, String user, Consumer<AuthQuery.Outcome> done,
               Consumer<ErrorResponse> refused) {
        this.pool = pool;
        this.loop = loop;
        this.sql = sql;
        this.user = user;
        this.done = done;
        this.refused = refused;
    }

    void start() {
        pool.acquire(this, System.nanoTime());
    }

    /** The client left or timed out: the outcome is not wanted any more. */
    void abandon() {
        finished = true;
        pool.cancelWait(this);
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public long waitStartNanos() {
        return waitStartNanos;
    }

    @Override
    public void assign(ServerConnection server, long now) {
        if (finished) {
            pool.checkin(server, now); // still clean: nothing was sent on it
            return;
        }
        server.runAuthQuery(new AuthQuery(sql, user, outcome -> loop.execute(() -> finish(outcome))));
    }

    @Override
    public void fail(ErrorResponse error) {
        if (!finished) {
            finished = true;
            refused.accept(error);
        }
    }

    private void finish(AuthQuery.Outcome outcome) {
        if (finished) {
            return;
        }
        if (outcome instanceof AuthQuery.Outcome.ServerGone) {
            pool.acquire(this, System.nanoTime()); // the server died on its way here: ask again, like a client would
            return;
        }
        finished = true;
        done.accept(outcome);
    }
}
