package io.jbouncer.core.admin;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.ShutdownMode;
import io.jbouncer.admin.view.ConfigRow;
import io.jbouncer.admin.view.ConnectionRow;
import io.jbouncer.admin.view.DatabaseRow;
import io.jbouncer.admin.view.DnsHostRow;
import io.jbouncer.admin.view.DnsZoneRow;
import io.jbouncer.admin.view.FdRow;
import io.jbouncer.admin.view.ListsRow;
import io.jbouncer.admin.view.MemRow;
import io.jbouncer.admin.view.PeerPoolRow;
import io.jbouncer.admin.view.PeerRow;
import io.jbouncer.core.peer.PeerPools;
import io.jbouncer.admin.view.PoolRow;
import io.jbouncer.admin.view.SessionSettingRow;
import io.jbouncer.admin.view.SocketRow;
import io.jbouncer.admin.view.StatCounters;
import io.jbouncer.admin.view.StateRow;
import io.jbouncer.admin.view.StatsRow;
import io.jbouncer.admin.view.TotalsRow;
import io.jbouncer.admin.view.UserRow;
import io.jbouncer.core.Log;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.Version;
import io.jbouncer.core.client.Client;
import io.jbouncer.core.client.ClientConnection;
import io.jbouncer.core.client.ClientSession;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.DatabaseDef;
import io.jbouncer.core.config.SettingDef;
import io.jbouncer.core.config.SettingSupport;
import io.jbouncer.core.config.Settings;
import io.jbouncer.core.config.UserDef;
import io.jbouncer.core.net.DnsCache;
import io.jbouncer.core.pool.DatabaseState;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.PoolerState;
import io.jbouncer.core.listen.PoolListener;
import io.jbouncer.core.server.ListenerConnection;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.session.SessionSettings;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.state.ServerState;
import io.jbouncer.core.state.StateCounts;
import io.jbouncer.core.stats.StatsPeriod;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.core.net.Reading;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The admin console's view of the running pooler: snapshots built from the live pools and connections, and the
 * control verbs. Snapshots read volatile state of connections owned by other event loops, so a row may be a few
 * microseconds stale, as PgBouncer's are not; counts never go negative or double-count because each connection
 * is read once.
 */
public final class AdminView implements PoolerView {
    /** How long KILL, KILL_CLIENT and RECONNECT wait at most for what they closed to leave the lists. */
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(2);
    private static final String CONSOLE = DatabaseDef.ADMIN_DATABASE;

    private final Pooler pooler;
    private final StatsPeriod statsPeriod;
    private final Control control;
    private final DnsCache dns;
    private final DelayedReplies delayed = new DelayedReplies();

    /** The verbs that act on the process rather than on pools. */
    public interface Control {
        /** Re-reads the configuration; returns {@code null} or the error text. */
        String reload();

        /** The outcome of the last reload, or {@code null}. */
        StateRow.ReloadOutcome lastReload();

        /**
         * Publishes a configuration changed by SET (same auth_file secrets).
         *
         * @throws IllegalArgumentException when it cannot be applied (its TLS files, say); nothing changed then
         */
        void apply(Config changed);

        /** SUSPEND / RESUME: stop or resume accepting new connections. */
        void setAccepting(boolean accepting);

        /** The listening sockets (SHOW FDS' {@code pooler} rows). */
        List<Channel> listeningSockets();

        void shutdown(ShutdownMode mode);
    }

    public AdminView(Pooler pooler, DnsCache dns, Control control) {
        this.pooler = pooler;
        this.dns = dns;
        this.statsPeriod = new StatsPeriod(this::totalsByDatabase);
        this.control = control;
    }

    /** The averages window; its owner refreshes it every {@code stats_period}. */
    public StatsPeriod statsPeriod() {
        return statsPeriod;
    }

    @Override
    public String version() {
        return "PgBouncer " + Version.PGBOUNCER_COMPATIBLE;
    }

