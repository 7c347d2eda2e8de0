package io.jbouncer.core.server;

import io.jbouncer.core.ConnectionLog;
import io.jbouncer.core.Log;
import io.jbouncer.core.config.PoolMode;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.config.TargetSessionAttrs;
import io.jbouncer.core.net.ConnectionIds;
import io.jbouncer.core.net.Cumulation;
import io.jbouncer.core.net.RelayWrite;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.ServerWaiter;
import io.jbouncer.core.prepared.ServerStatements;
import io.jbouncer.core.session.AppliedSettings;
import io.jbouncer.core.session.SessionSettings;
import io.jbouncer.core.session.TrackedSetting;
import io.jbouncer.core.state.ServerState;
import io.jbouncer.protocol.BackendTag;
import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.ParameterStatus;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One connection from the pooler to PostgreSQL: its state and life-cycle from connect to close, and, once logged in,
 * relaying the server's output to whichever client it is {@linkplain Link linked} to, reading only ReadyForQuery and
 * ParameterStatus. The login phase before that (startup, authentication, target_session_attrs check, connect_query)
 * is {@link ServerLoginHandler}'s, which sits in front of this handler until the server joined its pool.
 *
 * <p><b>Threading.</b> Everything here runs on the server channel's event loop, except {@link #assign} and
 * {@link #releaseDetached}, which only publish a volatile field or hop to that loop. Output goes to the client's
 * channel from this loop; Netty makes that write safe and the flush happens once per read burst.
 *
 * <p><b>States</b> ({@link ServerState}, PgBouncer's): SV_FREE until connected; SV_LOGIN until the login and its
 * checks are done; SV_IDLE in the pool (SV_USED once idle past server_check_delay); SV_ACTIVE while linked;
 * SV_BEING_CANCELED after a release while cancel requests sent for its last client's query are still in flight (it
 * is not reused until they finish, so a late cancel never hits the next client's query); SV_TESTED while the reset
 * query or the server check runs; SV_JUSTFREE at the end. Every move goes through {@link #tryTransition}, which
 * rejects a move the table does not allow and keeps the pool's per-state counts.
 */
public final class ServerConnection extends ChannelInboundHandlerAdapter implements PacketScanner.Handler {

    private static final String CONFIGURATION_CHANGED = "database configuration changed";

    private final Pool pool;
    /** The host (of a host list, the one chosen) this server connects to; cancels for it go there too. */
    private final SocketAddress address;
    /** The replication client this server was opened for, or {@code null} for a pooled server. */
    private final ServerWaiter dedicatedTo;
    private final ReplicationMode replication;
    /**
     * The login phase's handler, in front of this one until the server joined its pool; null from then on, so that
     * it (its login state and buffers) goes with its own removal from the pipeline instead of living as long as the
     * server.
     */
    private ServerLoginHandler loginHandler;
    private final PacketScanner scanner;
    private final Cumulation inbound = new Cumulation();
    /** Written on the server loop, under its own lock so that {@link #reportedParameters} may copy it anywhere. */
    private final Map<String, String> parameters = new LinkedHashMap<>();
    /**
     * An immutable copy of {@link #parameters} for readers on other threads (SHOW FDS), made when first asked for
     * after a change, not at every ParameterStatus; {@code null} until then. Set and cleared under that lock.
     */
    private volatile Map<String, String> parametersSnapshot;
    /**
     * The client parameter snapshot this server's parameters were last made equal to; {@code null} once PostgreSQL
     * reports a change. Client snapshots are interned, so one identity check usually replaces the comparison.
     */
    private Map<String, String> syncedTo;
    /** The session settings (track_session_settings) this server got from its clients' SQL. */
    private final AppliedSettings sessionSettings = new AppliedSettings();

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ServerConnection.class, "state", ServerState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = ConnectionIds.next();
    private final long createdMillis = System.currentTimeMillis();
    private final long createdNanos = System.nanoTime();
    /**
     * The pool's RECONNECT generation when it registered this server ({@link Pool#track}): set once, before the pool
     * lists the server or it connects, so every later reader sees it. An older generation than the pool's means
     * close_needed.
     */
    private int generation;
    /** When the server last went idle; written under the pool's lock, read by the janitor under it. */
    private long idleSinceNanos;
    private volatile long roleCheckedNanos;
    /** Why this connection is being closed, for the pool's cached error and the log. */
    private volatile String closeReason;
    /** Set when a login failed by the pooler's own verdict (server_connect_timeout): counted as a failure. */
    private volatile String loginFailure;
    private Channel channel;
    /**
     * Written only through {@link #tryTransition}. Moves happen on the server's loop, except two that compete with
     * it and are therefore compare-and-set: a client's loop taking it from the pool ({@link #assign}) and the
     * janitor marking it used ({@link #markUsedIfIdle}).
     */
    private volatile ServerState state = ServerState.SV_FREE;
    private volatile Link link;
    /**
     * Server loop, during a scan: the link whose turn a ReadyForQuery just ended. The scan forwards that
     * ReadyForQuery with the reply before it and stops; the release follows ({@link #releaseAfterReadyForQuery}).
     */
    private Link releasing;
    private BackendKeyData backendKey;
    private ErrorResponse resetError;
    private boolean loggedIn;
    private boolean setupFailed;
    /** While an idle server's {@code target_session_attrs} is checked again before reuse (TESTED); null otherwise. */
    private SessionCheck roleRecheck;
    /**
     * Cancel requests sent for this server's running query whose cancel connection has not finished (server loop
     * only).
     */
    private int cancelsInFlight;
    private final CompletableFuture<Void> gone = new CompletableFuture<>();
    /** The outcome callbacks of a running server check (server loop only). */
    private Runnable checkPassed;
    private Runnable checkFailed;
    /** The auth_query lookup running on this server (server loop only), or {@code null}. */
    private AuthQuery lookup;
    /** The reset query running after a release (server loop only). */
    private String resetRunning = "";
    /** A client's LISTEN or UNLISTEN ran on this session: {@code UNLISTEN *} before it goes back to the pool. */
    private volatile boolean listened;
    /** Prepared-statement state, created by the first client that tracks statements; {@code null} until then. */
    private volatile ServerStatements statements;

    /**
     * @param startupParameters the StartupMessage parameters ({@code user}, {@code database}, extras)
     * @param maxPacketSize     the largest message length accepted from the server
     */
    public ServerConnection(Pool pool, SocketAddress address, ServerCredentials credentials,
                            Map<String, String> startupParameters, int maxPacketSize) {
        this(pool, address, credentials, startupParameters, maxPacketSize, null, ReplicationMode.NONE);
    }

    /**
     * A replication client's own server (PgBouncer 1.23): {@code startupParameters} carry the client's parameters
     * and {@code replication}; once logged in it goes to {@code dedicatedTo} alone, never to the idle list, skips
     * the pool's {@code target_session_attrs} check and {@code connect_query} (a walsender runs no SQL), never
     * leaves its client at a ReadyForQuery, and is closed when its client leaves.
     */
    public ServerConnection(Pool pool, SocketAddress address, ServerCredentials credentials,
                            Map<String, String> startupParameters, int maxPacketSize, ServerWaiter dedicatedTo,
                            ReplicationMode replication) {
        this.dedicatedTo = dedicatedTo;
        this.replication = replication;
        this.pool = pool;
        this.address = address;
        this.scanner = new PacketScanner(maxPacketSize);
        this.loginHandler = new ServerLoginHandler(this, credentials, startupParameters, maxPacketSize);
        pool.serverCounts().enter(ServerState.SV_FREE);
    }

    /**
     * Moves from {@code from} to {@code to} if the state is still {@code from}; the pool's counts follow.
     *
     * @throws IllegalStateException when the state table has no such move: a pooler bug, never a client's doing
     */
    private boolean tryTransition(ServerState from, ServerState to) {
        if (!from.canMoveTo(to)) {
            throw new IllegalStateException("S-" + logId() + ": no move from " + from + " to " + to);
        }
        if (!STATE.compareAndSet(this, from, to)) {
            return false;
        }
        pool.serverCounts().moved(from, to);
        return true;
    }

    /** Moves to {@code to} from whatever the state is now; returns the state left. Server loop. */
    private ServerState transition(ServerState to) {
        while (true) {
            ServerState from = state;
            if (tryTransition(from, to)) {
                return from;
            }
        }
    }

    /** Ends the life of this connection's state, once; returns the state it had (SV_JUSTFREE if ended before). */
    private ServerState endState() {
        while (true) {
            ServerState from = state;
            if (from == ServerState.SV_JUSTFREE || tryTransition(from, ServerState.SV_JUSTFREE)) {
                return from;
            }
        }
    }

    public Pool pool() {
        return pool;
    }

    /** Where this server connection goes, as configured (unresolved host name, or Unix socket path). */
    public SocketAddress address() {
        return address;
    }

    /**
     * Where a CancelRequest for this connection's query goes: the address it is connected to, so that a host name
     * with several addresses (or one whose DNS answer changed) cannot send the cancel to another server.
     */
    public SocketAddress cancelAddress() {
        Channel connected = channel;
        SocketAddress remote = connected == null ? null : connected.remoteAddress();
        return remote != null ? remote : address;
    }

    /** PgBouncer's socket id, shared numbering with clients. */
    public long id() {
        return id;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public long createdNanos() {
        return createdNanos;
    }

    /** Called once by the pool when it registers this server: the RECONNECT generation it is opened in. */
    public void openedIn(int poolGeneration) {
        generation = poolGeneration;
    }

    /** The RECONNECT generation this server was opened in (see {@link Pool#closeNeeded}). */
    public int generation() {
        return generation;
    }

    /** Called by the pool, under its lock, when this server joins the idle list. */
    public void markIdle(long nanos) {
        idleSinceNanos = nanos;
    }

    /**
     * The janitor, under the pool's lock, for a server on the idle list unused for server_check_delay: it shows as
     * {@code used} until the check before its next use (PgBouncer's SV_USED).
     */
    public void markUsedIfIdle() {
        if (state == ServerState.SV_IDLE) {
            tryTransition(ServerState.SV_IDLE, ServerState.SV_USED);
        }
    }

    /** Read by the pool under its lock. */
    public long idleSinceNanos() {
        return idleSinceNanos;
    }

    /** When this server last passed its {@code target_session_attrs} check (written on the server loop). */
    public long roleCheckedNanos() {
        return roleCheckedNanos;
    }

    /** The linked client, or {@code null}; for SHOW SERVERS. */
    public ClientPeer linkedClient() {
        Link current = link;
        return current == null ? null : current.client();
    }

    public ServerState state() {
        return state;
    }

    public Channel channel() {
        return channel;
    }

    public EventExecutor executor() {
        return channel.eventLoop();
    }

    /** The server's own cancel key: quoted when a client's query must be cancelled. */
    public BackendKeyData backendKey() {
        return backendKey;
    }

    /** The server's run-time parameters as last reported, for any thread (a snapshot). */
    public Map<String, String> reportedParameters() {
        Map<String, String> snapshot = parametersSnapshot;
        if (snapshot != null) {
            return snapshot;
        }
        synchronized (parameters) {
            if (parametersSnapshot == null) {
                parametersSnapshot = Map.copyOf(parameters);
            }
            return parametersSnapshot;
        }
    }

    /** Server loop: PostgreSQL reported {@code values}; the next {@link #reportedParameters} copies them. */
    private void parametersReported(Map<String, String> values) {
        synchronized (parameters) {
            parameters.putAll(values);
            parametersSnapshot = null;
        }
    }

    /** The replication client this server was opened for, or {@code null} for a pooled server. */
    public ServerWaiter dedicatedTo() {
        return dedicatedTo;
    }

    /** {@code none} for a pooled server, else the replication its client asked for (SHOW SERVERS). */
    public ReplicationMode replication() {
        return replication;
    }

    /** The server's current run-time parameters as it reported them. Server loop only. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /**
     * Links this idle server to a client at {@code now}; called on the client's loop right after the pool handed it
     * over.
     * The returned link is the only handle through which the client may write to this server; {@code null} means
     * the server died after it left the pool (it is already accounted as closed): the client asks again.
     */
    public Link assign(ClientPeer client, long now) {
        Link assigned = new Link(client, this, now);
        if (client.watchesReadyForQuery()) {
            assigned.watchFromStart();
        }
        // A server handed over can die before the hand-off reaches the client. Publish the link first, then move
        // IDLE -> ACTIVE; channelInactive ends the state first, then reads the link. Whichever comes second sees
        // the other: either the dying server fails this client, or this CAS fails and the client asks again.
        link = assigned;
        if (!takeFromPool()) {
            link = null;
            assigned.invalidate();
            return null;
        }
        channel.config().setAutoRead(client.channel().isWritable());
        return assigned;
    }

    /** Idle (or used) to active, unless the server died or moved meanwhile; any thread. */
    private boolean takeFromPool() {
        return tryTransition(ServerState.SV_IDLE, ServerState.SV_ACTIVE)
                || tryTransition(ServerState.SV_USED, ServerState.SV_ACTIVE);
    }

    /**
     * Client loop, right after {@link #assign} (the server is not answering anyone then): this server's
     * prepared-statement state, created on first use with room for {@code capacity} statements.
     */
    public ServerStatements statements(int capacity) {
        ServerStatements current = statements;
        if (current == null) {
            current = new ServerStatements(capacity, pool.stats());
            statements = current;
        }
        return current;
    }

    /** This server's prepared-statement state, or {@code null} when no client tracked statements on it. */
    public ServerStatements statements() {
        return statements;
    }

    /** Statements jbouncer prepared on this server (SHOW SERVERS {@code prepared_statements}). */
    public int preparedStatementCount() {
        ServerStatements current = statements;
        return current == null ? 0 : current.size();
    }

    /**
     * Client loop, after it queued replies that only the pooler will produce and that no later server reply will
     * carry out (see {@link ServerStatements#onlySynthesizedPending}): writes them from this server's loop, so they
     * stay in order with what this server forwarded before.
     */
    public void writeSynthesized(Link expected) {
        executor().execute(() -> {
            if (link == expected) {
                writeSynthesizedNow(expected);
                expected.client().channel().flush();
            }
        });
    }

    /** Server loop, at a message boundary: writes the synthesised replies that are due, if any. */
    private void writeSynthesizedNow(Link current) {
        ServerStatements tracked = statements;
        if (tracked != null && state == ServerState.SV_ACTIVE && !current.inSetup() && !scanner.inMessage()) {
            Channel client = current.client().channel();
            ByteBuf replies = tracked.synthesizedBefore(client.alloc());
            if (replies != null) {
                RelayWrite.to(client, replies);
            }
        }
    }

    /** Client loop, before it forwards a LISTEN or UNLISTEN: the session must forget it when released. */
    public void listenedOn() {
        listened = true;
    }

    /**
     * Client loop, right after {@link #assign}: makes the server's tracked parameters equal the client's with one
     * {@code SET name='value';...} query whose replies are swallowed (src/varcache.c). It is written before any of
     * the client's own messages, so PostgreSQL runs it first. The same query gives the server the client's session
     * settings ({@code track_session_settings}) and takes away those of earlier clients.
     *
     * @param wanted         the client's tracked-parameter snapshot ({@code ClientSession#trackedParameters},
     *                       interned)
     * @param wantedSettings the client's committed session settings ({@code SessionSettings#committed}); empty when
     *                       they are not tracked
     */
    public void syncParameters(Link assigned, Map<String, String> wanted, Map<String, TrackedSetting> wantedSettings) {
        if (wanted == syncedTo && sessionSettings.current() == wantedSettings) {
            return; // the usual hand-over: nothing changed since this server's last client with these values
        }
        StringBuilder sql = new StringBuilder();
        if (wanted != syncedTo) {
            syncedTo = wanted;
            wanted.forEach((name, value) -> {
                String current = parameters.get(name);
                if (current == null || !current.equalsIgnoreCase(value)) {
                    sql.append("SET ").append(name).append("='").append(value.replace("'", "''")).append("';");
                }
            });
        }
        sessionSettings.changeTo(wantedSettings, sql);
        if (sql.isEmpty()) {
            return;
        }
        assigned.expectSetupReply();
        ByteBuf query = channel.alloc().buffer(sql.length() + 8);
        int len = PgBuf.beginMessage(query, 'Q');
        PgBuf.writeCString(query, sql.toString());
        PgBuf.endMessage(query, len);
        RelayWrite.to(channel, query); // flushed with the client's first request
    }

    /**
     * Returns a server whose link was detached by its client ({@link Link#detachIfIdle}); any thread. The reset
     * query runs first where the pool mode asks for it.
     */
    public void releaseDetached(Link detached) {
        executor().execute(() -> {
            if (link == detached) {
                release(System.nanoTime());
            }
        });
    }

    /** Whether the connection or login is still under way (server_connect_timeout applies). */
    public boolean loggingIn() {
        ServerState current = state;
        return current == ServerState.SV_FREE || current == ServerState.SV_LOGIN;
    }

    /** The connection could not be opened: a login failure, cached for server_login_retry. */
    public void connectFailed(String reason) {
        endState();
        pool.loginFailed(this, null, reason);
    }

    /** server_connect_timeout expired during login: a login failure, cached for server_login_retry. */
    public void loginTimedOut() {
        loginFailure = "connect timeout";
        close("connect timeout");
    }

    /**
     * The login cannot go on for a reason of the pooler's own (a TLS negotiation that failed, for example
     * {@code server refused SSL}): logged, cached for server_login_retry and the fast-fail error, connection closed.
     */
    public void failLogin(String reason) {
        loginFailure = reason;
        close(reason);
    }

    /**
     * Closes the connection; any thread. A linked client is not told: callers decide what it sees. The first
     * reason given is the one logged.
     */
    public void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        Link current = link;
        if (current != null) {
            current.invalidate();
        }
        channel.close();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        tryTransition(ServerState.SV_FREE, ServerState.SV_LOGIN); // the login handler in front sends the startup
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The clock is read once per read, as PgBouncer reads it once per loop turn: everything this read times (the
        // ReadyForQuery, the release, the check-in, a hand-out to a client of this loop) takes this value.
        long now = System.nanoTime();
        if (link != null) {
            pool.stats().sent(((ByteBuf) msg).readableBytes());
        }
        ByteBuf buffer = inbound.append(ctx.alloc(), (ByteBuf) msg);
        try {
            scanner.scan(buffer, this, now);
            if (releaseAfterReadyForQuery(now)) {
                scanner.scan(buffer, this, now); // what PostgreSQL sent after it (nothing, unless it is closing)
            }
            Link current = link;
            if (current != null) {
                writeSynthesizedNow(current); // replies due after the last request this read answered
            }
        } catch (PgProtocolException e) {
            releaseAfterReadyForQuery(now); // the bad data came after a ReadyForQuery the client already has
            Log.warning("S-%s: %s server sent bad data: %s", logId(), describe(), e.getMessage());
            failLinkedClient(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "server conn crashed?"));
            ctx.close();
        } finally {
            inbound.trim();
        }
    }

    /**
     * After a scan: the release that a ReadyForQuery ending the link's turn asked for ({@link #onActiveMessage}), now
     * that the scan wrote it with the reply before it. Returns whether there was one.
     */
    private boolean releaseAfterReadyForQuery(long now) {
        Link released = releasing;
        if (released == null) {
            return false;
        }
        releasing = null;
        released.client().channel().flush(); // now: once released, no later read of this server flushes this client
        release(now);
        released.client().released();
        return true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Link current = link;
        if (current != null) {
            current.client().channel().flush();
        }
        if (state == ServerState.SV_LOGIN || state == ServerState.SV_TESTED) {
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // PostgreSQL reads slower than the client writes (a big COPY IN): stop reading the client until this
        // socket drains, so the pooler never buffers without bound.
        Link current = link;
        if (current != null) {
            current.client().channel().config().setAutoRead(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inbound.release();
        ServerState previous = endState();
        if (ConnectionLog.disconnections()) {
            ConnectionLog.closing('S', logId(), describe(), loggedReason(previous), createdMillis);
        }
        Runnable failedCheck = checkFailed;
        checkFailed = null;
        checkPassed = null;
        AuthQuery interrupted = lookup;
        lookup = null;
        if (interrupted != null) {
            interrupted.complete(new AuthQuery.Outcome.Failed("server conn crashed?"));
        }
        if (previous == ServerState.SV_FREE || previous == ServerState.SV_LOGIN) {
            if (closeReason != null && loginFailure == null) {
                pool.loginAborted(this); // closed on purpose (KILL, PAUSE...): PostgreSQL refused nothing
            } else {
                pool.loginFailed(this, null,
                        loginFailure != null ? loginFailure : "server closed the connection during login");
            }
        } else if (loggedIn) {
            failLinkedClient(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "server conn crashed?"));
            pool.closed(this);
        }
        if (failedCheck != null) {
            failedCheck.run();
        }
        gone.complete(null);
    }

    /** Why the connection closed, in PgBouncer's words where PostgreSQL or the network closed it. */
    private String loggedReason(ServerState previous) {
        if (closeReason != null) {
            return closeReason;
        }
        if (loginFailure != null) {
            return loginFailure;
        }
        return previous == ServerState.SV_FREE || previous == ServerState.SV_LOGIN
                ? "server closed the connection during login" : "server conn crashed?";
    }

    /**
     * Completes once this connection is closed and out of its pool's lists (SHOW SERVERS no longer shows it), so a
     * console command that closed it can reply after its effect is visible.
     */
    public CompletionStage<Void> gone() {
        return gone;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Log.warning("S-%s: %s server connection error: %s", logId(), describe(), cause.toString());
        ctx.close();
    }

    @Override
    public PacketScanner.Action onHeader(byte tag, int length, long now) {
        if (releasing != null) {
            return PacketScanner.Action.STOP; // released after this scan: what follows is read by the pool's server
        }
        Link current = link;
        if (state != ServerState.SV_ACTIVE || current == null) {
            return PacketScanner.Action.INSPECT;
        }
        if (current.inSetup()) {
            return PacketScanner.Action.INSPECT;
        }
        if (tag == BackendTag.READY_FOR_QUERY) {
            return readyInRun(current) ? PacketScanner.Action.INSPECT_IN_RUN : PacketScanner.Action.INSPECT;
        }
        if (tag == BackendTag.PARAMETER_STATUS
                || current.sessionSettings() != null && SessionSettings.readsReply(tag)) {
            return PacketScanner.Action.INSPECT;
        }
        if ((tag == BackendTag.COMMAND_COMPLETE || tag == BackendTag.ERROR_RESPONSE)
                && current.client().watchesReply(tag) || tag == BackendTag.NOTIFICATION_RESPONSE && listened) {
            return PacketScanner.Action.INSPECT;
        }
        ServerStatements tracked = statements;
        if (tracked == null || tag == BackendTag.DATA_ROW || tag == BackendTag.COPY_DATA
                || tag == BackendTag.NOTICE_RESPONSE || tag == BackendTag.NOTIFICATION_RESPONSE) {
            return PacketScanner.Action.FORWARD; // rows, COPY data and asynchronous messages end no request
        }
        // ErrorResponses are rare and may retire a statement (see ServerStatements.beforeError): always inspected.
        if (tag == BackendTag.ERROR_RESPONSE
                || tag == BackendTag.COMMAND_COMPLETE && ServerStatements.mayDiscardAll(length)
                || !tracked.forwardUnread(tag)) {
            return PacketScanner.Action.INSPECT;
        }
        return PacketScanner.Action.FORWARD;
    }

    /**
     * Whether the inspection of this ReadyForQuery ({@link #onActiveMessage}) writes nothing and leaves the link as
     * it is until the scan ends, so that it may go out in one buffer with the reply before it: no synthesised
     * prepared-statement reply is due before it, no LISTEN of the client waits for its transaction's end (a client
     * watching CommandComplete has one recorded; its ReadyForQuery may be held back), and no statement-mode
     * transaction check can fail the client. That is the usual transaction-mode case.
     */
    private boolean readyInRun(Link current) {
        ServerStatements tracked = statements;
        return (tracked == null || tracked.nothingDueBeforeReady())
                && !current.client().watchesReply(BackendTag.COMMAND_COMPLETE)
                && (dedicatedTo != null || pool.settings().mode() != PoolMode.STATEMENT);
    }

    @Override
    public boolean onMessage(byte tag, ByteBuf message, long now) {
        switch (state) {
            case SV_ACTIVE -> {
                if (link != null) {
                    return onActiveMessage(tag, message, now);
                }
                if (lookup != null) {
                    onLookupReply(tag, message, now);
                }
            }
            case SV_TESTED -> onResetReply(tag, message, now);
            default -> {
                // An idle server has nothing to say; PostgreSQL only speaks unasked when it terminates the session.
                // PgBouncer's warning (src/server.c); the close is logged as "server conn crashed?", as PgBouncer
                // logs the end of such a session.
                Log.warning("S-%s: %s got packet '%c' from server when not linked", logId(), describe(), (char) tag);
                channel.close();
            }
        }
        return false;
    }

    @Override
    public void forward(ByteBuf bytes) {
        Link current = link;
        if (current == null) {
            bytes.release();
        } else {
            RelayWrite.to(current.client().channel(), bytes);
        }
    }

    /**
     * The handler that runs this server's login phase ({@link ServerLoginHandler}); it goes into the pipeline in
     * place of this one and puts this one behind itself. Null once the login is done.
     */
    public ChannelHandler loginHandler() {
        return loginHandler;
    }

    /** The authentication is over (the login's first ReadyForQuery): the server's key and parameters are known. */
    void loggedIn(ServerLogin login) {
        backendKey = login.backendKey();
        Log.debug("S-%s: %s server speaks protocol 3.%d, cancel key of %d bytes", logId(), describe(),
                login.protocolMinor(), backendKey == null ? 0 : backendKey.length());
        parametersReported(login.parameters());
    }

    /** The login's target_session_attrs check passed. */
    void roleChecked() {
        roleCheckedNanos = System.nanoTime();
    }

    /** The login failed: counted for server_login_retry (with PostgreSQL's error, if it sent one), closed. */
    void loginRefused(ErrorResponse serverError, String reason) {
        loginFailure = "login failed"; // what PgBouncer's disconnect_server logs; the pool has the details
        endState();
        pool.loginFailed(this, serverError, reason);
        channel.close();
    }

    /** The login phase is over: the server joins its pool, or goes to the replication client it was opened for. */
    void loginDone() {
        loginHandler = null; // it hands the pipeline over and leaves once this returns; nothing here needs it again
        transition(ServerState.SV_IDLE);
        loggedIn = true;
        Log.debug("S-%s: %s logged in", logId(), describe());
        pool.loginSucceeded(this, parameters);
    }

    void writeQuery(String sql) {
        ByteBuf query = channel.alloc().buffer(sql.length() + 6);
        int len = PgBuf.beginMessage(query, 'Q');
        PgBuf.writeCString(query, sql);
        PgBuf.endMessage(query, len);
        channel.writeAndFlush(query);
    }

    private boolean onActiveMessage(byte tag, ByteBuf message, long now) {
        Link current = link;
        if (current.inSetup()) {
            onSetupReply(current, tag, message);
            return false;
        }
        if (tag == BackendTag.NOTIFICATION_RESPONSE) {
            return false; // the client LISTENed here: its pool's listener connection delivers that channel already
        }
        if ((tag == BackendTag.COMMAND_COMPLETE || tag == BackendTag.ERROR_RESPONSE)
                && current.client().watchesReply(tag)) {
            current.client().serverReplied(tag, message);
        }
        if (tag == BackendTag.PARAMETER_STATUS) {
            ParameterStatus status = recordParameter(message);
            current.client().parameterChanged(status.name(), status.value());
            return true;
        }
        SessionSettings settings = current.sessionSettings();
        if (settings != null) {
            settings.onReply(tag, message, sessionSettings);
        }
        ServerStatements tracked = statements;
        if (tracked != null) {
            boolean forward = acceptTracked(tracked, current, tag, message);
            if (tag != BackendTag.READY_FOR_QUERY) {
                return forward;
            }
        }
        byte status = ReadyForQuery.statusAt(message, 0);
        if (status != ReadyForQuery.IDLE && dedicatedTo == null && pool.settings().mode() == PoolMode.STATEMENT) {
            failLinkedClient(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "transaction blocks not allowed in statement pooling mode"));
            close("transaction blocks not allowed in statement pooling mode");
            return false;
        }
        pool.stats().queryDone(current.requestNanos(now));
        if (status == ReadyForQuery.IDLE) {
            pool.stats().xactDone(current.transactionNanos(now));
        }
        boolean released = current.onReadyForQuery(status, dedicatedTo == null && pool.settings().releasesAtIdle(),
                now);
        CompletionStage<?> subscribed = current.readyWait();
        if (!released) {
            if (status == ReadyForQuery.IDLE && pool.settings().serverFastClose() && pool.closeNeeded(this)) {
                fastCloseIfIdle(); // after this ReadyForQuery has reached the client
            }
            if (subscribed != null) {
                current.client().released(); // still linked (pipelined requests): the reply cannot wait
            }
            return true;
        }
        if (subscribed == null) {
            releasing = current; // forwarded by the scan, with the reply before it; released once that is written
            return true;
        }
        Channel client = current.client().channel();
        ByteBuf ready = message.retainedDuplicate(); // the write takes it over
        release(now);
        subscribed.whenComplete((done, error) -> { // see ClientListens: a LISTEN is answered once in force
            client.writeAndFlush(ready);
            current.client().released();
        });
        return false;
    }

    /**
     * An inspected reply while statements are tracked: first the synthesised replies due before it, then its own
     * bookkeeping. Returns whether it goes to the client.
     */
    private boolean acceptTracked(ServerStatements tracked, Link current, byte tag, ByteBuf message) {
        ByteBuf before = tracked.synthesizedBefore(current.client().channel().alloc());
        if (before != null) {
            RelayWrite.to(current.client().channel(), before);
        }
        if (tag == BackendTag.ERROR_RESPONSE) {
            tracked.beforeError(ErrorResponse.decode(PgBuf.body(message)));
        }
        boolean forward = tracked.accept(tag);
        if (tag == BackendTag.COMMAND_COMPLETE && ServerStatements.discardsAll(message)) {
            tracked.discardAll();
        }
        return forward;
    }

    /** A ParameterStatus from PostgreSQL: the server's value of that parameter from now on. */
    ParameterStatus recordParameter(ByteBuf message) {
        ParameterStatus status = ParameterStatus.decode(PgBuf.body(message));
        parametersReported(Map.of(status.name(), status.value()));
        syncedTo = null;
        return status;
    }

    /** Replies to the pooler's SET of the client's parameters: swallowed; a failure drops both sides. */
    private void onSetupReply(Link current, byte tag, ByteBuf message) {
        if (tag == BackendTag.PARAMETER_STATUS) {
            recordParameter(message);
        } else if (tag == BackendTag.ERROR_RESPONSE) {
            setupFailed = true;
        } else if (tag == BackendTag.READY_FOR_QUERY) {
            current.setupReplied();
            if (setupFailed) {
                failLinkedClient(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "invalid server parameter"));
                close("invalid server parameter");
            }
        }
    }

    /**
     * Forwards a cancel for the query {@code requested} is running, if that link still holds this server when the
     * server's loop looks; any thread. {@code sender} sends the CancelRequest and runs its argument, on any thread,
     * once PostgreSQL has closed the cancel connection (or it failed or timed out): until then a released server
     * waits in SV_BEING_CANCELED instead of serving another client, and the cancel connection counts as
     * SV_ACTIVE_CANCEL. When the query finished first there is nothing to cancel, as in PgBouncer:
     * {@code notSent} runs instead.
     */
    public void cancelQueryOf(Link requested, Consumer<Runnable> sender, Runnable notSent) {
        executor().execute(() -> {
            if (link != requested || requested.isReleased() || state != ServerState.SV_ACTIVE) {
                notSent.run();
                return;
            }
            cancelsInFlight++;
            pool.serverCounts().enter(ServerState.SV_ACTIVE_CANCEL);
            sender.accept(() -> executor().execute(this::cancelFinished));
        });
    }

    private void cancelFinished() {
        pool.serverCounts().moved(ServerState.SV_ACTIVE_CANCEL, ServerState.SV_JUSTFREE);
        cancelsInFlight--;
        if (cancelsInFlight == 0 && state == ServerState.SV_BEING_CANCELED) {
            returnToPool(System.nanoTime());
        }
    }

    /** A release at {@code now}: back to the pool, once no cancel for the last client's query is in flight. */
    private void release(long now) {
        link = null;
        if (cancelsInFlight > 0) {
            transition(ServerState.SV_BEING_CANCELED);
            return;
        }
        returnToPool(now);
    }

    /** Back to the pool at {@code now}: through the reset query when the mode asks for it. */
    private void returnToPool(long now) {
        if (dedicatedTo != null) {
            close("replication client left"); // never pooled: it carries that client's parameters
            return;
        }
        if (pool.lifetimeOver(this, now)) {
            close("server lifetime over");
            return;
        }
        channel.config().setAutoRead(true);
        String resetQuery = pool.settings().releaseResetQuery(); // null when none runs in this mode
        if (listened) {
            // A client's LISTEN ran here (transaction mode, see ClientListens): its notifications must not reach
            // the next client, so the session forgets it before anyone else gets this server.
            listened = false;
            transition(ServerState.SV_TESTED);
            resetError = null;
            resetRunning = resetQuery != null ? "UNLISTEN *;" + resetQuery : "UNLISTEN *";
            writeQuery(resetRunning);
        } else if (resetQuery != null) {
            transition(ServerState.SV_TESTED);
            resetError = null;
            resetRunning = resetQuery;
            writeQuery(resetQuery);
        } else {
            transition(ServerState.SV_IDLE);
            pool.checkin(this, now);
        }
    }

    private void onResetReply(byte tag, ByteBuf message, long now) {
        if (tag == BackendTag.ERROR_RESPONSE) {
            resetError = ErrorResponse.decode(PgBuf.body(message));
        } else if (tag == BackendTag.COMMAND_COMPLETE && statements != null && ServerStatements.discardsAll(message)) {
            statements.serverReset();
        } else if (tag == BackendTag.DATA_ROW && roleRecheck != null) {
            roleRecheck.row(PgBuf.body(message));
        } else if (tag == BackendTag.READY_FOR_QUERY) {
            boolean ok = resetError == null && ReadyForQuery.statusAt(message, 0) == ReadyForQuery.IDLE;
            Runnable passed = checkPassed;
            checkPassed = null;
            SessionCheck role = roleRecheck;
            roleRecheck = null;
            if (ok && role != null && !role.passed()) {
                Log.info("S-%s: %s server at %s no longer fits target_session_attrs = %s: %s", logId(), describe(),
                        address, role.attrs().configName(), role.found());
                close("server no longer fits target_session_attrs = " + role.attrs().configName());
            } else if (!ok) {
                close(passed != null ? "server check failed" : "server_reset_query failed");
            } else if (passed != null) {
                transition(ServerState.SV_IDLE);
                checkFailed = null;
                if (role != null) {
                    roleCheckedNanos = System.nanoTime();
                }
                passed.run();
            } else {
                sessionSettings.afterReset(resetRunning); // what ran: the UNLISTEN * alone resets no setting
                transition(ServerState.SV_IDLE);
                pool.checkin(this, now);
            }
        }
    }

    /**
     * PgBouncer's server check (config.md): before an idle server unused for {@code server_check_delay} is
     * handed out, {@code query} runs on it ({@code <empty>} sends an empty Query). Exactly one of the callbacks
     * runs, on this server's loop: {@code passed} when it answered cleanly (the server is still taken from the
     * pool: the caller hands it on), {@code failed} when it errored or its connection is gone (it is closed).
     */
    public void check(String query, Runnable passed, Runnable failed) {
        startCheck("<empty>".equals(query) ? "" : query, null, passed, failed);
    }

    /**
     * The {@code target_session_attrs} check again, on an idle server about to be handed out, with the callbacks of
     * {@link #check}: a server whose role changed since it logged in (its standby promoted, its primary fenced
     * read-only) fails it and is closed.
     */
    public void checkRole(TargetSessionAttrs attrs, Runnable passed, Runnable failed) {
        startCheck(SessionCheck.QUERY, new SessionCheck(attrs), passed, failed);
    }

    private void startCheck(String sql, SessionCheck role, Runnable passed, Runnable failed) {
        executor().execute(() -> {
            ServerState from = state;
            if (from != ServerState.SV_IDLE && from != ServerState.SV_USED || !channel.isActive()
                    || !tryTransition(from, ServerState.SV_TESTED)) {
                failed.run();
                return;
            }
            resetError = null;
            roleRecheck = role;
            checkPassed = passed;
            checkFailed = failed;
            writeQuery(sql);
        });
    }

    /**
     * Runs an {@code auth_query} lookup on this server, which the caller took from the pool (config.md auth_query). The
     * server counts as active while it runs and goes back to the pool at its ReadyForQuery; a failed lookup closes
     * it. No client parameter is ever applied to it. The outcome is reported through the query's callback, on this
     * server's loop.
     */
    public void runAuthQuery(AuthQuery query) {
        executor().execute(() -> {
            if (!takeFromPool()) {
                query.complete(new AuthQuery.Outcome.ServerGone()); // it died after it left the pool
                return;
            }
            lookup = query;
            channel.writeAndFlush(query.request(channel.alloc()));
        });
    }

    private void onLookupReply(byte tag, ByteBuf message, long now) {
        AuthQuery query = lookup;
        if (tag == BackendTag.PARAMETER_STATUS) {
            recordParameter(message);
            return;
        }
        if (tag == BackendTag.NOTICE_RESPONSE) {
            return;
        }
        if (tag == BackendTag.READY_FOR_QUERY) {
            lookup = null;
            transition(ServerState.SV_IDLE);
            query.complete(query.result());
            pool.checkin(this, now);
            return;
        }
        String problem;
        try {
            problem = query.onMessage(tag, message);
        } catch (IndexOutOfBoundsException e) {
            problem = "bad packet";
        }
        if (problem != null) {
            Log.warning("S-%s: %s auth_query failed: %s", logId(), describe(), problem);
            lookup = null;
            query.complete(new AuthQuery.Outcome.Failed(problem));
            close(problem.startsWith("error response") ? "error response from auth_query" : problem);
        }
    }

    /**
     * {@code server_fast_close}: in session mode a server that must be closed (RECONNECT, or a reload that changed
     * where or as whom it logs in) is closed as soon as its session is idle outside a transaction, rather than when
     * its client leaves; the client is told and disconnected, as PgBouncer reports it. Any thread; acts on this
     * server's loop, and only if the link is still idle when it gets there.
     */
    /**
     * Closes this server on its own loop and ends its linked client with FATAL 08P01 {@code reason}, as PgBouncer's
     * {@code disconnect_server} tells the client why (a replication server that is close_needed, for one).
     */
    public void closeTellingClient(String reason) {
        executor().execute(() -> {
            failLinkedClient(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, reason));
            close(reason);
        });
    }

    public void fastCloseIfIdle() {
        executor().execute(() -> {
            Link current = link;
            if (state == ServerState.SV_ACTIVE && current != null && pool.closeNeeded(this) && current.detachIfIdle()) {
                failLinkedClient(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, CONFIGURATION_CHANGED));
                close(CONFIGURATION_CHANGED);
            }
        });
    }

    private void failLinkedClient(ErrorResponse error) {
        Link current = link;
        link = null;
        if (current != null) {
            current.invalidate();
            current.client().serverFailed(error);
        }
    }

    /**
     * The TCP or Unix-socket connection to PostgreSQL is open (the login comes next): with log_connections, PgBouncer's
     * {@code new connection to server (from <local addr>)}. Server loop.
     */
    public void connected() {
        if (ConnectionLog.connections()) {
            SocketAddress local = channel.localAddress();
            Log.info("S-%s: %s new connection to server%s", logId(), describe(),
                    local instanceof InetSocketAddress ? " (from " + ConnectionLog.address(local) + ")" : "");
        }
    }

    /** The TLS handshake with PostgreSQL is done: {@code SSL established: <info>} (see {@link #connected}). */
    public void tlsEstablished(String info) {
        if (ConnectionLog.connections()) {
            Log.info("S-%s: %s SSL established: %s", logId(), describe(), info);
        } else if (Log.enabled(Log.Level.NOISE)) {
            Log.noise("S-%s: %s SSL established: %s", logId(), describe(), info);
        }
    }

    /** {@code db/user@addr:port} of this connection's pool and server, PgBouncer's log prefix. */
    String describe() {
        return pool.key() + "@" + ConnectionLog.address(cancelAddress());
    }

    String logId() {
        return channel == null ? "?" : channel.id().asShortText();
    }
}
