package io.jbouncer.core.config;

import java.time.Duration;

/**
 * One {@code [databases]} entry, as PgBouncer's {@code parse_database()} reads it.
 *
 * <p>Numbers come from C {@code atoi} (junk reads as 0). For the {@code *} fallback entry {@code dbname} is null
 * unless the connection string sets it; use {@link #forAutoDatabase(String)} to make the entry of an auto-database.
 *
 * @param name the entry name (the database clients ask for), at most 63 bytes, never {@code pgbouncer}
 * @param host server host, {@code /dir} or {@code @abstract} socket, or comma list; null = {@code unix_socket_dir}
 * @param port server port (5432 unless set)
 * @param dbname server database name (the entry name unless set)
 * @param user forced server user, null when not forced
 * @param password password of the forced user, null = take it from auth_file
 * @param poolSize -1 = not set (use {@code default_pool_size})
 * @param minPoolSize -1 = not set
 * @param reservePoolSize -1 = not set ({@code reserve_pool} is read as an alias)
 * @param maxDbConnections {@code <= 0} = global {@code max_db_connections}; 0 when not set
 * @param maxDbClientConnections {@code <= 0} = global {@code max_db_client_connections}; 0 when not set
 * @param serverLifetime seconds; 0 = global {@code server_lifetime}
 * @param poolMode null = not set
 * @param connectQuery null = none
 * @param clientEncoding added to the server StartupMessage when not null
 * @param datestyle added to the server StartupMessage when not null
 * @param timezone added to the server StartupMessage when not null
 * @param applicationName added to the server StartupMessage when not null
 * @param authUser per-database {@code auth_user}, null = global
 * @param authQuery per-database {@code auth_query}, null = global
 * @param authDbname per-database {@code auth_dbname}, null = global
 * @param loadBalanceHosts {@code round-robin} (default) or {@code disable}, lower-case
 * @param targetSessionAttrs which server of a host list may serve (a jbouncer extension; {@code any} by default)
 * @param queryWaitTimeout null = not set; any explicit value (0 = off) overrides the global one
 */
public record DatabaseDef(String name, String host, int port, String dbname, String user, String password,
        int poolSize, int minPoolSize, int reservePoolSize, int maxDbConnections, int maxDbClientConnections,
        int serverLifetime, PoolMode poolMode, String connectQuery, String clientEncoding, String datestyle,
        String timezone, String applicationName, String authUser, String authQuery, String authDbname,
        String loadBalanceHosts, TargetSessionAttrs targetSessionAttrs, Duration queryWaitTimeout) {

    /** The admin console's name, reserved in {@code [databases]} and refused as {@code auth_dbname}. */
    public static final String ADMIN_DATABASE = "pgbouncer";
    /** The name of the fallback entry used for databases not listed. */
    public static final String AUTO_DATABASE = "*";

    /**
     * This fallback ({@code *}) entry turned into the entry of auto-database {@code databaseName}, as PgBouncer's
     * {@code register_auto_database()} does: same settings, and {@code dbname} defaults to the requested name.
     */
    public DatabaseDef forAutoDatabase(String databaseName) {
        return new DatabaseDef(databaseName, host, port, dbname != null ? dbname : databaseName, user, password,
                poolSize, minPoolSize, reservePoolSize, maxDbConnections, maxDbClientConnections, serverLifetime,
                poolMode, connectQuery, clientEncoding, datestyle, timezone, applicationName, authUser, authQuery,
                authDbname, loadBalanceHosts, targetSessionAttrs, queryWaitTimeout);
    }

    /**
     * This entry with another forced user: PgBouncer keeps the previous forced user when a later definition of
     * the same database drops {@code user=} ("losing forced user not supported, keeping old setting").
     */
    DatabaseDef withForcedUser(String forcedUser, String forcedPassword) {
        return new DatabaseDef(name, host, port, dbname, forcedUser, forcedPassword, poolSize, minPoolSize,
                reservePoolSize, maxDbConnections, maxDbClientConnections, serverLifetime, poolMode, connectQuery,
                clientEncoding, datestyle, timezone, applicationName, authUser, authQuery, authDbname,
                loadBalanceHosts, targetSessionAttrs, queryWaitTimeout);
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "DatabaseDef[name=" + name + ", host=" + host + ", port=" + port + ", dbname=" + dbname
                + ", user=" + user + ", password=" + (password == null ? "null" : "***") + ", poolSize=" + poolSize
                + ", poolMode=" + poolMode + "]";
    }
}