    @Override
    public List<PoolRow> pools() {
        List<PoolRow> rows = new ArrayList<>();
        boolean consoleListed = false;
        for (Pool pool : pooler.pools().all()) {
            if (!consoleListed && CONSOLE.compareTo(pool.key().database()) < 0) {
                rows.add(consolePoolRow());
                consoleListed = true;
            }
            rows.add(poolRow(pool));
        }
        if (!consoleListed) {
            rows.add(consolePoolRow());
        }
        return rows;
    }

    /** One pool's row, from the counts its connections keep (O(1) per pool, no walk over connections). */
    private PoolRow poolRow(Pool pool) {
        StateCounts<ClientState> clients = pool.clientCounts();
        StateCounts<ServerState> servers = pool.serverCounts();
        return new PoolRow(pool.key().database(), pool.key().user(),
                clients.get(ClientState.CL_ACTIVE),
                clients.get(ClientState.CL_WAITING) + clients.get(ClientState.CL_WAITING_LOGIN),
                clients.get(ClientState.CL_ACTIVE_CANCEL), clients.get(ClientState.CL_WAITING_CANCEL),
                servers.get(ServerState.SV_ACTIVE), servers.get(ServerState.SV_ACTIVE_CANCEL),
                servers.get(ServerState.SV_BEING_CANCELED), servers.get(ServerState.SV_IDLE),
                servers.get(ServerState.SV_USED), servers.get(ServerState.SV_TESTED),
                servers.get(ServerState.SV_FREE) + servers.get(ServerState.SV_LOGIN),
                pool.longestWaitNanos(System.nanoTime()) / 1000, pool.settings().mode().configName(), null,
                listenerOf(pool) == null ? 0 : 1);
    }

    /** The pool's LISTEN connection of transaction mode, open or opening, or {@code null}. */
    private static ListenerConnection listenerOf(Pool pool) {
        PoolListener listener = pool.listenerIfAny();
        return listener == null ? null : listener.connection();
    }

    private PoolRow consolePoolRow() {
        int active = pooler.consoleCounts().get(ClientState.CL_ACTIVE);
        return new PoolRow(CONSOLE, CONSOLE, active, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "statement", null, 0);
    }

    @Override
    public List<ConnectionRow> clients() {
        List<ConnectionRow> rows = new ArrayList<>();
        for (Client client : sortedClients()) {
            rows.add(ConnectionRows.of(client));
        }
        return rows;
    }

    @Override
    public List<SessionSettingRow> sessionSettings() {
        List<SessionSettingRow> rows = new ArrayList<>();
        for (Client client : sortedClients()) {
            ClientConnection relay = client.relay();
            SessionSettings tracked = relay == null ? null : relay.sessionSettings();
            ClientSession session = client.session();
            if (tracked != null && session != null) {
                tracked.committed().values().forEach(setting -> rows.add(new SessionSettingRow(client.id(),
                        ConnectionRows.ptr(client.id()), session.user(), session.database(), setting.key(),
                        setting.value())));
            }
        }
        return rows;
    }

    @Override
    public List<ConnectionRow> servers() {
        List<ConnectionRow> rows = new ArrayList<>();
        for (Pool pool : pooler.pools().all()) {
            for (ServerConnection server : pool.servers()) {
                rows.add(ConnectionRows.of(server));
            }
            ListenerConnection listener = listenerOf(pool);
            if (listener != null) {
                rows.add(ConnectionRows.of(listener, pool));
            }
        }
        return rows;
    }

    @Override
    public List<SocketRow> sockets() {
        List<SocketRow> rows = new ArrayList<>();
        for (ConnectionRow row : clients()) {
            rows.add(new SocketRow(row, 0, 0, 0, 0, 0, 0, 0, false));
        }
        for (ConnectionRow row : servers()) {
            rows.add(new SocketRow(row, 0, 0, 0, 0, 0, 0, 0, false));
        }
        return rows;
    }

