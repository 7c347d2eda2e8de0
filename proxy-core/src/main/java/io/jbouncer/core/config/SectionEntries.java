package io.jbouncer.core.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Readers of one {@code [databases]}, {@code [users]} or {@code [peers]} line, ported from PgBouncer's
 * {@code parse_database()}, {@code parse_user()} and {@code parse_peer()}. Keys are case-sensitive; an unknown key
 * fails the whole load. Each method throws {@link IllegalArgumentException} carrying PgBouncer's log text.
 */
final class SectionEntries {

    /** {@code MAX_DBNAME} is 64 bytes including the terminating NUL. */
    private static final int MAX_DBNAME_BYTES = 63;
    private static final String[] LOAD_BALANCE_HOSTS = {"disable", "round-robin"};

    private SectionEntries() {
    }

    /** Reads {@code name = connstr} of {@code [databases]}. For {@code *}, dbname stays null unless given. */
    static DatabaseDef database(String name, String connstr) {
        if (name.equals(DatabaseDef.ADMIN_DATABASE)) {
            throw new IllegalArgumentException("database name \"" + name + "\" is reserved");
        }
        String dbname = name.equals(DatabaseDef.AUTO_DATABASE) ? null : name;
        String host = null;
        int port = 5432;
        String user = null;
        String password = null;
        int poolSize = -1;
        int minPoolSize = -1;
        int reservePoolSize = -1;
        int maxDbConnections = 0;
        int maxDbClientConnections = 0;
        int serverLifetime = 0;
        PoolMode poolMode = null;
        String connectQuery = null;
        String clientEncoding = null;
        String datestyle = null;
        String timezone = null;
        String applicationName = null;
        String authUser = null;
        String authQuery = null;
        String authDbname = null;
        String loadBalanceHosts = "round-robin";
        TargetSessionAttrs targetSessionAttrs = TargetSessionAttrs.ANY;
        Duration queryWaitTimeout = null;
        for (Map.Entry<String, String> pair : ConnectionString.pairs(connstr, "syntax error in connection string")) {
            String value = pair.getValue();
            switch (pair.getKey()) {
                case "dbname" -> dbname = value;
                case "host" -> host = value;
                case "port" -> port = port(value);
                case "user" -> user = value;
                case "password" -> password = value;
                case "auth_user" -> authUser = value;
                case "auth_query" -> authQuery = value;
                case "auth_dbname" -> authDbname = value;
                case "client_encoding" -> clientEncoding = value;
                case "datestyle" -> datestyle = value;
                case "timezone" -> timezone = value;
                case "application_name" -> applicationName = value;
                case "connect_query" -> connectQuery = value;
                case "pool_size" -> poolSize = CNumbers.atoi(value);
                case "min_pool_size" -> minPoolSize = CNumbers.atoi(value);
                case "reserve_pool", "reserve_pool_size" -> reservePoolSize = CNumbers.atoi(value);
                case "max_db_connections" -> maxDbConnections = CNumbers.atoi(value);
                case "max_db_client_connections" -> maxDbClientConnections = CNumbers.atoi(value);
                case "server_lifetime" -> serverLifetime = CNumbers.atoi(value);
                case "pool_mode" -> poolMode = PoolMode.parse(value);
                case "load_balance_hosts" -> loadBalanceHosts = loadBalanceHosts(value);
                case "target_session_attrs" -> targetSessionAttrs = TargetSessionAttrs.parse(value);
                case "query_wait_timeout" -> queryWaitTimeout = seconds(value);
                default -> throw new IllegalArgumentException("unrecognized connection parameter: " + pair.getKey());
            }
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_DBNAME_BYTES) {
            throw new IllegalArgumentException("too long db name: " + name);
        }
        return new DatabaseDef(name, host, port, dbname, user, password, poolSize, minPoolSize, reservePoolSize,
                maxDbConnections, maxDbClientConnections, serverLifetime, poolMode, connectQuery, clientEncoding,
                datestyle, timezone, applicationName, authUser, authQuery, authDbname, loadBalanceHosts,
                targetSessionAttrs, queryWaitTimeout);
    }

    /** Reads {@code name = settings} of {@code [users]}. */
    static UserDef user(String name, String settings) {
        PoolMode poolMode = null;
        int maxUserConnections = -1;
        int poolSize = -1;
        int reservePoolSize = -1;
        int maxUserClientConnections = -1;
        Duration queryTimeout = null;
        Duration idleTransactionTimeout = null;
        Duration clientIdleTimeout = null;
        Duration transactionTimeout = null;
        Duration queryWaitTimeout = null;
        for (Map.Entry<String, String> pair : ConnectionString.pairs(settings, "syntax error in user settings")) {
            String value = pair.getValue();
            switch (pair.getKey()) {
                case "pool_mode" -> poolMode = PoolMode.parse(value);
                case "max_user_connections" -> maxUserConnections = CNumbers.atoi(value);
                case "pool_size" -> poolSize = CNumbers.atoi(value);
                case "reserve_pool_size" -> reservePoolSize = CNumbers.atoi(value);
                case "max_user_client_connections" -> maxUserClientConnections = CNumbers.atoi(value);
                case "query_timeout" -> queryTimeout = seconds(value);
                case "idle_transaction_timeout" -> idleTransactionTimeout = seconds(value);
                case "client_idle_timeout" -> clientIdleTimeout = seconds(value);
                case "transaction_timeout" -> transactionTimeout = seconds(value);
                case "query_wait_timeout" -> queryWaitTimeout = seconds(value);
                default -> throw new IllegalArgumentException("unrecognized user parameter: " + pair.getKey());
            }
        }
        return new UserDef(name, poolMode, maxUserConnections, poolSize, reservePoolSize, queryTimeout,
                idleTransactionTimeout, clientIdleTimeout, maxUserClientConnections, transactionTimeout,
                queryWaitTimeout);
    }

    /** Reads {@code id = settings} of {@code [peers]}. */
    static PeerDef peer(String name, String settings) {
        int id = CNumbers.strtonum(name, 1, 0xFFFF);
        if (id == 0) {
            throw new IllegalArgumentException("ids of peers must be a number larger than 0 and at most 65536");
        }
        String host = null;
        int port = 6432;
        int poolSize = -1;
        for (Map.Entry<String, String> pair : ConnectionString.pairs(settings, "syntax error in connection string")) {
            String value = pair.getValue();
            switch (pair.getKey()) {
                case "host" -> host = value;
                case "port" -> port = port(value);
                case "pool_size" -> poolSize = CNumbers.atoi(value);
                default -> throw new IllegalArgumentException("unrecognized connection parameter: " + pair.getKey());
            }
        }
        if (host == null) {
            throw new IllegalArgumentException("host was not provided for peer " + id);
        }
        return new PeerDef(id, host, port, poolSize);
    }

    private static int port(String value) {
        int port = CNumbers.atoi(value);
        if (port == 0) {
            throw new IllegalArgumentException("invalid port: " + value);
        }
        return port;
    }

    private static String loadBalanceHosts(String value) {
        String mode = CText.lookup(LOAD_BALANCE_HOSTS, s -> s, value);
        if (mode == null) {
            throw new IllegalArgumentException("invalid load_balance_hosts: " + value);
        }
        return mode;
    }

    /** Per-entry times are whole seconds via {@code atoi}, unlike the float seconds of {@code [pgbouncer]}. */
    private static Duration seconds(String value) {
        return Duration.ofSeconds(CNumbers.atoi(value));
    }
}
