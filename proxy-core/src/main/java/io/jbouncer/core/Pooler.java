package io.jbouncer.core;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.core.client.Client;
import io.jbouncer.core.client.ClientConnection;
import io.jbouncer.core.client.ClientCounts;
import io.jbouncer.core.client.ClientTimeouts;
import io.jbouncer.core.client.ClientsByCancelKey;
import io.jbouncer.core.client.StartupParameters;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.DatabaseDef;
import io.jbouncer.core.config.HbaRules;
import io.jbouncer.core.config.UserDef;
import io.jbouncer.core.net.ClientAddress;
import io.jbouncer.core.net.ProxyTrust;
import io.jbouncer.core.net.ServerConnector;
import io.jbouncer.core.net.SocketTuning;
import io.jbouncer.core.peer.CancelKeyLayout;
import io.jbouncer.core.peer.PeerPools;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.PoolManager;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.state.StateCounts;
import io.jbouncer.core.stats.PoolerEvents;
import io.jbouncer.core.tls.ClientTls;
import io.jbouncer.core.tls.TlsContexts;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.BackendKeyData;
import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running pooler's shared state, as the connections see it: the configuration snapshot, the auth_file
 * secrets, the pools, the client count and the cancel-key registry. Thread-safe.
 */
public final class Pooler {
    private final SecureRandom random = new SecureRandom();
    private final byte[] mockKey = new byte[32];
    private final AtomicInteger clients = new AtomicInteger();
    private final ClientCounts clientCounts = new ClientCounts();
    /** Every session's cancel key, and so the logged-in clients (SHOW CLIENTS, KILL_CLIENT). */
    private final ClientsByCancelKey sessions = new ClientsByCancelKey();
    private final StateCounts<ClientState> consoleCounts =
            new StateCounts<>(ClientState.class, ClientState.CL_JUSTFREE);
    private volatile PoolerView adminView;
    private final ServerConnector connector;
    private final PoolManager pools;
    private final PeerPools peers;
    private final PoolerEvents events;
    private volatile Config config;
    private volatile Map<String, StoredSecret> secrets;
    private volatile HbaRules hba;
    private volatile ProxyTrust proxyTrust;
    /** The {@code tcp_*} options of this configuration, worked out once here rather than for every new socket. */
    private volatile SocketTuning socketTuning;
    private volatile StartupParameters startupRules;
    private volatile TlsContexts tls;
    private List<String> trackExtraAtStart;
    /** {@code disable_pqexec}, restart-only: read once, checked on every simple Query. */
    private final boolean simpleQueryDisallowed;

    public Pooler(Config config, Map<String, StoredSecret> secrets, HbaRules hba, TlsContexts tls,
                  ServerConnector connector, PoolerEvents events) {
        random.nextBytes(mockKey);
        this.connector = connector;
        this.events = events;
        this.pools = new PoolManager(this::config, connector, events);
        this.peers = new PeerPools(config, (address, key, written, done) ->
                connector.sendCancel(address, key, this.config.cancelWaitTimeout(), written, done), System::nanoTime);
        this.simpleQueryDisallowed = config.disablePqexec();
        applyTls(tls);
        apply(config, secrets, hba);
    }

    /**
     * Publishes TLS contexts for new connections (start, RELOAD, SIGHUP, SET). When the server-side settings
     * changed, every pool's servers are retired as after RECONNECT, so none keeps talking to PostgreSQL under the
     * old, possibly weaker, settings (PgBouncer tags all pools dirty).
     */
    public void applyTls(TlsContexts contexts) {
        TlsContexts previous = tls;
        tls = contexts;
        connector.useTls(contexts.servers());
        if (previous != null && contexts.serverSettingsChangedFrom(previous)) {
            Log.info("server TLS settings changed, reconnecting all pools");
            pools.all().forEach(Pool::reconnect);
        }
    }

    /** TLS towards clients, as last applied. */
    public ClientTls clientTls() {
        return tls.clients();
    }