    private DatabaseRow databaseRow(Config config, DatabaseDef db) {
        int maxConnections = db.maxDbConnections() > 0 ? db.maxDbConnections() : config.maxDbConnections();
        int maxClients = db.maxDbClientConnections() > 0 ? db.maxDbClientConnections()
                : config.maxDbClientConnections();
        return new DatabaseRow(db.name(), db.host(), db.port(),
                db.dbname() != null ? db.dbname() : db.name(), db.user(),
                db.poolSize() >= 0 ? db.poolSize() : config.defaultPoolSize(),
                db.minPoolSize() >= 0 ? db.minPoolSize() : config.minPoolSize(),
                db.reservePoolSize() >= 0 ? db.reservePoolSize() : config.reservePoolSize(),
                db.serverLifetime() > 0 ? db.serverLifetime() : (int) config.serverLifetime().toSeconds(),
                db.poolMode() == null ? null : db.poolMode().configName(),
                db.host() != null && db.host().contains(",") ? db.loadBalanceHosts() : null,
                maxConnections, serverCount(db.name(), null), maxClients,
                pooler.clientCounts().ofDatabase(db.name()),
                pooler.pools().databaseState(db.name()).paused(),
                pooler.pools().databaseState(db.name()).disabled());
    }

    @Override
    public List<DatabaseRow> databases() {
        Config config = pooler.config();
        Map<String, DatabaseRow> rows = new TreeMap<>();
        rows.put(CONSOLE, new DatabaseRow(CONSOLE, null, config.listenPort(), CONSOLE, CONSOLE, 2, 0, 0, 0,
                "statement", null, 0, 0, 0, consoleClients(), false, false));
        for (DatabaseDef db : config.databases().values()) {
            if (!DatabaseDef.AUTO_DATABASE.equals(db.name())) {
                rows.put(db.name(), databaseRow(config, db));
            }
        }
        // Auto-databases (made from the * entry for a client) are listed while they have pools, as PgBouncer lists
        // them until autodb_idle_timeout drops them.
        for (Pool pool : pooler.pools().all()) {
            String name = pool.key().database();
            if (!rows.containsKey(name)) {
                DatabaseDef auto = pooler.database(name);
                if (auto != null) {
                    rows.put(name, databaseRow(config, auto));
                }
            }
        }
        return new ArrayList<>(rows.values());
    }

    @Override
    public List<UserRow> users() {
        Config config = pooler.config();
        TreeSet<String> names = new TreeSet<>(pooler.userNames());
        names.addAll(config.users().keySet());
        pooler.pools().all().forEach(pool -> names.add(pool.key().user())); // forced, auth_user and auth_query users
        names.add(CONSOLE);
        List<UserRow> rows = new ArrayList<>();
        for (String name : names) {
            UserDef user = config.users().get(name);
            int maxConnections = user != null && user.maxUserConnections() > 0 ? user.maxUserConnections()
                    : config.maxUserConnections();
            int maxClients = user != null && user.maxUserClientConnections() > 0 ? user.maxUserClientConnections()
                    : config.maxUserClientConnections();
            rows.add(new UserRow(name, user == null ? -1 : user.poolSize(), user == null ? -1 : user.reservePoolSize(),
                    user == null || user.poolMode() == null ? null : user.poolMode().configName(),
                    maxConnections, serverCount(null, name), maxClients, pooler.clientCounts().ofUser(name)));
        }
        return rows;
    }

    @Override
    public List<StatsRow> stats() {
        List<StatsRow> rows = new ArrayList<>();
        totalsByDatabase().forEach((db, total) -> rows.add(new StatsRow(db, total, statsPeriod.averageOf(db))));
        return rows;
    }

    /** Counters summed over the pools of each database, console included; what the stats period snapshots. */
    public Map<String, StatCounters> totalsByDatabase() {
        Map<String, StatCounters> totals = new TreeMap<>();
        totals.put(CONSOLE, StatsPeriod.zero());
        for (Pool pool : pooler.pools().all()) {
            totals.merge(pool.key().database(), pool.stats().snapshot(), StatsPeriod::plus);
        }
        return totals;
    }

