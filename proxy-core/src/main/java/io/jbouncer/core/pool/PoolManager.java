package io.jbouncer.core.pool;

import io.jbouncer.core.Log;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.DatabaseDef;
import io.jbouncer.core.config.PoolMode;
import io.jbouncer.core.config.UserDef;
import io.jbouncer.core.stats.PoolerEvents;
import io.jbouncer.protocol.auth.StoredSecret;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * All pools, created on first use, keyed by (database, pool user). Thread-safe.
 *
 * <p>Effective settings follow PgBouncer's precedence (config.md [users]): the {@code [users]} entry over the
 * database entry over {@code [pgbouncer]}.
 */
public final class PoolManager {
    private final Map<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final Map<String, ConnectionCap> databaseCaps = new ConcurrentHashMap<>();
    private final Map<String, ConnectionCap> userCaps = new ConcurrentHashMap<>();
    private final Map<String, DatabaseState> databaseStates = new ConcurrentHashMap<>();
    private final PoolerState poolerState = new PoolerState();
    private final Supplier<Config> config;
    private final ServerLauncher launcher;
    private final PoolerEvents events;

    public PoolManager(Supplier<Config> config, ServerLauncher launcher, PoolerEvents events) {
        this.config = config;
        this.launcher = launcher;
        this.events = events;
    }

    /**
     * The pool of {@code database} for {@code poolUser}, created if needed.
     *
     * @param secret  how servers of this pool authenticate (connection string password or auth_file entry)
     * @param userDef the pool user's {@code [users]} entry, or {@code null}
     */
    public Pool pool(DatabaseDef database, String poolUser, StoredSecret secret, UserDef userDef) {
        PoolKey key = new PoolKey(database.name(), poolUser);
        if (!databaseCaps.containsKey(database.name()) && !config.get().databases().containsKey(database.name())) {
            Log.info("registered new auto-database: %s", database.name()); // its cap is made with its first pool
        }
        // compute, not computeIfAbsent: the touch happens under the map's lock for this key, which freeIdle takes
        // too, so a pool handed out here is never freed before its caller has had a full idle timeout to use it.
        return pools.compute(key, (k, existing) -> existing != null ? touched(existing) : new Pool(k,
                settings(database, userDef),
                target(database, poolUser, secret), launcher, new PoolShared(
                        // Created with their limit: a cap left unlimited until the next janitor tick let the first
                        // logins of two pools open more servers than max_db/user_connections allow.
                        databaseCaps.computeIfAbsent(database.name(),
                                name -> new ConnectionCap(databaseCapLimit(config.get(), name))),
                        userCaps.computeIfAbsent(poolUser, name -> new ConnectionCap(userCapLimit(config.get(), name))),
                        databaseState(database.name()), poolerState, events.database(database.name()))));
    }

    private static Pool touched(Pool pool) {
        pool.touch();
        return pool;
    }

    /** The admin state of a database (PAUSE, DISABLE, RECONNECT), created on first use. */
    public DatabaseState databaseState(String database) {
        return databaseStates.computeIfAbsent(database, name -> new DatabaseState());
    }

    /** The process-wide admin state (global PAUSE, shutdown). */
    public PoolerState poolerState() {
        return poolerState;
    }

    /**
     * Applies a new configuration to existing pools: sizes, modes, timeouts and the connection caps take effect for
     * the next decision; open servers stay. (Changed hosts or credentials are the reload issue's.)
     */
    public void reconfigure(Config c, BiFunction<DatabaseDef, String, StoredSecret> serverSecrets) {
        for (Pool pool : pools.values()) {
            DatabaseDef database = c.databases().get(pool.key().database());
            if (database == null && c.databases().get(DatabaseDef.AUTO_DATABASE) != null) {
                database = c.databases().get(DatabaseDef.AUTO_DATABASE).forAutoDatabase(pool.key().database());
            }
            if (database == null) {
                continue; // removed: its clients finish on the old settings; no new client can log in to it
            }
            pool.updateSettings(settings(c, database, c.users().get(pool.key().user())));
            ServerTarget target = target(database, pool.key().user(),
                    serverSecrets.apply(database, pool.key().user()));
            if (!target.equals(pool.target())) {
                Log.info("%s: database configuration changed, reconnecting", pool.key());
                pool.updateTarget(target);
            }
        }
        refreshCaps(c);
    }

