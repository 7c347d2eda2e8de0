package io.jbouncer.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable snapshot of a loaded {@code pgbouncer.ini}: every {@code [pgbouncer]} setting (one typed accessor
 * each, named after the key in camelCase), plus the {@code [databases]}, {@code [users]} and {@code [peers]}
 * entries. Built by {@link ConfigLoader}; safe to share between threads.
 *
 * <p>Conventions: times are {@link Duration}s (PgBouncer keeps whole microseconds); lists are split on commas and
 * blanks, as PgBouncer's membership tests do; a null string is PgBouncer's NULL (not set), distinct from "".
 * PgBouncer's booleans are C ints: any non-zero value is on, and {@link #valueAsShown} prints the number given.
 *
 * <p>This class is long (about 100 one-line accessors) because it mirrors PgBouncer's settings table one to one;
 * the logic lives in {@link ConfigLoader}, {@link Settings} and {@link SettingType}.
 */
public final class Config {

    private final Path file;
    private final Map<String, Object> values;
    private final Set<String> explicitlySetKeys;
    private final Map<String, DatabaseDef> databases;
    private final Map<String, UserDef> users;
    private final Map<Integer, PeerDef> peers;
    private final String autodbConnstr;
    private final List<String> warnings;
    /**
     * {@code max_prepared_statements}, read at every server hand-out: a field, not a map lookup and unboxing (the
     * values never change in a snapshot).
     */
    private final int maxPreparedStatements;

    Config(Path file, Map<String, Object> values, Set<String> explicitlySetKeys, Map<String, DatabaseDef> databases,
            Map<String, UserDef> users, Map<Integer, PeerDef> peers, String autodbConnstr, List<String> warnings) {
        this.file = file;
        this.values = Collections.unmodifiableMap(new HashMap<>(values));
        this.explicitlySetKeys = Collections.unmodifiableSet(new LinkedHashSet<>(explicitlySetKeys));
        this.databases = Collections.unmodifiableMap(new LinkedHashMap<>(databases));
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        this.peers = Collections.unmodifiableMap(new TreeMap<>(peers));
        this.autodbConnstr = autodbConnstr;
        this.warnings = List.copyOf(warnings);
        this.maxPreparedStatements = integer("max_prepared_statements");
    }

    /** The file this snapshot was loaded from, as given to {@link ConfigLoader#load}. */
    public Path file() {
        return file;
    }

    /**
     * {@code [databases]} entries in file order (a repeated name keeps its first position, later values win). The
     * fallback entry is under {@code "*"} when present and valid; see {@link DatabaseDef#forAutoDatabase}.
     */
    public Map<String, DatabaseDef> databases() {
        return databases;
    }

    /** {@code [users]} entries in file order. */
    public Map<String, UserDef> users() {
        return users;
    }

    /** {@code [peers]} entries by id, ascending (SHOW PEERS order). */
    public Map<Integer, PeerDef> peers() {
        return peers;
    }

    /**
     * The raw {@code *} connection string, or null. PgBouncer only parses it when an auto-database is registered,
     * so a bad one does not fail the load: it is then missing from {@link #databases()} (unknown databases get
     * "no such database", as in PgBouncer) and reported in {@link #warnings()}.
     */
    public String autodbConnstr() {
        return autodbConnstr;
    }

    /** Things PgBouncer would log as warnings while loading this file; empty for a clean file. */
    public List<String> warnings() {
        return warnings;
    }

    /** {@code [pgbouncer]} keys set by the file(s), after any reset by a later {@code [pgbouncer]} header. */
    public Set<String> explicitlySetKeys() {
        return explicitlySetKeys;
    }

    /**
     * The value of {@code key} as SHOW CONFIG prints it: times with {@code %g}, ints in decimal (so {@code 0777}
     * shows as {@code 511}), enums lower-case, strings verbatim ("" for empty), null for NULL.
     *
     * @throws IllegalArgumentException if {@code key} is not a {@code [pgbouncer]} setting
     */
    public String valueAsShown(String key) {
        Settings.Setting setting = setting(key);
        if (key.equals("verbose") && values.get(key) == null) {
            return "0"; // a C int that was never set prints as 0; the default column still says NULL
        }
        return setting.type().show(values.get(key));
    }

