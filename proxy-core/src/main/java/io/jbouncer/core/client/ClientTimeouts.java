package io.jbouncer.core.client;

import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.UserDef;
import io.jbouncer.core.server.Link;
import io.jbouncer.core.state.ClientState;
import java.time.Duration;

/**
 * A client's effective timers in nanoseconds, 0 meaning off: the global setting, replaced by the user's
 * {@code [users]} value when that is above 0 (PgBouncer config.md, [users]).
 */
public record ClientTimeouts(long query, long clientIdle, long idleTransaction, long transaction) {

    public static ClientTimeouts of(Config config, UserDef user) {
        return new ClientTimeouts(
                pick(user == null ? null : user.queryTimeout(), config.queryTimeout()),
                pick(user == null ? null : user.clientIdleTimeout(), config.clientIdleTimeout()),
                pick(user == null ? null : user.idleTransactionTimeout(), config.idleTransactionTimeout()),
                pick(user == null ? null : user.transactionTimeout(), config.transactionTimeout()));
    }

    /** Whether any timer is on: the janitor skips the per-client pass otherwise. */
    public boolean any() {
        return query > 0 || clientIdle > 0 || idleTransaction > 0 || transaction > 0;
    }

    /**
     * Which timer has expired for a client in {@code state} at {@code now}, by PgBouncer's FATAL text, or
     * {@code null}. Only logged-in clients are timed here, as PgBouncer's janitor walks its active and waiting
     * lists: a client still waiting for its welcome has the login and queue timers only. A queued client counts
     * {@code query_timeout} from when it started waiting; an unlinked one {@code client_idle_timeout} from its last
     * byte; a linked one {@code query timeout} while a request is outstanding, counted from the request's start as
     * PgBouncer 1.25's src/janitor.c counts it from the client's {@code query_start} (what the client sends while its
     * request runs, as a replication client's status updates during its COPY-both stream, does not extend it),
     * else {@code idle transaction timeout} inside a transaction; {@code transaction timeout} from the start of the
     * transaction or of the request, whichever began first, while either is under way (PgBouncer times every server
     * that is not ready, so a long statement outside a transaction and a replication stream count too).
     *
     * @param linked the client's server link, {@code null} when it has none (or it was released)
     */
    public String expired(ClientState state, long now, long lastReadNanos, long waitStartNanos, Link linked) {
        if (state == ClientState.CL_WAITING) {
            return query > 0 && now - waitStartNanos >= query ? "query_timeout" : null;
        }
        if (state != ClientState.CL_ACTIVE) {
            return null;
        }
        if (linked == null) {
            return clientIdle > 0 && now - lastReadNanos >= clientIdle ? "client_idle_timeout" : null;
        }
        boolean inTransaction = linked.transactionStatus() != 'I';
        boolean busy = linked.pending() > 0;
        if (busy) {
            if (query > 0 && linked.requestNanos(now) >= query) {
                return "query timeout";
            }
        } else if (inTransaction && idleTransaction > 0 && now - linked.lastReadyNanos() >= idleTransaction) {
            return "idle transaction timeout";
        }
        return (inTransaction || busy) && transaction > 0 && linked.transactionNanos(now) >= transaction
                ? "transaction timeout" : null;
    }

    private static long pick(Duration perUser, Duration global) {
        Duration chosen = perUser != null && !perUser.isZero() ? perUser : global;
        return chosen.toNanos();
    }
}