    /** Publishes a new configuration, auth_file and auth_hba_file snapshot for new logins. */
    public void apply(Config newConfig, Map<String, StoredSecret> newSecrets, HbaRules newHba) {
        // track_extra_parameters needs a restart (PgBouncer SHOW CONFIG): the value from start stays.
        if (trackExtraAtStart == null) {
            trackExtraAtStart = List.copyOf(newConfig.trackExtraParameters());
        }
        this.config = newConfig;
        this.secrets = Map.copyOf(newSecrets);
        this.hba = newHba;
        this.proxyTrust = ProxyTrust.of(newConfig);
        this.socketTuning = SocketTuning.of(newConfig, connector.transport());
        this.startupRules = new StartupParameters(trackExtraAtStart, newConfig.ignoreStartupParameters());
        pools.reconfigure(newConfig, this::serverSecret);
        peers.reconfigure(newConfig);
        createForcedUserPools(newConfig);
    }

    /**
     * Pools of databases with a forced user exist from the start, not from the first client, so min_pool_size can
     * keep them warm before anyone connects (PgBouncer 1.21 changelog).
     */
    private void createForcedUserPools(Config newConfig) {
        for (DatabaseDef database : newConfig.databases().values()) {
            if (database.user() != null && !DatabaseDef.AUTO_DATABASE.equals(database.name())) {
                pools.pool(database, database.user(), serverSecret(database, database.user()),
                        newConfig.users().get(database.user()));
            }
        }
    }

    /**
     * The janitor's tick: pool timers, warm-up and eviction, then the client timers of every logged-in client
     * (skipped entirely when no client timer is configured, the default).
     */
    public void maintain() {
        pools.maintain();
        Config current = config;
        ClientTimeouts global = ClientTimeouts.of(current, null);
        for (Client client : sessions.loggedIn()) {
            ClientConnection relay = client.relay();
            if (relay == null) {
                continue; // the admin console has no client timers
            }
            UserDef user = current.users().get(client.session().user());
            ClientTimeouts timeouts = user == null ? global : ClientTimeouts.of(current, user);
            if (timeouts.any()) {
                relay.executor().execute(() -> relay.checkTimers(timeouts));
            }
        }
    }

    public Config config() {
        return config;
    }

    /** Whether simple Query messages are refused ({@code disable_pqexec}). */
    public boolean simpleQueryDisallowed() {
        return simpleQueryDisallowed;
    }

    public int maxPacketSize() {
        return (int) Math.min(Integer.MAX_VALUE, config.maxPacketSize());
    }

    public StartupParameters startupRules() {
        return startupRules;
    }

    public PoolManager pools() {
        return pools;
    }

    /** Random per process: makes the mock SCRAM salt of an unknown user stable without revealing anything. */
    public byte[] mockKey() {
        return mockKey;
    }

    /** The auth_hba_file rules in force ({@link HbaRules#NONE} unless {@code auth_type = hba}). */
    public HbaRules hba() {
        return hba;
    }

    /** The auth_file secrets in force. */
    public Map<String, StoredSecret> secrets() {
        return secrets;
    }

    /** The users of the auth_file. */
    public Collection<String> userNames() {
        return secrets.keySet();
    }

    /** The auth_file secret of {@code user}, or {@code null} for an unknown user. */
    public StoredSecret secretOf(String user) {
        return secrets.get(user);
    }

    /**
     * The credentials servers of a pool use (config.md): the connection string's password for the forced user,
     * else the auth_file entry of the pool user (an auth pool's {@code auth_user} is not the forced user).
     */
    public StoredSecret serverSecret(DatabaseDef database, String poolUser) {
        if (database.password() != null && !database.password().isEmpty() && poolUser.equals(database.user())) {
            return StoredSecret.parse(database.password());
        }
        return secretOf(poolUser);
    }