    /** {@code admin_users}: Users allowed to run every console command. */
    public List<String> adminUsers() {
        return list("admin_users");
    }

    /** {@code application_name_add_host}: Whether the client address is appended to {@code application_name}. */
    public boolean applicationNameAddHost() {
        return bool("application_name_add_host");
    }

    /** {@code auth_dbname}: Database that runs {@code auth_query}, null = the requested one. */
    public String authDbname() {
        return string("auth_dbname");
    }

    /** {@code auth_file}: The userlist file, null if not set. */
    public String authFile() {
        return string("auth_file");
    }

    /** {@code auth_hba_file}: HBA rules file for {@code auth_type=hba}, "" if not set. */
    public String authHbaFile() {
        return string("auth_hba_file");
    }

    /** {@code auth_ident_file}: Ident map file, null if not set. */
    public String authIdentFile() {
        return string("auth_ident_file");
    }

    /** {@code auth_ldap_options}: LDAP options, null if not set. */
    public String authLdapOptions() {
        return string("auth_ldap_options");
    }

    /** {@code auth_query}: Query that looks up a password by user name ({@code $1}). */
    public String authQuery() {
        return string("auth_query");
    }

    /** {@code auth_type}: How clients authenticate. */
    public AuthType authType() {
        return (AuthType) value("auth_type");
    }

    /** {@code auth_user}: User that runs {@code auth_query}, null if not set. */
    public String authUser() {
        return string("auth_user");
    }

    /** {@code autodb_idle_timeout}: Idle time after which an unused auto-database is dropped. */
    public Duration autodbIdleTimeout() {
        return time("autodb_idle_timeout");
    }

    /** {@code cancel_wait_timeout}: Limit for forwarding a cancel request. */
    public Duration cancelWaitTimeout() {
        return time("cancel_wait_timeout");
    }

    /** {@code client_idle_timeout}: Idle limit for clients (0 = off). */
    public Duration clientIdleTimeout() {
        return time("client_idle_timeout");
    }

    /** {@code client_login_timeout}: Limit for a client to log in. */
    public Duration clientLoginTimeout() {
        return time("client_login_timeout");
    }

    /** {@code client_tls13_ciphers}: TLS 1.3 cipher suites for clients, null = library default. */
    public String clientTls13Ciphers() {
        return string("client_tls13_ciphers");
    }

    /** {@code client_tls_ca_file}: CA file for client certificates. */
    public String clientTlsCaFile() {
        return string("client_tls_ca_file");
    }

    /** {@code client_tls_cert_file}: Certificate presented to clients. */
    public String clientTlsCertFile() {
        return string("client_tls_cert_file");
    }

    /** {@code client_tls_ciphers}: TLS 1.2 cipher list for clients. */
    public String clientTlsCiphers() {
        return string("client_tls_ciphers");
    }

    /** {@code client_tls_dheparams}: DH parameters for clients. */
    public String clientTlsDheparams() {
        return string("client_tls_dheparams");
    }

    /** {@code client_tls_ecdhcurve}: ECDH curve for clients. */
    public String clientTlsEcdhcurve() {
        return string("client_tls_ecdhcurve");
    }

    /** {@code client_tls_key_file}: Private key for the client-facing certificate. */
    public String clientTlsKeyFile() {
        return string("client_tls_key_file");
    }

    /** {@code client_tls_protocols}: TLS versions accepted from clients. */
    public String clientTlsProtocols() {
        return string("client_tls_protocols");
    }

    /** {@code client_tls_sslmode}: TLS policy towards clients. */
    public SslMode clientTlsSslmode() {
        return (SslMode) value("client_tls_sslmode");
    }

    /** {@code conffile}: The file used on the next reload (the loaded file unless set). */
    public String conffile() {
        return string("conffile");
    }

    /** {@code default_pool_size}: Server connections per (database, user) pool; 0 = unlimited. */
    public int defaultPoolSize() {
        return integer("default_pool_size");
    }

