package io.jbouncer.core.pool;

import io.jbouncer.core.stats.DatabaseEvents;

/**
 * What a pool shares with other pools: the caps of its database and user, its database's admin state and metrics
 * ({@link DatabaseEvents}), and the process-wide admin state.
 */
public record PoolShared(ConnectionCap databaseCap, ConnectionCap userCap, DatabaseState database,
                         PoolerState pooler, DatabaseEvents databaseEvents) {
}