    /**
     * One janitor tick over every pool: timers and warm-up, then eviction where a shared cap keeps queued clients
     * waiting (PgBouncer's src/objects.c: close the most idle server of another pool of the same database or user).
     */
    public void maintain() {
        Config c = config.get();
        refreshCaps(c);
        long now = System.nanoTime();
        for (Pool pool : pools.values()) {
            if (pool.maintain(now)) {
                evictFor(pool);
            }
        }
        freeIdle(c, now);
    }

    /**
     * Frees pools nobody has used for {@code pool_idle_timeout} (PgBouncer HEAD), and drops an auto-database (one
     * made from the {@code *} entry) whose every pool has been unused for {@code autodb_idle_timeout}, with its
     * connection cap and admin state, as PgBouncer drops the database. The check and the removal happen under the
     * map's lock for the key, the same lock {@link #pool} touches a pool under.
     */
    private void freeIdle(Config c, long now) {
        long poolIdle = c.poolIdleTimeout().toNanos();
        if (poolIdle > 0) {
            for (PoolKey key : pools.keySet()) {
                if (pools.computeIfPresent(key, (k, p) -> p.unusedNanos(now) >= poolIdle ? null : p) == null) {
                    Log.info("%s: pool freed, unused for pool_idle_timeout", key);
                }
            }
        }
        long autodbIdle = c.autodbIdleTimeout().toNanos();
        if (autodbIdle <= 0 || !c.databases().containsKey(DatabaseDef.AUTO_DATABASE)) {
            return;
        }
        Map<String, List<Pool>> autoDatabases = new LinkedHashMap<>();
        for (Pool pool : pools.values()) {
            if (!c.databases().containsKey(pool.key().database())) {
                autoDatabases.computeIfAbsent(pool.key().database(), name -> new ArrayList<>()).add(pool);
            }
        }
        autoDatabases.forEach((name, dbPools) -> {
            if (dbPools.stream().allMatch(p -> p.unusedNanos(now) >= autodbIdle)) {
                dbPools.forEach(p -> pools.computeIfPresent(p.key(), (k, q) -> q.unusedNanos(now) >= autodbIdle
                        ? null : q));
                if (pools.keySet().stream().noneMatch(k -> k.database().equals(name))) {
                    databaseCaps.remove(name);
                    databaseStates.remove(name);
                    Log.info("dropping database '%s' as it does not exist anymore or inactive auto-database", name);
                }
            }
        });
    }

    private void evictFor(Pool blocked) {
        for (Pool other : pools.values()) {
            boolean sharesCap = other.key().database().equals(blocked.key().database())
                    || other.key().user().equals(blocked.key().user());
            if (other != blocked && sharesCap && !other.hasWaiters() && other.evictIdle()) {
                return; // its close frees the cap; the next tick (or its closed()) launches for the blocked pool
            }
        }
    }

    private void refreshCaps(Config c) {
        databaseCaps.forEach((name, cap) -> cap.setLimit(databaseCapLimit(c, name)));
        userCaps.forEach((name, cap) -> cap.setLimit(userCapLimit(c, name)));
    }

    /** {@code max_db_connections} of a database: its own value, else the global one (0 = unlimited). */
    private static int databaseCapLimit(Config c, String name) {
        DatabaseDef database = c.databases().get(name);
        int own = database != null ? database.maxDbConnections() : 0;
        return own > 0 ? own : c.maxDbConnections();
    }