    /** {@code disable_pqexec}: Whether the simple Query protocol is refused. */
    public boolean disablePqexec() {
        return bool("disable_pqexec");
    }

    /** {@code dns_max_ttl}: How long a DNS answer is cached. */
    public Duration dnsMaxTtl() {
        return time("dns_max_ttl");
    }

    /** {@code dns_nxdomain_ttl}: How long a DNS failure is cached. */
    public Duration dnsNxdomainTtl() {
        return time("dns_nxdomain_ttl");
    }

    /** {@code dns_zone_check_period}: SOA polling period (0 = off). */
    public Duration dnsZoneCheckPeriod() {
        return time("dns_zone_check_period");
    }

    /**
     * {@code hold_on_server_restart} (a jbouncer extension): while no server of a pool can be reached, queued clients
     * wait (up to {@code query_wait_timeout}) instead of failing fast.
     */
    public boolean holdOnServerRestart() {
        return bool("hold_on_server_restart");
    }

    /**
     * {@code transaction_listen} (a jbouncer extension, docs/transaction-mode.md): in transaction and statement mode
     * a client's LISTEN is served by one listener connection per pool instead of sticking to a pooled server.
     */
    public boolean transactionListen() {
        return bool("transaction_listen");
    }

    /**
     * {@code notify_queue_size} (a jbouncer extension): how many notifications may wait for one client that does not
     * read them before it is disconnected.
     */
    public int notifyQueueSize() {
        return integer("notify_queue_size");
    }

    /** {@code idle_transaction_timeout}: Idle-in-transaction limit (0 = off). */
    public Duration idleTransactionTimeout() {
        return time("idle_transaction_timeout");
    }

    /** {@code ignore_startup_parameters}: Startup parameters silently dropped. */
    public List<String> ignoreStartupParameters() {
        return list("ignore_startup_parameters");
    }

    /** {@code job_name}: Service name (Windows). */
    public String jobName() {
        return string("job_name");
    }

    /** {@code listen_addr}: TCP addresses to listen on, comma-separated; "*" = all, "" = Unix socket only. */
    public String listenAddr() {
        return string("listen_addr");
    }

    /** {@code listen_backlog}: Listen queue length. */
    public int listenBacklog() {
        return integer("listen_backlog");
    }

    /** {@code listen_port}: TCP port, also the Unix socket suffix. */
    public int listenPort() {
        return integer("listen_port");
    }

    /** {@code log_connections}: Whether logins are logged. */
    public boolean logConnections() {
        return bool("log_connections");
    }

    /** {@code log_disconnections}: Whether disconnections are logged. */
    public boolean logDisconnections() {
        return bool("log_disconnections");
    }

    /** {@code log_format}: Log line format, a jbouncer extension ({@code text} = PgBouncer's, or {@code json}). */
    public LogFormat logFormat() {
        return (LogFormat) value("log_format");
    }

    /** {@code io_transport}: The Netty transport, a jbouncer extension ({@code auto}, epoll, io_uring or nio). */
    public IoTransport ioTransport() {
        return (IoTransport) value("io_transport");
    }

    /** {@code metrics_addr}: Address of the HTTP metrics endpoint, a jbouncer extension (docs/metrics.md). */
    public String metricsAddr() {
        return string("metrics_addr");
    }

    /** {@code metrics_port}: Port of the HTTP metrics endpoint; 0 (the default) = no endpoint. A jbouncer extension. */
    public int metricsPort() {
        return integer("metrics_port");
    }

    /** {@code log_pooler_errors}: Whether errors sent to clients are logged. */
    public boolean logPoolerErrors() {
        return bool("log_pooler_errors");
    }

    /** {@code log_stats}: Whether periodic statistics are logged. */
    public boolean logStats() {
        return bool("log_stats");
    }

    /** {@code logfile}: Log file, "" = none. */
    public String logfile() {
        return string("logfile");
    }

    /** {@code login_notify_message}: NOTICE sent after login, "" = none. */
    public String loginNotifyMessage() {
        return string("login_notify_message");
    }

    /** {@code max_client_conn}: Maximum client connections. */
    public int maxClientConn() {
        return integer("max_client_conn");
    }

