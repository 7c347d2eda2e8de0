package io.jbouncer.core.client;

import com.sun.security.auth.module.UnixSystem;
import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.core.Log;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.auth.AuthStep;
import io.jbouncer.core.auth.ClientAuthenticator;
import io.jbouncer.core.config.AuthType;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.DatabaseDef;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.tls.CertificateLogin;
import io.jbouncer.core.tls.ChannelBinding;
import io.jbouncer.core.tls.TlsInfo;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A client's login from its StartupMessage to the pool it will use, with PgBouncer's order of checks
 * (fact sheet 4.2, 5.2, 5.6): startup parameters, {@code max_client_conn}, user lookup, authentication (mock
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
    private final ClientConnection client;
    private final StartupMessage startup;
    private final Config config;
    private String user;
    private String database;
    private Map<String, String> tracked;
    private ClientAuthenticator authenticator;
    private ErrorResponse postAuthError;
    private ConsoleRole consoleRole;

    ClientLogin(Pooler pooler, ClientConnection client, StartupMessage startup) {
        this.pooler = pooler;
        this.client = client;
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
        if (config.applicationNameAddHost()) {
            tracked = withClientAddress(checked.tracked());
        }
        boolean console = DatabaseDef.ADMIN_DATABASE.equals(database);
        if (!console && pooler.clientCount() > config.maxClientConn()) {
            return refuse("no more connections allowed (max_client_conn)");
        }
        if (user.getBytes(StandardCharsets.UTF_8).length >= MAX_USERNAME) {
            return refuse("username too long");
        }
        if (config.logConnections()) {
            String tls = TlsInfo.describe(client.channel());
            Log.info("C-%s: %s/%s@%s login attempt: db=%s user=%s tls=%s", client.logId(), database, user,
                    pooler.describeRemote(client.channel()), database, user, tls.isEmpty() ? "no" : tls);
        }
        StoredSecret secret = pooler.secretOf(user);
        AuthType authType = config.authType();
        if (console && PSEUDO_USER.equals(user) && sameOsUserOverUnixSocket()) {
            Log.info("C-%s: pgbouncer access from unix socket", client.logId());
            consoleRole = ConsoleRole.ADMIN;
            return Optional.of(new AuthStep.Accepted(null, null));
        }
        if (console) {
            consoleRole = consoleRole(authType);
            if (consoleRole == null && secret != null) {
                return refuse("not allowed"); // known users are told before the password exchange, as PgBouncer
            }
        }
        if (authType == AuthType.ANY) {
            DatabaseDef def = pooler.database(database);
            if (def != null && def.user() == null) {
                Log.error("C-%s: auth_type=any requires forced user", client.logId());
                return refuse("bouncer config error");
            }
        }
        if (authType == AuthType.CERT) {
            return CertificateLogin.accepts(client.channel(), user, secret != null, client.logId())
                    ? Optional.of(new AuthStep.Accepted(null, null)) : refuse(CertificateLogin.FAILED);
        }
        authenticator = new ClientAuthenticator(authType, user, secret, config.scramIterations(),
                pooler.mockKey(), ChannelBinding.tlsServerEndPoint(client.channel()));
        return Optional.of(authenticator.start(alloc));
    }

    /**
     * {@code application_name_add_host}: the client's address is appended to its application_name, as
     * {@code <name or "app"> - <ip>:<port>} ({@code [v6]:port}), so pg_stat_activity shows where a pooled query came
     * from (fact sheet 5.6).
     */
    private Map<String, String> withClientAddress(Map<String, String> parameters) {
        Map<String, String> result = new LinkedHashMap<>(parameters);
        String name = parameters.getOrDefault("application_name", "");
        String address = client.channel().remoteAddress() instanceof InetSocketAddress inet
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
     * requires for the password-less {@code pgbouncer} console user (fact sheet 4.6).
     */
    private boolean sameOsUserOverUnixSocket() {
        if (!(client.channel() instanceof EpollDomainSocketChannel unix)) {
            return false;
        }
        try {
            return unix.peerCredentials().uid() == OWN_UID;
        } catch (IOException e) {
            return false;
        }
    }

    boolean awaitingPassword() {
        return authenticator != null;
    }

    AuthStep onPasswordMessage(ByteBuf body, ByteBufAllocator alloc) {
        return authenticator.onPasswordMessage(body, alloc);
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
                    pooler.startupRules().trackedNames(), pooler.registerForCancel(client),
                    pooler.describeRemote(client.channel()), consoleRole));
        }
        DatabaseDef def = pooler.database(database);
        if (def == null) {
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
        if (accepted.scramClientKey() != null && poolUser.equals(user) && def.password() == null) {
            pool.offerScramClientKey(accepted.scramClientKey());
        }
        return Optional.of(new ClientSession(database, user, pool, tracked, pooler.startupRules().trackedNames(),
                pooler.registerForCancel(client),
                pooler.describeRemote(client.channel()), null));
    }

    /**
     * Console rights (fact sheet 4.6, 7.2): {@code admin_users} administer, {@code stats_users} read; with
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

    /** List settings are split on commas and blanks; membership is case-sensitive (fact sheet 1). */
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
