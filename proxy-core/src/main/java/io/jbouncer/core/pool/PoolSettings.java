package io.jbouncer.core.pool;

import io.jbouncer.core.config.PoolMode;
import java.time.Duration;

/**
 * The effective settings of one pool, resolved from the global, per-database and per-user values with
 * PgBouncer's precedence (config.md [users]: user over database over global).
 *
 * @param poolSize           server connections allowed; 0 means unlimited (PgBouncer 1.24+)
 * @param reservePoolSize    extra connections for clients that waited {@code reservePoolTimeout}
 * @param reservePoolTimeout how long the first waiting client waits before the reserve is used; 0 disables it
 * @param minPoolSize        servers kept open while the pool has clients (or a forced user)
 * @param serverResetQuery   run when a session-mode client leaves; empty for none
 * @param resetAlways        also run it in transaction and statement mode ({@code server_reset_query_always})
 * @param serverLifetime     unused servers older than this are closed; 0 means single use
 * @param serverIdleTimeout  servers idle longer than this are closed; 0 disables
 * @param serverLoginRetry   how long a failed login keeps the pool failing fast
 * @param forcedUser         the database entry forces a user: min_pool_size applies even without clients
 * @param serverCheckDelay   idle servers unused this long are checked before reuse; 0 checks every time; in a
 *                           pool with a {@code target_session_attrs}, also how old a server's role check may be
 * @param serverCheckQuery   the check ({@code <empty>} = an empty Query); empty disables checks
 * @param queryWaitTimeout   how long a client may queue for a server; 0 disables (per user and per database in
 *                           PgBouncer HEAD, where any explicit value, 0 included, overrides the wider one)
 * @param holdOnServerRestart while no server can be reached, queued clients wait instead of failing fast
 * @param serverFastClose    session mode: a server to be closed is closed at the end of its transaction
 */
public record PoolSettings(
        PoolMode mode,
        int poolSize,
        int reservePoolSize,
        Duration reservePoolTimeout,
        int minPoolSize,
        String serverResetQuery,
        boolean resetAlways,
        boolean roundRobin,
        Duration serverLifetime,
        Duration serverIdleTimeout,
        Duration serverLoginRetry,
        Duration serverConnectTimeout,
        boolean forcedUser,
        Duration serverCheckDelay,
        String serverCheckQuery,
        Duration queryWaitTimeout,
        boolean holdOnServerRestart,
        boolean serverFastClose) {

    /** Whether a server idle since {@code idleSinceNanos} must pass the check query before reuse at {@code now}. */
    public boolean needsCheck(long idleSinceNanos, long now) {
        return !serverCheckQuery.isEmpty() && now - idleSinceNanos >= serverCheckDelay.toNanos();
    }

    /**
     * Whether a server whose {@code target_session_attrs} role was last checked at {@code roleCheckedNanos} must be
     * checked again before reuse at {@code now}: a busy server is re-checked too, not only an idle one, since a
     * failover does not wait for the pool to go quiet.
     */
    public boolean needsRoleCheck(long roleCheckedNanos, long now) {
        return now - roleCheckedNanos >= serverCheckDelay.toNanos();
    }

    /** Transaction and statement mode give the server back at the first idle ReadyForQuery. */
    public boolean releasesAtIdle() {
        return mode != PoolMode.SESSION;
    }

    /** Whether the reset query runs when a server is released in the current mode. */
    public boolean resetOnRelease() {
        return !serverResetQuery.isEmpty() && (mode == PoolMode.SESSION || resetAlways);
    }
}