    /** The database entry for a client's database name: its own entry, else one made from {@code *}. */
    public DatabaseDef database(String name) {
        Map<String, DatabaseDef> databases = config.databases();
        DatabaseDef def = databases.get(name);
        if (def == null && !DatabaseDef.ADMIN_DATABASE.equals(name)) {
            DatabaseDef fallback = databases.get(DatabaseDef.AUTO_DATABASE);
            if (fallback != null) {
                def = fallback.forAutoDatabase(name);
            }
        }
        return def;
    }

    public void clientOpened() {
        clients.incrementAndGet();
    }

    public void clientClosed(Client client) {
        clients.decrementAndGet();
        sessions.release(client);
    }

    /** Logged-in clients (a live view; its size is counted on each call). */
    public Collection<Client> clients() {
        return sessions.loggedIn();
    }

    /**
     * The logged-in client with this id, or {@code null}: a scan, for the console's KILL_CLIENT (a table by id would
     * cost an entry and a boxed {@code Long} per idle client, docs/benchmarks.md "Memory and scale").
     */
    public Client client(long id) {
        for (Client client : sessions.loggedIn()) {
            if (client.id() == id) {
                return client;
            }
        }
        return null;
    }

    /** Where refused logins and reloads are reported (the metrics endpoint, or nowhere). */
    public PoolerEvents events() {
        return events;
    }

    /** What the admin console sees; set once at start. */
    public PoolerView adminView() {
        return adminView;
    }

    public void setAdminView(PoolerView view) {
        this.adminView = view;
    }

    public int clientCount() {
        return clients.get();
    }

    /** Clients per database and per user (the client caps, SHOW DATABASES / SHOW USERS). */
    public ClientCounts clientCounts() {
        return clientCounts;
    }

    /**
     * Issues a client its cancel key, unique among live clients: PgBouncer's 8-byte key for a protocol 3.0 client, a
     * 36-byte long key for a 3.2 client, both carrying {@code peer_id} when peering is on ({@link CancelKeyLayout}).
     */
    public BackendKeyData registerForCancel(Client client, boolean longKey) {
        while (true) {
            BackendKeyData key = CancelKeyLayout.issue(random, longKey, config.peerId());
            if (sessions.claim(key, client)) {
                return key;
            }
        }
    }

    /**
     * A CancelRequest arrived: with peering on, a key of another peer is forwarded there (or dropped, TTL spent or
     * peer unknown) and this returns {@code true}; {@code over} runs once, on any thread, when the forward is over
     * (the peer closed the connection, it failed or was cut) or at once for a dropped request. {@code false} for a
     * key of this process ({@code over} is not run).
     */
    public boolean forwardToPeer(BackendKeyData key, Runnable over) {
        return peers.forwardIfForeign(key, over);
    }

    /** A CancelRequest for this process: the client holding that key, or {@code null} for an unknown key. */
    public Client cancelTarget(BackendKeyData key) {
        return sessions.holder(peers.ownKey(key));
    }

    /** Admin console sessions per state: the console's own row of SHOW POOLS. */
    public StateCounts<ClientState> consoleCounts() {
        return consoleCounts;
    }

    /** The cancel forwards to peers (SHOW PEER_POOLS). */
    public PeerPools peers() {
        return peers;
    }

    /**
     * Sends a CancelRequest with a server's own key to that server's address; {@code done} runs once the cancel
     * connection is over (closed by PostgreSQL, failed, or cut at {@code cancel_wait_timeout}).
     */
    public void sendCancel(SocketAddress server, BackendKeyData serverKey, Runnable done) {
        if (serverKey == null) {
            done.run();
            return;
        }
        connector.sendCancel(server, serverKey, config.cancelWaitTimeout(), () -> { }, done);
    }

    /** Which TCP clients must open with a PROXY protocol header, as last applied. */
    public ProxyTrust proxyTrust() {
        return proxyTrust;
    }

    /** The TCP options for each new client and server socket, as last applied. */
    public SocketTuning socketTuning() {
        return socketTuning;
    }

    /** The client's address as PgBouncer's log prefixes show it ({@link ConnectionLog#address}). */
    public String describeRemote(Channel channel) {
        return ConnectionLog.address(ClientAddress.of(channel));
    }
}
