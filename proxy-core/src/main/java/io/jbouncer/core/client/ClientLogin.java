package io.jbouncer.core.client;

import com.sun.security.auth.module.UnixSystem;
import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.core.ConnectionLog;
import io.jbouncer.core.Log;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.auth.AuthStep;
import io.jbouncer.core.auth.ClientAuthenticator;
import io.jbouncer.core.auth.LdapVerifier;
import io.jbouncer.core.config.AuthType;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.DatabaseDef;
import io.jbouncer.core.config.HbaRules;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.config.LdapOptions;
import io.jbouncer.core.config.UserDef;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.net.ClientAddress;
import io.jbouncer.core.server.AuthQuery;
import io.jbouncer.core.tls.CertificateLogin;
import io.jbouncer.core.tls.ChannelBinding;
import io.jbouncer.core.tls.TlsInfo;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.Authentication;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.OptionalInt;

/**
 * A client's login from its StartupMessage to the pool it will use, with PgBouncer's order of checks
 * (config.md; PgBouncer 1.25's order): startup parameters, {@code max_client_conn}, user lookup, authentication (mock
 * authentication for unknown users), and only then the database, so an unknown database is reported after a
 * successful login and nothing reveals which users exist.
 *
 * <p>Client loop only.
 */
final class ClientLogin {
    /** The console's pseudo user: admin without a password over the Unix socket from the same OS user. */
    private static final String PSEUDO_USER = "pgbouncer";
    /** This process's OS user id, for the Unix-socket peer check. */
    private static final long OWN_UID = new UnixSystem().getUid();
    /** PgBouncer's MAX_USERNAME: names of 128 bytes and more are refused. */
    private static final int MAX_USERNAME = 128;

    private final Pooler pooler;
    private final Client client;
    private final Consumer<AuthStep> later;
    private final StartupMessage startup;
    private final Config config;
    private String user;
    private String database;
    private Map<String, String> tracked;
    private ReplicationMode replication = ReplicationMode.NONE;
    private ClientAuthenticator authenticator;
    /** The secret the client is checked against: auth_file's, else what auth_query returned; null = unknown. */
    private StoredSecret secret;
    /** The auth_query lookup in progress, or {@code null}. */
    private UserLookup lookup;
    /** The LDAP options while a cleartext password for an LDAP check is awaited, else {@code null}. */
    private LdapOptions ldap;
    private ErrorResponse postAuthError;
    private ConsoleRole consoleRole;

    /**
     * @param later where a step found after an asynchronous check (auth_query, LDAP) goes; it runs on the client's
     *              loop
     */
    ClientLogin(Pooler pooler, Client client, StartupMessage startup, Consumer<AuthStep> later) {
        this.pooler = pooler;
        this.client = client;
        this.later = later;
        this.startup = startup;
        this.config = pooler.config();
    }

    /** Validates the startup packet and starts authentication; empty when nothing is to be sent yet. */
    Optional<AuthStep> start(ByteBufAllocator alloc) {
        user = startup.parameter("user");
        if (user == null || user.isEmpty()) {
            return refuse("no username supplied");
        }
        database = startup.parameter("database");
        if (database == null || database.isEmpty()) {
            database = user;
        }
        StartupParameters.Result checked = pooler.startupRules().check(startup.parameters());
        if (checked.error() != null) {
            return refuse(checked.error());
        }
        tracked = checked.tracked();
        replication = checked.replication();
        if (config.applicationNameAddHost()) {
            tracked = withClientAddress(checked.tracked());
        }
        boolean console = DatabaseDef.ADMIN_DATABASE.equals(database);
        DatabaseDef def = console ? null : pooler.database(database);
        client.loginNames(console || def != null ? database : null, user);
        if (!console && pooler.clientCount() > config.maxClientConn()) {
            return refuse("no more connections allowed (max_client_conn)");
        }
        if (user.getBytes(StandardCharsets.UTF_8).length >= MAX_USERNAME) {
            return refuse("username too long");
        }
        if (ConnectionLog.connections()) {
            String tls = TlsInfo.describe(client.channel());
            Log.info("C-%s: %s login attempt: db=%s user=%s tls=%s replication=%s", client.logId(), client.describe(),
                    database, user, tls.isEmpty() ? "no" : tls, replication.logged());
        }
        StoredSecret known = pooler.secretOf(user);
        AuthType authType = config.authType();
        if (console && PSEUDO_USER.equals(user) && sameOsUserOverUnixSocket()) {
            Log.info("C-%s: pgbouncer access from unix socket", client.logId());
            consoleRole = ConsoleRole.ADMIN;
            return Optional.of(new AuthStep.Accepted(null, null));
        }
        if (console) {
            consoleRole = consoleRole(authType);
            if (consoleRole == null && known != null) {
                return refuse("not allowed"); // known users are told before the password exchange, as PgBouncer
            }
        }
        if (authType == AuthType.ANY && def != null && def.user() == null) {
            Log.error("C-%s: auth_type=any requires forced user", client.logId());
            return refuse("bouncer config error");
        }
        if ((console || def != null) && !joinDatabaseWithinCap(def)) {
            return refuse("client connections exceeded (max_db_client_connections)");
        }
        String loginUser = authType == AuthType.ANY && def != null ? def.user() : user;
        if ((known != null || authType == AuthType.ANY) && !joinUserWithinCap(loginUser)) {
            return refuse("client connections exceeded (max_user_client_connections)");
        }
        String authUser = def != null && def.authUser() != null ? def.authUser() : config.authUser();
        if (authType == AuthType.LDAP && authUser != null) {
            Log.error("C-%s: LDAP can't be used together with database authentication (auth_user)", client.logId());
            return refuse("bouncer config error"); // as PgBouncer answers for PAM
        }
        if (known == null && authType != AuthType.ANY) {
            if (authUser != null && console) {
                Log.error("C-%s: the console cannot log in users unknown to auth_file with auth_user", client.logId());
                return refuse("bouncer config error"); // PgBouncer would run auth_query on the console: refused
            }
            if (authUser != null && def != null) {
                return startLookup(def, authUser);
            }
        }
        return Optional.of(authenticate(known, alloc));
    }

