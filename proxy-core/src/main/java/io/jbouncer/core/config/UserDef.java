package io.jbouncer.core.config;

import java.time.Duration;

/**
 * One {@code [users]} entry, as PgBouncer's {@code parse_user()} reads it. Numbers come from C {@code atoi}
 * (junk reads as 0); times are whole seconds.
 *
 * @param name the user name
 * @param poolMode null = not set
 * @param maxUserConnections -1 = not set (only values {@code > 0} override the global one)
 * @param poolSize -1 = not set; beats the database's pool_size and {@code default_pool_size}
 * @param reservePoolSize -1 = not set
 * @param queryTimeout null = not set (PgBouncer uses it only when {@code > 0})
 * @param idleTransactionTimeout null = not set (used only when {@code > 0})
 * @param clientIdleTimeout null = not set (used only when {@code > 0})
 * @param maxUserClientConnections -1 = not set
 * @param transactionTimeout null = not set (used only when {@code > 0})
 * @param queryWaitTimeout null = not set; any explicit value (0 = off) beats database and global values
 */
public record UserDef(String name, PoolMode poolMode, int maxUserConnections, int poolSize, int reservePoolSize,
        Duration queryTimeout, Duration idleTransactionTimeout, Duration clientIdleTimeout,
        int maxUserClientConnections, Duration transactionTimeout, Duration queryWaitTimeout) {
}