    /** {@code max_db_client_connections}: Client connections per database (0 = unlimited). */
    public int maxDbClientConnections() {
        return integer("max_db_client_connections");
    }

    /** {@code max_db_connections}: Server connections per database (0 = unlimited). */
    public int maxDbConnections() {
        return integer("max_db_connections");
    }

    /** {@code max_packet_size}: Largest packet accepted, as a C unsigned int. */
    public long maxPacketSize() {
        return unsignedInt("max_packet_size");
    }

    /** {@code max_prepared_statements}: Prepared statements cached per server connection (0 = off). */
    public int maxPreparedStatements() {
        return maxPreparedStatements;
    }

    /** {@code max_user_client_connections}: Client connections per user (0 = unlimited). */
    public int maxUserClientConnections() {
        return integer("max_user_client_connections");
    }

    /** {@code max_user_connections}: Server connections per user (0 = unlimited). */
    public int maxUserConnections() {
        return integer("max_user_connections");
    }

    /** {@code min_pool_size}: Server connections kept open per pool. */
    public int minPoolSize() {
        return integer("min_pool_size");
    }

    /** {@code peer_id}: This process' peer id (0 = peering off). */
    public int peerId() {
        return integer("peer_id");
    }

    /** {@code pidfile}: PID file, "" = none. */
    public String pidfile() {
        return string("pidfile");
    }

    /** {@code pkt_buf}: Per-connection buffer size. */
    public int pktBuf() {
        return integer("pkt_buf");
    }

    /** {@code pool_mode}: Default pooling mode. */
    public PoolMode poolMode() {
        return (PoolMode) value("pool_mode");
    }

    /** {@code pool_idle_timeout}: Idle time after which an empty pool is freed (0 = never). */
    public Duration poolIdleTimeout() {
        return time("pool_idle_timeout");
    }

    /** {@code query_timeout}: Running-query limit (0 = off). */
    public Duration queryTimeout() {
        return time("query_timeout");
    }

    /** {@code query_wait_notify}: Seconds of queueing before a NOTICE is sent (0 = off). */
    public int queryWaitNotify() {
        return integer("query_wait_notify");
    }

    /** {@code query_wait_timeout}: Limit for waiting for a server (0 = off). */
    public Duration queryWaitTimeout() {
        return time("query_wait_timeout");
    }

    /** {@code reserve_pool_size}: Extra server connections for pools that wait too long. */
    public int reservePoolSize() {
        return integer("reserve_pool_size");
    }

    /** {@code reserve_pool_timeout}: Wait after which the reserve may be used (0 = reserve off). */
    public Duration reservePoolTimeout() {
        return time("reserve_pool_timeout");
    }

    /** {@code resolv_conf}: Resolver configuration file, "" = system. */
    public String resolvConf() {
        return string("resolv_conf");
    }

    /** {@code sbuf_loopcnt}: Reads per connection per event loop turn (0 = unlimited). */
    public int sbufLoopcnt() {
        return integer("sbuf_loopcnt");
    }

    /** {@code scram_iterations}: Iterations of SCRAM secrets PgBouncer derives. */
    public int scramIterations() {
        return integer("scram_iterations");
    }

    /** {@code server_check_delay}: Idle time after which a server is checked before reuse. */
    public Duration serverCheckDelay() {
        return time("server_check_delay");
    }

    /** {@code server_check_query}: Check query, {@code <empty>} = empty query, "" = no checks. */
    public String serverCheckQuery() {
        return string("server_check_query");
    }

    /** {@code server_connect_timeout}: Limit for connecting and logging in to a server. */
    public Duration serverConnectTimeout() {
        return time("server_connect_timeout");
    }

    /** {@code server_fast_close}: Whether close_needed servers are closed outside transactions in session mode. */
    public boolean serverFastClose() {
        return bool("server_fast_close");
    }

    /** {@code server_idle_timeout}: Idle time after which a server connection is closed. */
    public Duration serverIdleTimeout() {
        return time("server_idle_timeout");
    }