    /**
     * Counts this client in its database and checks {@code max_db_client_connections} (the entry's value, else the
     * global one; 0 = no limit), before the password exchange as PgBouncer 1.24 does. The console's admin_users are
     * exempt. A refused client stays counted until it disconnects, as in PgBouncer.
     */
    private boolean joinDatabaseWithinCap(DatabaseDef def) {
        int count = client.joinDatabase(database);
        int limit = def != null && def.maxDbClientConnections() > 0 ? def.maxDbClientConnections()
                : config.maxDbClientConnections();
        return limit <= 0 || count <= limit || consoleRole == ConsoleRole.ADMIN;
    }

    /** Like {@link #joinDatabaseWithinCap} for {@code max_user_client_connections} of a known user. */
    private boolean joinUserWithinCap(String name) {
        int count = client.joinUser(name);
        UserDef def = config.users().get(name);
        int limit = def != null && def.maxUserClientConnections() > 0 ? def.maxUserClientConnections()
                : config.maxUserClientConnections();
        return limit <= 0 || count <= limit || consoleRole == ConsoleRole.ADMIN;
    }

    /**
     * Authenticates the client against {@code stored} ({@code null}: mock authentication) with {@code auth_type}, or
     * with the method of the first matching rule for {@code auth_type = hba} (PgBouncer config.md) and
     * {@code auth_type = ldap} (one LDAP rule for all).
     */
    private AuthStep authenticate(StoredSecret stored, ByteBufAllocator alloc) {
        secret = stored;
        AuthType method = config.authType();
        if (method == AuthType.HBA || method == AuthType.LDAP) {
            HbaRules.Rule rule = pooler.hba().ruleFor(ClientAddress.of(client.channel()),
                    TlsInfo.isTls(client.channel()), database, user, replication == ReplicationMode.PHYSICAL);
            if (rule == null) {
                return new AuthStep.Refused("no authentication method is found");
            }
            switch (rule.method()) {
                case PEER -> {
                    return peer(stored, rule);
                }
                case CERT -> {
                    return certificate(stored, name -> pooler.hba().namesMatch(rule, name, user));
                }
                case LDAP -> {
                    ldap = rule.ldap();
                    ByteBuf request = alloc.buffer(16);
                    Authentication.encodeCleartextPassword(request);
                    return new AuthStep.Challenge(request);
                }
                case REJECT -> {
                    return new AuthStep.Refused("login rejected");
                }
                default -> method = rule.method().authType();
            }
        }
        if (method == AuthType.CERT) {
            return certificate(stored, user::equals);
        }
        authenticator = new ClientAuthenticator(method, user, stored, config.scramIterations(), pooler.mockKey(),
                ChannelBinding.tlsServerEndPoint(client.channel()));
        return authenticator.start(alloc);
    }

