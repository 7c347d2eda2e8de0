package io.jbouncer.core.pool;

import io.jbouncer.core.config.PoolMode;
import java.time.Duration;

/**
 * The effective settings of one pool, resolved from the global, per-database and per-user values with
 * PgBouncer's precedence (config.md [users]: user over database over global). Immutable: a reload builds new ones.
 *
 * <p>A class rather than a record so that what the check-in and hand-out paths ask at every transaction (the
 * lifetime and check delay in nanoseconds, whether a check query or a reset query applies) is worked out once, when
 * the settings are built, instead of converting a {@link Duration} or testing a string each time.
 */
public final class PoolSettings {
    private final PoolMode mode;
    private final int poolSize;
    private final int reservePoolSize;
    private final Duration reservePoolTimeout;
    private final int minPoolSize;
    private final String serverResetQuery;
    private final boolean resetAlways;
    private final boolean roundRobin;
    private final Duration serverLifetime;
    private final Duration serverIdleTimeout;
    private final Duration serverLoginRetry;
    private final Duration serverConnectTimeout;
    private final boolean forcedUser;
    private final Duration serverCheckDelay;
    private final String serverCheckQuery;
    private final Duration queryWaitTimeout;
    private final boolean holdOnServerRestart;
    private final boolean serverFastClose;
    private final long serverLifetimeNanos;
    private final long serverCheckDelayNanos;
    private final boolean checksBeforeReuse;
    private final boolean resetOnRelease;

    /**
     * @param mode               session, transaction or statement pooling
     * @param poolSize           server connections allowed; 0 means unlimited (PgBouncer 1.24+)
     * @param reservePoolSize    extra connections for clients that waited {@code reservePoolTimeout}
     * @param reservePoolTimeout how long the first waiting client waits before the reserve is used; 0 disables it
     * @param minPoolSize        servers kept open while the pool has clients (or a forced user)
     * @param serverResetQuery   run when a session-mode client leaves; empty for none
     * @param resetAlways        also run it in transaction and statement mode ({@code server_reset_query_always})
     * @param roundRobin         {@code server_round_robin}: hand out the server idle longest instead of the newest
     * @param serverLifetime     unused servers older than this are closed; 0 means single use
     * @param serverIdleTimeout  servers idle longer than this are closed; 0 disables
     * @param serverLoginRetry   how long a failed login keeps the pool failing fast
     * @param serverConnectTimeout how long a server connection and login may take
     * @param forcedUser         the database entry forces a user: min_pool_size applies even without clients
     * @param serverCheckDelay   idle servers unused this long are checked before reuse; 0 checks every time; in a
     *                           pool with a {@code target_session_attrs}, also how old a server's role check may be
     * @param serverCheckQuery   the check ({@code <empty>} = an empty Query); empty disables checks
     * @param queryWaitTimeout   how long a client may queue for a server; 0 disables (per user and per database in
     *                           PgBouncer HEAD, where any explicit value, 0 included, overrides the wider one)
     * @param holdOnServerRestart while no server can be reached, queued clients wait instead of failing fast
     * @param serverFastClose    session mode: a server to be closed is closed at the end of its transaction
     */
    public PoolSettings(PoolMode mode, int poolSize, int reservePoolSize, Duration reservePoolTimeout, int minPoolSize,
            String serverResetQuery, boolean resetAlways, boolean roundRobin, Duration serverLifetime,
            Duration serverIdleTimeout, Duration serverLoginRetry, Duration serverConnectTimeout, boolean forcedUser,
            Duration serverCheckDelay, String serverCheckQuery, Duration queryWaitTimeout,
            boolean holdOnServerRestart, boolean serverFastClose) {
        this.mode = mode;
        this.poolSize = poolSize;
        this.reservePoolSize = reservePoolSize;
        this.reservePoolTimeout = reservePoolTimeout;
        this.minPoolSize = minPoolSize;
        this.serverResetQuery = serverResetQuery;
        this.resetAlways = resetAlways;
        this.roundRobin = roundRobin;
        this.serverLifetime = serverLifetime;
        this.serverIdleTimeout = serverIdleTimeout;
        this.serverLoginRetry = serverLoginRetry;
        this.serverConnectTimeout = serverConnectTimeout;
        this.forcedUser = forcedUser;
        this.serverCheckDelay = serverCheckDelay;
        this.serverCheckQuery = serverCheckQuery;
        this.queryWaitTimeout = queryWaitTimeout;
        this.holdOnServerRestart = holdOnServerRestart;
        this.serverFastClose = serverFastClose;
        this.serverLifetimeNanos = nanos(serverLifetime);
        this.serverCheckDelayNanos = nanos(serverCheckDelay);
        this.checksBeforeReuse = !serverCheckQuery.isEmpty();
        this.resetOnRelease = !serverResetQuery.isEmpty() && (mode == PoolMode.SESSION || resetAlways);
    }

    public PoolMode mode() {
        return mode;
    }

    public int poolSize() {
        return poolSize;
    }

    public int reservePoolSize() {
        return reservePoolSize;
    }

    public Duration reservePoolTimeout() {
        return reservePoolTimeout;
    }

    public int minPoolSize() {
        return minPoolSize;
    }

    public String serverResetQuery() {
        return serverResetQuery;
    }

    public boolean resetAlways() {
        return resetAlways;
    }

    public boolean roundRobin() {
        return roundRobin;
    }

    public Duration serverLifetime() {
        return serverLifetime;
    }

    public Duration serverIdleTimeout() {
        return serverIdleTimeout;
    }

    public Duration serverLoginRetry() {
        return serverLoginRetry;
    }

    public Duration serverConnectTimeout() {
        return serverConnectTimeout;
    }

    public boolean forcedUser() {
        return forcedUser;
    }

    public Duration serverCheckDelay() {
        return serverCheckDelay;
    }

    public String serverCheckQuery() {
        return serverCheckQuery;
    }

    public Duration queryWaitTimeout() {
        return queryWaitTimeout;
    }

    public boolean holdOnServerRestart() {
        return holdOnServerRestart;
    }

    public boolean serverFastClose() {
        return serverFastClose;
    }

    /** {@link #serverLifetime} in nanoseconds: a server this old or older is closed when released. */
    public long serverLifetimeNanos() {
        return serverLifetimeNanos;
    }

    /** Whether a server idle since {@code idleSinceNanos} must pass the check query before reuse at {@code now}. */
    public boolean needsCheck(long idleSinceNanos, long now) {
        return checksBeforeReuse && now - idleSinceNanos >= serverCheckDelayNanos;
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

    /** Whether the reset query runs when a server is released in the current mode. */
    public boolean resetOnRelease() {
        return resetOnRelease;
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