    /** {@code server_lifetime}: Age after which an unused server connection is closed. */
    public Duration serverLifetime() {
        return time("server_lifetime");
    }

    /** {@code server_login_retry}: Back-off after a failed server login. */
    public Duration serverLoginRetry() {
        return time("server_login_retry");
    }

    /** {@code server_reset_query}: Query run when a session-mode server is released, "" = none. */
    public String serverResetQuery() {
        return string("server_reset_query");
    }

    /** {@code server_reset_query_always}: Whether the reset query also runs in transaction and statement mode. */
    public boolean serverResetQueryAlways() {
        return bool("server_reset_query_always");
    }

    /** {@code server_round_robin}: Whether idle servers are reused FIFO (true) rather than LIFO. */
    public boolean serverRoundRobin() {
        return bool("server_round_robin");
    }

    /** {@code server_tls13_ciphers}: TLS 1.3 cipher suites towards servers, null = library default. */
    public String serverTls13Ciphers() {
        return string("server_tls13_ciphers");
    }

    /** {@code server_tls_ca_file}: CA file for server certificates. */
    public String serverTlsCaFile() {
        return string("server_tls_ca_file");
    }

    /** {@code server_tls_cert_file}: Client certificate presented to servers. */
    public String serverTlsCertFile() {
        return string("server_tls_cert_file");
    }

    /** {@code server_tls_ciphers}: TLS 1.2 cipher list towards servers. */
    public String serverTlsCiphers() {
        return string("server_tls_ciphers");
    }

    /** {@code server_tls_key_file}: Private key for the certificate presented to servers. */
    public String serverTlsKeyFile() {
        return string("server_tls_key_file");
    }

    /** {@code server_tls_protocols}: TLS versions used towards servers. */
    public String serverTlsProtocols() {
        return string("server_tls_protocols");
    }

    /** {@code server_tls_sslmode}: TLS policy towards servers. */
    public SslMode serverTlsSslmode() {
        return (SslMode) value("server_tls_sslmode");
    }

    /** {@code so_reuseport}: Whether listening sockets set SO_REUSEPORT. */
    public boolean soReuseport() {
        return bool("so_reuseport");
    }

    /** {@code stats_period}: Seconds between statistics snapshots. */
    public int statsPeriod() {
        return integer("stats_period");
    }

    /** {@code stats_users}: Users allowed to run read-only console commands. */
    public List<String> statsUsers() {
        return list("stats_users");
    }

    /** {@code suspend_timeout}: Flush wait for SUSPEND. */
    public Duration suspendTimeout() {
        return time("suspend_timeout");
    }

    /** {@code syslog}: Whether logging also goes to syslog. */
    public boolean syslog() {
        return bool("syslog");
    }

    /** {@code syslog_facility}: Syslog facility. */
    public String syslogFacility() {
        return string("syslog_facility");
    }

    /** {@code syslog_ident}: Syslog program name. */
    public String syslogIdent() {
        return string("syslog_ident");
    }

    /** {@code tcp_defer_accept}: Whether TCP_DEFER_ACCEPT is set on listening sockets. */
    public boolean tcpDeferAccept() {
        return bool("tcp_defer_accept");
    }

    /** {@code tcp_keepalive}: Whether TCP keepalive is enabled. */
    public boolean tcpKeepalive() {
        return bool("tcp_keepalive");
    }

    /** {@code tcp_keepcnt}: TCP keepalive probe count (0 = OS default). */
    public int tcpKeepcnt() {
        return integer("tcp_keepcnt");
    }

    /** {@code tcp_keepidle}: TCP keepalive idle seconds (0 = OS default). */
    public int tcpKeepidle() {
        return integer("tcp_keepidle");
    }

    /** {@code tcp_keepintvl}: TCP keepalive interval seconds (0 = OS default). */
    public int tcpKeepintvl() {
        return integer("tcp_keepintvl");
    }

    /** {@code tcp_socket_buffer}: Socket buffer size (0 = OS default). */
    public int tcpSocketBuffer() {
        return integer("tcp_socket_buffer");
    }