    /**
     * {@code ldap}: the cleartext password is checked by the directory, off the event loop (PgBouncer 1.25); the
     * login goes on in {@link ClientLoginHandler}. The pool's servers then log in with that password
     * unless auth_file has the user.
     */
    private Optional<AuthStep> verifyWithLdap(String password) {
        LdapOptions options = ldap;
        ldap = null;
        LdapVerifier.verify(options, user, password).thenAccept(ok -> client.executor().execute(() -> {
            if (ok && secret == null) {
                secret = new StoredSecret.Plain(password);
            }
            later.accept(ok ? new AuthStep.Accepted(null, null)
                    : new AuthStep.Refused("LDAP authentication failed"));
        }));
        return Optional.empty();
    }

    /** hba {@code peer}: a known user, over the Unix socket, from a process of the OS user of the same name. */
    /** {@code peer}: the OS user of the Unix-socket client must be the user, or one the rule's map lets in. */
    private AuthStep peer(StoredSecret stored, HbaRules.Rule rule) {
        boolean ok = stored != null && pooler.hba().namesMatch(rule, UnixPeer.userName(client.channel()), user);
        return ok ? new AuthStep.Accepted(null, null) : new AuthStep.Refused("unix socket login rejected");
    }

    /** {@code cert}: the client certificate's common name must name the user ({@code namesUser}). */
    private AuthStep certificate(StoredSecret stored, Predicate<String> namesUser) {
        return CertificateLogin.accepts(client.channel(), stored != null, client.logId(), namesUser)
                ? new AuthStep.Accepted(null, null) : new AuthStep.Refused(CertificateLogin.FAILED);
    }

    /**
     * A user unknown to auth_file, with an {@code auth_user} for its database: its secret is looked up with
     * {@code auth_query} on a server of the pool ({@code auth_dbname} or the client's database, {@code auth_user})
     * (PgBouncer config.md, auth_user). Empty while the lookup runs; the login goes on in {@link #lookedUp}.
     */
    private Optional<AuthStep> startLookup(DatabaseDef def, String authUser) {
        String authDbname = def.authDbname() != null ? def.authDbname() : config.authDbname();
        DatabaseDef authDb = authDbname == null ? def : pooler.database(authDbname);
        if (authDb == null) {
            Log.error("C-%s: authentication database \"%s\" is not configured.", client.logId(), authDbname);
            return refuse("bouncer config error");
        }
        if (pooler.pools().databaseState(authDb.name()).disabled()) {
            return refuse("authentication database \"" + authDb.name() + "\" is disabled");
        }
        String sql = def.authQuery() != null ? def.authQuery() : config.authQuery();
        Pool authPool = pooler.pools().pool(authDb, authUser, pooler.serverSecret(authDb, authUser),
                config.users().get(authUser));
        lookup = new UserLookup(authPool, client.executor(), sql, user, this::lookedUp, client::closeWithError);
        lookup.start();
        return Optional.empty();
    }

    /** The auth_query answered: authenticate against its secret, or refuse as PgBouncer does. */
    private void lookedUp(AuthQuery.Outcome outcome) {
        lookup = null;
        if (outcome instanceof AuthQuery.Outcome.Found found) {
            if (!joinUserWithinCap(user)) {
                later.accept(new AuthStep.Refused("client connections exceeded (max_user_client_connections)"));
                return;
            }
            // SQL NULL (an expired role with PgBouncer's default query): no usable secret, mock authentication
            StoredSecret dynamic = found.password() == null ? null : StoredSecret.parse(found.password());
            later.accept(authenticate(dynamic, client.channel().alloc()));
        } else if (outcome instanceof AuthQuery.Outcome.NoSuchUser) {
            if (ConnectionLog.connections()) {
                Log.info("C-%s: %s login failed: db=%s user=%s", client.logId(), client.describe(), database, user);
            }
            later.accept(new AuthStep.Refused("no such user"));
        } else {
            later.accept(new AuthStep.Refused("bouncer config error")); // the server side logged why
        }
    }

    /** The client is gone: a lookup still running is not wanted any more. */
    void abandon() {
        if (lookup != null) {
            lookup.abandon();
            lookup = null;
        }
    }

    /**
     * {@code application_name_add_host}: the client's address is appended to its application_name, as
     * {@code <name or "app"> - <ip>:<port>} ({@code [v6]:port}), so pg_stat_activity shows where a pooled query came
     * from (PgBouncer config.md, ignore_startup_parameters).
     */
    private Map<String, String> withClientAddress(Map<String, String> parameters) {
        Map<String, String> result = new LinkedHashMap<>(parameters);
        String name = parameters.getOrDefault("application_name", "");
        String address = ClientAddress.of(client.channel()) instanceof InetSocketAddress inet
                ? hostAndPort(inet) : "unix";
        result.put("application_name", (name.isEmpty() ? "app" : name) + " - " + address);
        return result;
    }