    @Override
    public TotalsRow totals() {
        StatCounters total = StatsPeriod.zero();
        StatCounters average = StatsPeriod.zero();
        for (StatsRow row : stats()) {
            total = StatsPeriod.plus(total, row.total());
            average = StatsPeriod.plus(average, row.average());
        }
        return new TotalsRow(total, average);
    }

    @Override
    public List<ConfigRow> config() {
        Config config = pooler.config();
        List<ConfigRow> rows = new ArrayList<>();
        for (SettingDef setting : Settings.all()) {
            rows.add(new ConfigRow(setting.name(), config.valueAsShown(setting.name()), setting.defaultAsShown(),
                    setting.reloadable()));
        }
        return rows;
    }

    @Override
    public ListsRow lists() {
        Config config = pooler.config();
        int databases = (int) config.databases().keySet().stream()
                .filter(name -> !DatabaseDef.AUTO_DATABASE.equals(name))
                .count() + 1;
        int loggedIn = pooler.clients().size();
        int servers = pooler.pools().all().stream().mapToInt(p -> p.servers().size()).sum();
        return new ListsRow(databases, users().size(), config.peers().size(), pooler.pools().all().size() + 1,
                pooler.peers().rows().size(), 0,
                loggedIn, Math.max(0, pooler.clientCount() - loggedIn), 0, servers, dns.names(), 0,
                dns.queriesInFlight(), 0);
    }

    @Override
    public StateRow state() {
        PoolerState state = pooler.pools().poolerState();
        return new StateRow(state.paused(), state.suspended(), control.lastReload());
    }

    @Override
    public List<PeerRow> peers() {
        List<PeerRow> rows = new ArrayList<>();
        Config config = pooler.config();
        config.peers().values().forEach(p -> rows.add(new PeerRow(p.id(), p.host(), p.port(),
                PeerPools.effectivePoolSize(p, config))));
        return rows;
    }

    @Override
    public List<PeerPoolRow> peerPools() {
        return pooler.peers().rows();
    }

    /**
     * PgBouncer lists its slab caches. The JVM allocates these objects on its heap without caches of fixed-size
     * items, so the object rows give PgBouncer's names with the number in use (size, free and memtotal 0), and
     * {@code iobuf_cache} gives the bytes Netty's buffer allocator has handed out for socket I/O as memtotal.
     */
    @Override
    public List<MemRow> mem() {
        ListsRow lists = lists();
        List<MemRow> rows = new ArrayList<>();
        rows.add(new MemRow("user_cache", 0, lists.users(), 0, 0));
        rows.add(new MemRow("db_cache", 0, lists.databases(), 0, 0));
        rows.add(new MemRow("peer_cache", 0, lists.peers(), 0, 0));
        rows.add(new MemRow("pool_cache", 0, lists.pools(), 0, 0));
        rows.add(new MemRow("server_cache", 0, lists.usedServers(), 0, 0));
        rows.add(new MemRow("client_cache", 0, lists.usedClients() + lists.loginClients(), 0, 0));
        rows.add(new MemRow("iobuf_cache", 0, 0, 0, (int) Math.min(Integer.MAX_VALUE, ioBufferBytes())));
        return rows;
    }

