package io.jbouncer.core.client;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.protocol.message.Authentication;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.ParameterStatus;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * What a logged-in client is: its database and user, its pool, the parameters it asked for, and the cancel key
 * jbouncer issued to it. Client loop only, except the immutable fields.
 */
public final class ClientSession {
    private final String database;
    private final String user;
    private final Pool pool;
    /**
     * The tracked parameters, immutable and interned (clients with equal values share one map), replaced on each
     * change: changes are rare, and sharing saves a map and its strings per idle client.
     */
    private volatile Map<String, String> trackedParameters;
    private final Collection<String> trackedNames;
    private final BackendKeyData cancelKey;
    private final ConsoleRole consoleRole;
    private final ReplicationMode replication;
    private final Map<String, String> replicationParameters;

    /**
     * @param pool        the pool, or {@code null} for an admin console session
     * @param consoleRole the console rights, or {@code null} for a pooled session
     * @param replication the replication the client asked for: other than NONE, it gets a dedicated server
     * @param replicationParameters what that server's StartupMessage adds for the client: its tracked parameters
     *                    and its {@code options}
     */
    ClientSession(String database, String user, Pool pool, Map<String, String> trackedParameters,
                  Collection<String> trackedNames, BackendKeyData cancelKey, ConsoleRole consoleRole,
                  ReplicationMode replication, Map<String, String> replicationParameters) {
        this.consoleRole = consoleRole;
        this.replication = replication;
        this.replicationParameters = Map.copyOf(replicationParameters);
        this.trackedNames = trackedNames;
        // the pool's own strings where equal: a client's are parsed from its startup packet, and thousands of idle
        // clients of one pool need not hold thousands of copies (docs/benchmarks.md, "Memory and scale")
        this.database = pool != null ? shared(database, pool.key().database()) : database;
        this.user = pool != null ? shared(user, pool.key().user()) : user;
        this.pool = pool;
        this.trackedParameters = ParameterSnapshots.of(trackedParameters);
        this.cancelKey = cancelKey;
    }

    private static String shared(String own, String pools) {
        return own.equals(pools) ? pools : own;
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    public Pool pool() {
        return pool;
    }

    /** The admin console rights of this session, or {@code null} when it is a pooled session. */
    public ConsoleRole consoleRole() {
        return consoleRole;
    }

    public ReplicationMode replication() {
        return replication;
    }

    /** A replication client's parameters for its dedicated server (tracked ones and {@code options}). */
    public Map<String, String> replicationParameters() {
        return replicationParameters;
    }

    public BackendKeyData cancelKey() {
        return cancelKey;
    }

    /**
     * The tracked parameters as this client last saw them: from its startup packet, filled in from the welcome,
     * then updated by the ParameterStatus messages of its servers (which run on server loops). An immutable map
     * shared by every client with equal values, so a server can tell by identity that it already has them.
     */
    public Map<String, String> trackedParameters() {
        return trackedParameters;
    }

    /**
     * Writes the login reply (as PgBouncer 1.25): AuthenticationOk, the pool's cached server parameters with the
     * client's own tracked values on top, jbouncer's BackendKeyData, the {@code login_notify_message} NOTICE when
     * one is configured, and ReadyForQuery.
     */
    void writeWelcome(Channel channel, Map<String, String> serverParameters, String loginNotice) {
        WelcomeParameters welcome = WelcomeParameters.of(serverParameters, trackedParameters, trackedNames);
        trackedParameters = welcome.completedTracked();
        ByteBuf out = channel.alloc().buffer(welcome.encodedLength() + 64);
        Authentication.encodeOk(out);
        welcome.encode(out);
        writeKeyAndReady(out, loginNotice);
        channel.writeAndFlush(out);
    }

    /** The end of every welcome, pooled or console: BackendKeyData, the login NOTICE if any, ReadyForQuery. */
    void writeKeyAndReady(ByteBuf out, String loginNotice) {
        cancelKey.encode(out);
        if (loginNotice != null && !loginNotice.isEmpty()) {
            ErrorResponse.notice(loginNotice, null).encodeAsNotice(out);
        }
        ReadyForQuery.encode(out, ReadyForQuery.IDLE);
    }

    /** A server reported a new value; kept only for tracked parameters ({@code canonicalName} non-null). */
    void parameterChanged(String canonicalName, String value) {
        if (canonicalName != null && !value.equals(trackedParameters.get(canonicalName))) {
            Map<String, String> changed = new HashMap<>(trackedParameters);
            changed.put(canonicalName, value);
            trackedParameters = ParameterSnapshots.of(changed);
        }
    }

    /**
     * {@code db/user@addr:port}, PgBouncer's log prefix for a client, with {@code remote} its address as
     * {@code Pooler.describeRemote} gives it (not kept here: the channel has it, and a string per idle client would
     * cost ~50 bytes for a log line, docs/benchmarks.md "Memory and scale").
     */
    String describe(String remote) {
        return database + "/" + user + "@" + remote;
    }
}