    /** {@code max_user_connections} of a user: its own value, else the global one (0 = unlimited). */
    private static int userCapLimit(Config c, String name) {
        UserDef user = c.users().get(name);
        int own = user != null ? user.maxUserConnections() : 0;
        return own > 0 ? own : c.maxUserConnections();
    }

    /** Every pool, in (database, user) order as SHOW commands list them. */
    public List<Pool> all() {
        List<Pool> sorted = new ArrayList<>(pools.values());
        sorted.sort((a, b) -> a.key().compareTo(b.key()));
        return sorted;
    }

    private PoolSettings settings(DatabaseDef database, UserDef user) {
        return settings(config.get(), database, user);
    }

    /** PgBouncer's precedence: [users] entry over [databases] entry over [pgbouncer] (config.md [users]). */
    private static PoolSettings settings(Config c, DatabaseDef database, UserDef user) {
        PoolMode mode = user != null && user.poolMode() != null ? user.poolMode()
                : database.poolMode() != null ? database.poolMode() : c.poolMode();
        int poolSize = user != null && user.poolSize() >= 0 ? user.poolSize()
                : database.poolSize() >= 0 ? database.poolSize() : c.defaultPoolSize();
        int reserve = user != null && user.reservePoolSize() >= 0 ? user.reservePoolSize()
                : database.reservePoolSize() >= 0 ? database.reservePoolSize() : c.reservePoolSize();
        int minPoolSize = database.minPoolSize() >= 0 ? database.minPoolSize() : c.minPoolSize();
        Duration lifetime = database.serverLifetime() > 0
                ? Duration.ofSeconds(database.serverLifetime()) : c.serverLifetime();
        Duration queryWait = user != null && user.queryWaitTimeout() != null ? user.queryWaitTimeout()
                : database.queryWaitTimeout() != null ? database.queryWaitTimeout() : c.queryWaitTimeout();
        return PoolSettings.of(mode, poolSize, reserve, c.reservePoolTimeout(), minPoolSize, c.serverResetQuery(),
                c.serverResetQueryAlways(), c.serverRoundRobin(), lifetime, c.serverIdleTimeout(),
                c.serverLoginRetry(), c.serverConnectTimeout(), database.user() != null, c.serverCheckDelay(),
                c.serverCheckQuery(), queryWait, c.holdOnServerRestart(),
                mode == PoolMode.SESSION && c.serverFastClose());
    }

    private ServerTarget target(DatabaseDef database, String poolUser, StoredSecret secret) {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("database", database.dbname() != null ? database.dbname() : database.name());
        putIfSet(startup, "client_encoding", database.clientEncoding());
        putIfSet(startup, "DateStyle", database.datestyle());
        putIfSet(startup, "TimeZone", database.timezone());
        putIfSet(startup, "application_name", database.applicationName());
        startup.put("user", poolUser);
        return new ServerTarget(addresses(database), !"disable".equals(database.loadBalanceHosts()), poolUser,
                secret, Map.copyOf(startup), database.connectQuery(), database.targetSessionAttrs());
    }

    /**
     * The entry's host, or each host of a comma-separated host list, at the entry's port. A host of {@code /dir}
     * (or none, meaning {@code unix_socket_dir}) is a Unix socket {@code dir/.s.PGSQL.port}; anything else is
     * resolved at connect time, so DNS changes are picked up by new connections.
     */
    private List<SocketAddress> addresses(DatabaseDef database) {
        String hosts = database.host();
        if (hosts == null || hosts.isEmpty()) {
            hosts = config.get().unixSocketDir();
        }
        List<SocketAddress> addresses = new ArrayList<>();
        for (String host : hosts.split(",")) {
            String name = host.strip();
            if (!name.isEmpty()) {
                addresses.add(name.startsWith("/") ? new DomainSocketAddress(name + "/.s.PGSQL." + database.port())
                        : InetSocketAddress.createUnresolved(name, database.port()));
            }
        }
        return addresses;
    }

    private static void putIfSet(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
