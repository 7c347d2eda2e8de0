package io.jbouncer.core.pool;

import io.jbouncer.core.config.PoolMode;
import java.time.Duration;

/**
 * The effective settings of one pool, resolved from the global, per-database and per-user values with
 * PgBouncer's precedence (config.md [users]: user over database over global). Immutable: a reload builds new ones.
 *
 * <p>What the check-in and hand-out paths ask at every transaction is held ready-made, as {@link #of} works it out
 * from the configuration's values: the lifetime and check delay in nanoseconds, and the reset and check queries as
 * {@code null} where none runs. Those paths so read a field instead of converting a {@link Duration} or testing a
 * string each time.
 *
 * @param mode                 session, transaction or statement pooling
 * @param poolSize             server connections allowed; 0 means unlimited (PgBouncer 1.24+)
 * @param reservePoolSize      extra connections for clients that waited {@code reservePoolTimeout}
 * @param reservePoolTimeout   how long the first waiting client waits before the reserve is used; 0 disables it
 * @param minPoolSize          servers kept open while the pool has clients (or a forced user)
 * @param releaseResetQuery    run when a server is released in this pool's mode; {@code null} when none runs
 * @param roundRobin           {@code server_round_robin}: hand out the server idle longest instead of the newest
 * @param serverLifetimeNanos  unused servers this old or older are closed; 0 means single use
 * @param serverIdleTimeout    servers idle longer than this are closed; 0 disables
 * @param serverLoginRetry     how long a failed login keeps the pool failing fast
 * @param serverConnectTimeout how long a server connection and login may take
 * @param forcedUser           the database entry forces a user: min_pool_size applies even without clients
 * @param serverCheckDelayNanos idle servers unused this long are checked before reuse; 0 checks every time; in a pool
 *                             with a {@code target_session_attrs}, also how old a server's role check may be
 * @param serverCheckQuery     the check ({@code <empty>} = an empty Query); {@code null} when checks are off
 * @param queryWaitTimeout     how long a client may queue for a server; 0 disables
 * @param holdOnServerRestart  while no server can be reached, queued clients wait instead of failing fast
 * @param serverFastClose      session mode: a server to be closed is closed at the end of its transaction
 */
public record PoolSettings(PoolMode mode, int poolSize, int reservePoolSize, Duration reservePoolTimeout,
        int minPoolSize, String releaseResetQuery, boolean roundRobin, long serverLifetimeNanos,
        Duration serverIdleTimeout, Duration serverLoginRetry, Duration serverConnectTimeout, boolean forcedUser,
        long serverCheckDelayNanos, String serverCheckQuery, Duration queryWaitTimeout, boolean holdOnServerRestart,
        boolean serverFastClose) {

    /**
     * The settings of the configuration's values, where they differ from the components:
     *
     * @param serverResetQuery  {@code server_reset_query}; empty for none
     * @param resetAlways       {@code server_reset_query_always}: run it in transaction and statement mode too
     * @param serverLifetime    {@code server_lifetime}
     * @param serverCheckDelay  {@code server_check_delay}
     * @param serverCheckQuery  {@code server_check_query}; empty or {@code null} disables checks
     * @param queryWaitTimeout  per user and per database in PgBouncer HEAD, where any explicit value, 0 included,
     *                          overrides the wider one
     */
    public static PoolSettings of(PoolMode mode, int poolSize, int reservePoolSize, Duration reservePoolTimeout,
            int minPoolSize, String serverResetQuery, boolean resetAlways, boolean roundRobin, Duration serverLifetime,
            Duration serverIdleTimeout, Duration serverLoginRetry, Duration serverConnectTimeout, boolean forcedUser,
            Duration serverCheckDelay, String serverCheckQuery, Duration queryWaitTimeout,
            boolean holdOnServerRestart, boolean serverFastClose) {
        boolean resets = !serverResetQuery.isEmpty() && (mode == PoolMode.SESSION || resetAlways);
        return new PoolSettings(mode, poolSize, reservePoolSize, reservePoolTimeout, minPoolSize,
                resets ? serverResetQuery : null, roundRobin, nanos(serverLifetime), serverIdleTimeout,
                serverLoginRetry, serverConnectTimeout, forcedUser, nanos(serverCheckDelay),
                serverCheckQuery == null || serverCheckQuery.isEmpty() ? null : serverCheckQuery, queryWaitTimeout,
                holdOnServerRestart, serverFastClose);
    }

    /** Whether a server idle since {@code idleSinceNanos} must pass the check query before reuse at {@code now}. */
    public boolean needsCheck(long idleSinceNanos, long now) {
        return serverCheckQuery != null && now - idleSinceNanos >= serverCheckDelayNanos;
    }

    /**
     * Whether a server whose {@code target_session_attrs} role was last checked at {@code roleCheckedNanos} must be
     * checked again before reuse at {@code now}: a busy server is re-checked too, not only an idle one, since a
     * failover does not wait for the pool to go quiet.
     */
    public boolean needsRoleCheck(long roleCheckedNanos, long now) {
        return now - roleCheckedNanos >= serverCheckDelayNanos;
    }

    /** Transaction and statement mode give the server back at the first idle ReadyForQuery. */
    public boolean releasesAtIdle() {
        return mode != PoolMode.SESSION;
    }

    /**
     * {@code d} in nanoseconds; a time too long for that (the file allows up to {@code Long.MAX_VALUE} microseconds,
     * about 292,000 years) counts as forever.
     */
    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
