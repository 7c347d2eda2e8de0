package io.jbouncer.core.pool;

import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.DatabaseDef;
import io.jbouncer.core.config.PoolMode;
import io.jbouncer.core.config.UserDef;
import io.jbouncer.protocol.auth.StoredSecret;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * All pools, created on first use, keyed by (database, pool user). Thread-safe.
 *
 * <p>Effective settings follow PgBouncer's precedence (fact sheet 5.2): the {@code [users]} entry over the
 * database entry over {@code [pgbouncer]}.
 */
public final class PoolManager {
    private final Map<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final Supplier<Config> config;
    private final ServerLauncher launcher;

    public PoolManager(Supplier<Config> config, ServerLauncher launcher) {
        this.config = config;
        this.launcher = launcher;
    }

    /**
     * The pool of {@code database} for {@code poolUser}, created if needed.
     *
     * @param secret  how servers of this pool authenticate (connection string password or auth_file entry)
     * @param userDef the pool user's {@code [users]} entry, or {@code null}
     */
    public Pool pool(DatabaseDef database, String poolUser, StoredSecret secret, UserDef userDef) {
        PoolKey key = new PoolKey(database.name(), poolUser);
        return pools.computeIfAbsent(key, k -> new Pool(k, settings(database, userDef),
                target(database, poolUser, secret), launcher));
    }

    /** Every pool, in (database, user) order as SHOW commands list them. */
    public List<Pool> all() {
        List<Pool> sorted = new ArrayList<>(pools.values());
        sorted.sort((a, b) -> a.key().compareTo(b.key()));
        return sorted;
    }

    private PoolSettings settings(DatabaseDef database, UserDef user) {
        Config c = config.get();
        PoolMode mode = user != null && user.poolMode() != null ? user.poolMode()
                : database.poolMode() != null ? database.poolMode() : c.poolMode();
        int poolSize = user != null && user.poolSize() >= 0 ? user.poolSize()
                : database.poolSize() >= 0 ? database.poolSize() : c.defaultPoolSize();
        return new PoolSettings(mode, poolSize, c.serverResetQuery(), c.serverResetQueryAlways(),
                c.serverRoundRobin(), c.serverLoginRetry(), c.serverConnectTimeout());
    }

    private ServerTarget target(DatabaseDef database, String poolUser, StoredSecret secret) {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("database", database.dbname() != null ? database.dbname() : database.name());
        putIfSet(startup, "client_encoding", database.clientEncoding());
        putIfSet(startup, "DateStyle", database.datestyle());
        putIfSet(startup, "TimeZone", database.timezone());
        putIfSet(startup, "application_name", database.applicationName());
        startup.put("user", poolUser);
        return new ServerTarget(address(database), poolUser, secret, Map.copyOf(startup));
    }

    /**
     * A host of {@code /dir} (or none, meaning {@code unix_socket_dir}) is a Unix socket {@code dir/.s.PGSQL.port};
     * anything else is resolved at connect time, so DNS changes are picked up by new connections.
     */
    private SocketAddress address(DatabaseDef database) {
        String host = database.host();
        if (host == null || host.isEmpty()) {
            host = config.get().unixSocketDir();
        }
        if (host.startsWith("/")) {
            return new DomainSocketAddress(host + "/.s.PGSQL." + database.port());
        }
        return InetSocketAddress.createUnresolved(host, database.port());
    }

    private static void putIfSet(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