    /** {@code tcp_user_timeout}: TCP_USER_TIMEOUT in milliseconds (0 = OS default). */
    public int tcpUserTimeout() {
        return integer("tcp_user_timeout");
    }

    /** {@code track_extra_parameters}: Extra parameters tracked per client besides the built-in ones. */
    public List<String> trackExtraParameters() {
        return list("track_extra_parameters");
    }

    /**
     * {@code track_session_settings} (a jbouncer extension): in transaction and statement mode, the settings a
     * client makes with SQL ({@code SET search_path}, {@code SET ROLE}...) follow it from server to server
     * (docs/transaction-mode.md). Read when a client logs in.
     */
    public boolean trackSessionSettings() {
        return bool("track_session_settings");
    }

    /** {@code transaction_timeout}: Whole-transaction limit (0 = off). */
    public Duration transactionTimeout() {
        return time("transaction_timeout");
    }

    /** {@code unix_socket_dir}: Unix socket directory, "" = none. */
    public String unixSocketDir() {
        return string("unix_socket_dir");
    }

    /** {@code unix_socket_group}: Group of the Unix socket, "" = unchanged. */
    public String unixSocketGroup() {
        return string("unix_socket_group");
    }

    /** {@code unix_socket_mode}: Permissions of the Unix socket. */
    public int unixSocketMode() {
        return integer("unix_socket_mode");
    }

    /** {@code user}: User to switch to at start, null if not set. */
    public String user() {
        return string("user");
    }

    /** {@code verbose}: Log verbosity from the file, null if not set (1 = DEBUG, 2 = NOISE). */
    public Integer verbose() {
        return (Integer) value("verbose");
    }

    private Object value(String key) {
        return values.get(key);
    }

    /**
     * This snapshot with one {@code [pgbouncer]} setting changed, as the console's {@code SET key = value} does
     * (PgBouncer usage.md, SET). A later reload reads the file again and drops the change, as in PgBouncer.
     *
     * @throws IllegalArgumentException for an unknown key or a value PgBouncer would refuse
     */
    public Config withSetting(String key, String rawValue) {
        Settings.Setting setting = setting(key);
        Map<String, Object> changed = new HashMap<>(values);
        changed.put(setting.name(), setting.type().parse(rawValue));
        Set<String> set = new LinkedHashSet<>(explicitlySetKeys);
        set.add(setting.name());
        return new Config(file, changed, set, databases, users, peers, autodbConnstr, warnings);
    }

    /** Whether {@code key} is a {@code [pgbouncer]} setting that takes effect without a restart. */
    public static boolean reloadable(String key) {
        Settings.Setting setting = Settings.find(key);
        return setting != null && setting.reloadable();
    }

    private static Settings.Setting setting(String key) {
        Settings.Setting setting = Settings.find(key);
        if (setting == null) {
            throw new IllegalArgumentException("unknown parameter: pgbouncer/" + key);
        }
        return setting;
    }

    private String string(String key) {
        return (String) value(key);
    }

    private int integer(String key) {
        return (Integer) value(key);
    }

    private long unsignedInt(String key) {
        return (Long) value(key);
    }

    private boolean bool(String key) {
        return integer(key) != 0;
    }

    private Duration time(String key) {
        return Duration.of((Long) value(key), ChronoUnit.MICROS);
    }

    /** PgBouncer's list membership splits on commas and white space and ignores empty items. */
    private List<String> list(String key) {
        return splitList(string(key));
    }

    /** A list value's items: split on commas and white space, empty items ignored; null is the empty list. */
    static List<String> splitList(String raw) {
        return raw == null ? List.of() : Arrays.stream(raw.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * {@code proxy_protocol} (a jbouncer extension): TCP clients from {@link #proxyTrustedNetworks} must start with a
     * PROXY protocol v1 or v2 header, whose source address then stands for the client everywhere.
     */
    public boolean proxyProtocol() {
        return bool("proxy_protocol");
    }

    /** {@code proxy_trusted_networks}: the peers (load balancers) whose PROXY headers are believed. */
    public List<Cidr> proxyTrustedNetworks() {
        return list("proxy_trusted_networks").stream().map(Cidr::parse).toList();
    }
}