    private static String hostAndPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * Whether the client came over the Unix socket from a process of the same OS user (SO_PEERCRED), as PgBouncer
     * requires for the password-less {@code pgbouncer} console user (PgBouncer usage.md, Admin console).
     */
    private boolean sameOsUserOverUnixSocket() {
        OptionalInt uid = UnixPeer.uid(client.channel());
        return uid.isPresent() && uid.getAsInt() == OWN_UID;
    }

    boolean awaitingPassword() {
        return authenticator != null || ldap != null;
    }

    /** The client's answer to the authentication request; empty while an LDAP check runs. */
    Optional<AuthStep> onPasswordMessage(ByteBuf body, ByteBufAllocator alloc) {
        if (ldap != null) {
            return verifyWithLdap(PgBuf.readCString(body));
        }
        return Optional.of(authenticator.onPasswordMessage(body, alloc));
    }

    /**
     * After a successful authentication: the session, or empty with {@link #postAuthError()} set (unknown
     * database, console not allowed, ...).
     */
    Optional<ClientSession> accepted(AuthStep.Accepted accepted) {
        if (DatabaseDef.ADMIN_DATABASE.equals(database)) {
            if (consoleRole == null) {
                return fail("not allowed");
            }
            return Optional.of(new ClientSession(database, user, null, tracked,
                    pooler.startupRules().trackedNames(), pooler.registerForCancel(client, longCancelKey()),
                    consoleRole, ReplicationMode.NONE, Map.of()));
        }
        DatabaseDef def = pooler.database(database);
        if (def == null) {
            if (ConnectionLog.connections()) {
                Log.info("C-%s: %s login failed: db=%s user=%s", client.logId(), client.describe(), database, user);
            }
            return fail("no such database: " + database);
        }
        if (pooler.pools().poolerState().shuttingDown()) {
            return fail("pooler is shutting down");
        }
        if (pooler.pools().databaseState(database).disabled()) {
            return fail("database \"" + database + "\" is disabled");
        }
        String poolUser = def.user() != null ? def.user() : user;
        Pool pool = pooler.pools().pool(def, poolUser, pooler.serverSecret(def, poolUser),
                config.users().get(poolUser));
        if (secret != null && poolUser.equals(user) && def.password() == null) {
            pool.loginProved(secret, accepted.scramClientKey());
        }
        return Optional.of(new ClientSession(database, user, pool, tracked, pooler.startupRules().trackedNames(),
                pooler.registerForCancel(client, longCancelKey()), null, replication, replicationParameters()));
    }

    /**
     * What a replication client's dedicated server gets in its StartupMessage besides the pool's own parameters, as
     * PgBouncer 1.23 passes them: the client's tracked parameters and its {@code options} as sent (a logical
     * replication subscriber sets {@code extra_float_digits} there, which a pooled session would not keep).
     */
    private Map<String, String> replicationParameters() {
        if (replication == ReplicationMode.NONE) {
            return Map.of();
        }
        Map<String, String> parameters = new LinkedHashMap<>(tracked);
        String options = startup.parameter("options");
        if (options != null) {
            parameters.put("options", options);
        }
        return parameters;
    }

    /**
     * Console rights (PgBouncer usage.md): {@code admin_users} administer, {@code stats_users} read; with
     * {@code auth_type=any} everyone gets in and only admin_users get admin rights. {@code null}: not allowed.
     */
    private ConsoleRole consoleRole(AuthType authType) {
        if (listed(config.adminUsers())) {
            return ConsoleRole.ADMIN;
        }
        if (listed(config.statsUsers()) || authType == AuthType.ANY) {
            return ConsoleRole.STATS;
        }
        return null;
    }

    /** List settings are split on commas and blanks; membership is case-sensitive (as PgBouncer 1.25). */
    private boolean listed(List<String> users) {
        for (String entry : users) {
            for (String name : entry.split("[,\\s]+")) {
                if (name.equals(user)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Protocol 3.2 and later (a client asking for a newer minor goes on with 3.2) get a long cancel key; 3.0 and the
     * never-used 3.1 the 8-byte one, as PostgreSQL 18 decides.
     */
    private boolean longCancelKey() {
        return startup.minorVersion() >= StartupMessage.LONG_KEYS_MINOR;
    }

    ErrorResponse postAuthError() {
        return postAuthError;
    }

    private Optional<AuthStep> refuse(String message) {
        return Optional.of(new AuthStep.Refused(message));
    }

    private Optional<ClientSession> fail(String message) {
        postAuthError = ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, message);
        return Optional.empty();
    }
}