    private static long ioBufferBytes() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            return metric.usedDirectMemory() + metric.usedHeapMemory();
        }
        return 0;
    }

    @Override
    public List<DnsHostRow> dnsHosts() {
        return dns.rows();
    }

    /** No zones: PgBouncer polls zone serials only with c-ares and {@code dns_zone_check_period} above 0. */
    @Override
    public List<DnsZoneRow> dnsZones() {
        return List.of();
    }

    @Override
    public List<FdRow> fds() {
        return FdRows.of(control.listeningSockets(), pooler.clients(), pooler.pools().all());
    }

    /** PAUSE [db]: stop handing out servers, close idle ones, reply once none is busy (PgBouncer usage.md). */
    @Override
    public CompletionStage<String> pause(String dbOrNull) {
        if (dbOrNull == null) {
            PoolerState state = pooler.pools().poolerState();
            if (state.paused() || state.suspended()) {
                return done("already suspended/paused");
            }
            state.setPaused(true);
            pooler.pools().all().forEach(Pool::pauseChanged);
            return delayed.when(() -> busyServers(null) == 0);
        }
        String refused = refuseAdminOrUnknown(dbOrNull, "cannot pause admin db: ");
        if (refused != null) {
            return done(refused);
        }
        DatabaseState state = pooler.pools().databaseState(dbOrNull);
        if (state.paused()) {
            return done("already suspended/paused");
        }
        state.setPaused(true);
        poolsOf(dbOrNull).forEach(Pool::pauseChanged);
        return delayed.when(() -> busyServers(dbOrNull) == 0);
    }

    /**
     * RESUME [db]: the plain form undoes only a global PAUSE; a database paused by {@code PAUSE db} or KILL needs
     * {@code RESUME db}.
     */
    @Override
    public CompletionStage<String> resume(String dbOrNull) {
        if (pooler.pools().poolerState().shuttingDown()) {
            return done("pooler is shutting down");
        }
        if (dbOrNull == null) {
            PoolerState state = pooler.pools().poolerState();
            if (state.suspended()) {
                endSuspend();
                return done(null);
            }
            if (!state.paused()) {
                return done("pooler is not paused/suspended");
            }
            state.setPaused(false);
            pooler.pools().all().forEach(Pool::pauseChanged);
            return done(null);
        }
        String refused = refuseAdminOrUnknown(dbOrNull, "cannot resume admin db: ");
        if (refused != null) {
            return done(refused);
        }
        DatabaseState state = pooler.pools().databaseState(dbOrNull);
        if (!state.paused()) {
            return done("database " + dbOrNull + " is not paused");
        }
        state.setPaused(false);
        poolsOf(dbOrNull).forEach(Pool::pauseChanged);
        return done(null);
    }

    /**
     * SUSPEND (PgBouncer usage.md): stop accepting and stop reading every pooled client and server socket (console
     * sessions go on, so RESUME can be sent); reply once what was already written has been flushed, or after
     * {@code suspend_timeout}. RESUME undoes it; it also ends by itself when no console session remains.
     */
    @Override
    public CompletionStage<String> suspend() {
        PoolerState state = pooler.pools().poolerState();
        if (state.paused() || state.suspended()) {
            return done("already suspended/paused");
        }
        if (databasesOf(null).stream().anyMatch(db -> pooler.pools().databaseState(db).paused())) {
            return done("cannot suspend with paused databases");
        }
        state.setSuspended(true);
        control.setAccepting(false);
        pooledChannels().forEach(channel -> Reading.set(channel, false));
        long deadline = System.nanoTime() + pooler.config().suspendTimeout().toNanos();
        FlushProbe written = new FlushProbe(this::pooledChannels);
        return delayed.when(() -> written.flushed() || System.nanoTime() >= deadline);
    }

    /** RESUME after SUSPEND: accept and read again. */
    private void endSuspend() {
        pooler.pools().poolerState().setSuspended(false);
        control.setAccepting(true);
        pooledChannels().forEach(channel -> Reading.set(channel, true));
    }

    /** PgBouncer resumes a SUSPEND by itself once no console session is left to send RESUME. */
    private void resumeIfNoConsoleLeft() {
        if (pooler.pools().poolerState().suspended()
                && pooler.consoleCounts().live() == 0) {
            Log.info("no admin console connection left, resuming");
            endSuspend();
        }
    }

    /** The sockets SUSPEND stops: logged-in pooled clients and every server connection. */
    private List<Channel> pooledChannels() {
        List<Channel> channels = new ArrayList<>();
        for (Client client : pooler.clients()) {
            if (!client.isConsole() && client.channel() != null) {
                channels.add(client.channel());
            }
        }
        for (Pool pool : pooler.pools().all()) {
            for (ServerConnection server : pool.servers()) {
                if (server.channel() != null) {
                    channels.add(server.channel());
                }
            }
        }
        return channels;
    }

    @Override
    public CompletionStage<String> disable(String db) {
        return setDisabled(db, true, "cannot disable admin db: ");
    }

    @Override
    public CompletionStage<String> enable(String db) {
        return setDisabled(db, false, "cannot enable admin db: ");
    }

    /** DISABLE / ENABLE db: new clients of {@code db} are refused or allowed again; not for the console itself. */
    private CompletionStage<String> setDisabled(String db, boolean disabled, String adminRefusal) {
        String refused = refuseAdminOrUnknown(db, adminRefusal);
        if (refused == null) {
            pooler.pools().databaseState(db).setDisabled(disabled);
        }
        return done(refused);
    }

    /** RECONNECT [db]: every current server becomes close_needed; idle ones close now, busy ones at release. */
    @Override
    public CompletionStage<String> reconnect(String dbOrNull) {
        if (dbOrNull != null) {
            String refused = refuseAdminOrUnknown(dbOrNull, "cannot reconnect admin db: ");
            if (refused != null) {
                return done(refused);
            }
        }
        List<CompletionStage<Void>> gone = new ArrayList<>();
        for (String db : databasesOf(dbOrNull)) {
            poolsOf(db).forEach(pool -> gone.addAll(pool.reconnect()));
        }
        return whenGone(gone);
    }

    /** KILL [db]: drop the clients (`database removed`) and servers of the database(s) and leave them paused. */
    @Override
    public CompletionStage<String> kill(String dbOrNull) {
        if (dbOrNull != null) {
            String refused = refuseAdminOrUnknown(dbOrNull, "cannot kill admin db: ");
            if (refused != null) {
                return done(refused);
            }
            if (pooler.pools().databaseState(dbOrNull).paused()) {
                return done("already suspended/paused");
            }
        }
        List<CompletionStage<Void>> gone = new ArrayList<>();
        for (String db : databasesOf(dbOrNull)) {
            pooler.pools().databaseState(db).setPaused(true);
            for (Client client : pooler.clients()) {
                if (client.session().pool() != null && client.session().database().equals(db)) {
                    client.executor().execute(() -> client.closeWithError(
                            ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "database removed")));
                    gone.add(client.gone());
                }
            }
            poolsOf(db).forEach(pool -> gone.addAll(pool.killServers("database removed")));
        }
        return whenGone(gone);
    }

    @Override
    public CompletionStage<String> killClient(long id) {
        Client client = pooler.client(id);
        if (client == null) {
            return CompletableFuture.completedFuture("client not found");
        }
        client.executor().execute(() -> client.closeWithError(
                ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "admin forced disconnect")));
        return whenGone(List.of(client.gone()));
    }

    /** WAIT_CLOSE [db]: replies once no close_needed server (after RECONNECT or a reload) remains. */
    @Override
    public CompletionStage<String> waitClose(String dbOrNull) {
        if (dbOrNull != null) {
            String refused = refuseAdminOrUnknown(dbOrNull, "cannot wait in admin db: ");
            if (refused != null) {
                return done(refused);
            }
        }
        return delayed.when(() -> poolsOfAny(dbOrNull).stream().mapToInt(Pool::closeNeededServers).sum() == 0);
    }

    /** The janitor's tick: completes delayed replies whose condition now holds; ends an orphaned SUSPEND. */
    public void pollDelayedReplies() {
        delayed.poll();
        resumeIfNoConsoleLeft();
    }

    @Override
    public CompletionStage<String> reload() {
        return CompletableFuture.completedFuture(control.reload());
    }

    @Override
    public void shutdown(ShutdownMode mode) {
        control.shutdown(mode);
    }

    /**
     * {@code SET key = value} (PgBouncer usage.md): a reloadable setting takes effect at once, as if the file said so
     * (until the next RELOAD re-reads the file); a restart-only one is reported as set but keeps its value, as in
     * PgBouncer; an unknown key, a refused value, or a value jbouncer does not support ({@link SettingSupport})
     * answers {@code SET failed}.
     */
    @Override
    public CompletionStage<String> set(String key, String value) {
        try {
            Config changed = pooler.config().withSetting(key, value);
            List<SettingSupport.Refusal> refused = SettingSupport.refusals(changed);
            if (!refused.isEmpty()) {
                refused.forEach(r -> Log.error("SET %s failed: %s", key, r.message()));
                return done("SET failed");
            }
            if (Config.reloadable(key)) {
                control.apply(changed);
            } else {
                Log.warning("SET %s: takes effect only after a restart, value kept", key);
            }
            return done(null);
        } catch (IllegalArgumentException e) {
            Log.error("SET %s failed: %s", key, e.getMessage());
            return done("SET failed");
        }
    }

    private static CompletionStage<String> done(String errorOrNull) {
        return CompletableFuture.completedFuture(errorOrNull);
    }

    /**
     * A command's reply, once every connection it closed is gone from the lists, so the SHOW that a script runs next
     * no longer shows them (the closes run on the connections' own event loops). Bounded: a connection that never
     * reports back does not hold the console.
     */
    private static CompletionStage<String> whenGone(List<CompletionStage<Void>> gone) {
        return CompletableFuture.allOf(gone.stream().map(CompletionStage::toCompletableFuture)
                        .toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, VISIBLE_WITHIN.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(allGone -> null);
    }

    /** PgBouncer's refusals for a database argument: the console itself, or a database not configured. */
    private String refuseAdminOrUnknown(String db, String adminRefusal) {
        if (CONSOLE.equals(db)) {
            return adminRefusal + db;
        }
        if (pooler.database(db) == null && poolsOf(db).isEmpty()) {
            return "no such database: " + db;
        }
        return null;
    }

    /** The databases a command without argument applies to: every configured one and every one with pools. */
    private List<String> databasesOf(String dbOrNull) {
        if (dbOrNull != null) {
            return List.of(dbOrNull);
        }
        TreeSet<String> names = new TreeSet<>(pooler.config().databases().keySet());
        names.remove(DatabaseDef.AUTO_DATABASE);
        pooler.pools().all().forEach(pool -> names.add(pool.key().database()));
        return new ArrayList<>(names);
    }

    private List<Pool> poolsOf(String db) {
        return pooler.pools().all().stream().filter(p -> p.key().database().equals(db)).toList();
    }

    private List<Pool> poolsOfAny(String dbOrNull) {
        return dbOrNull == null ? pooler.pools().all() : poolsOf(dbOrNull);
    }

    private int busyServers(String dbOrNull) {
        return poolsOfAny(dbOrNull).stream().mapToInt(Pool::busyServers).sum();
    }

    private List<Client> sortedClients() {
        List<Client> clients = new ArrayList<>(pooler.clients());
        clients.sort((a, b) -> {
            int byDb = a.session().database().compareTo(b.session().database());
            return byDb != 0 ? byDb : Long.compare(a.id(), b.id());
        });
        return clients;
    }

    /** Console sessions logged in (the Unix-socket {@code pgbouncer} user too, which the client caps skip). */
    private int consoleClients() {
        return (int) pooler.clients().stream().filter(c -> CONSOLE.equals(c.session().database())).count();
    }

    private int serverCount(String database, String user) {
        return pooler.pools().all().stream()
                .filter(p -> database == null || p.key().database().equals(database))
                .filter(p -> user == null || p.key().user().equals(user))
                .mapToInt(p -> p.servers().size())
                .sum();
    }


}
