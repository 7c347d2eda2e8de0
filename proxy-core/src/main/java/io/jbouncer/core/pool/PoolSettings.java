package io.jbouncer.core.pool;

import io.jbouncer.core.config.PoolMode;
import java.time.Duration;

/**
 * The effective settings of one pool, resolved from the global, per-database and per-user values with
 * PgBouncer's precedence (fact sheet 5.2: user over database over global).
 *
 * @param poolSize          server connections allowed; 0 means unlimited (PgBouncer 1.24+)
 * @param serverResetQuery  run when a session-mode client leaves; empty for none
 * @param resetAlways       also run it in transaction and statement mode ({@code server_reset_query_always})
 * @param serverLoginRetry  how long a failed login keeps the pool failing fast
 */
public record PoolSettings(
        PoolMode mode,
        int poolSize,
        String serverResetQuery,
        boolean resetAlways,
        boolean roundRobin,
        Duration serverLoginRetry,
        Duration serverConnectTimeout) {

    /** Transaction and statement mode give the server back at the first idle ReadyForQuery. */
    public boolean releasesAtIdle() {
        return mode != PoolMode.SESSION;
    }

    /** Whether the reset query runs when a server is released in the current mode. */
    public boolean resetOnRelease() {
        return !serverResetQuery.isEmpty() && (mode == PoolMode.SESSION || resetAlways);
    }
}
