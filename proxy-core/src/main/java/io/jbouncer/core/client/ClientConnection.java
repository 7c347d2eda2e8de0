package io.jbouncer.core.client;

import io.jbouncer.core.Log;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.listen.ClientListens;
import io.jbouncer.core.listen.ListenFollower;
import io.jbouncer.core.net.Cumulation;
import io.jbouncer.core.net.RelayWrite;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.ServerWaiter;
import io.jbouncer.core.prepared.ClientStatements;
import io.jbouncer.core.prepared.ServerStatements;
import io.jbouncer.core.prepared.StatementRegistry;
import io.jbouncer.core.prepared.StatementRewriter;
import io.jbouncer.core.server.ClientPeer;
import io.jbouncer.core.server.Link;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.session.SessionSettings;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.protocol.FrontendTag;
import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A pooled client's session once it is logged in: relaying the client's messages to whichever server connection
 * the pool assigns, reading only message tags, and queueing for a server when a message needs one. The client
 * itself (id, state, counts, close) is its {@link Client}; the start-up phase before this is
 * {@link ClientLoginHandler}'s, which puts this handler in its place once the login is over. An admin console
 * session is {@link ConsoleConnection}'s instead, so nothing here asks which kind of session it serves.
 *
 * <p><b>Threading.</b> Everything runs on the client channel's event loop. The pool calls {@link #assign} and
 * {@link #fail} on this loop; {@link #serverFailed} and {@link #cancelRunningQuery} may come from other threads and
 * hop here or touch only the volatile link.
 *
 * <p><b>States.</b> CL_WAITING_LOGIN (authenticated, waiting for the pool's first server to learn what to welcome
 * the client with), CL_ACTIVE (linked to a server or not), CL_WAITING (queued for a server: none was free at once),
 * CL_JUSTFREE (closed);
 * each move goes through {@link Client#transition}, which keeps the pool's counts.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter
        implements PacketScanner.Handler, ServerWaiter, ClientPeer, ClientListens.Client {

    /**
     * Per-client bound on tracked prepared statements: this many times {@code max_prepared_statements}, at least
     * {@link #MIN_CLIENT_STATEMENTS} (pgjdbc alone caches 256 per connection), and {@link #MAX_CLIENT_STATEMENT_BYTES}
     * of query text. PgBouncer has no such bound.
     */
    private static final int CLIENT_STATEMENTS_PER_SERVER_SLOT = 5;
    private static final int MIN_CLIENT_STATEMENTS = 1000;
    private static final long MAX_CLIENT_STATEMENT_BYTES = 32L * 1024 * 1024;

    private final Pooler pooler;
    private final Client client;
    private final ClientSession session;
    private final Pool pool;
    private final Cumulation inbound = new Cumulation();
    private final PacketScanner scanner;
    /** The client's channel, known from accept: the pooler may call {@link #executor} as soon as it is listed. */
    private final Channel channel;
    private volatile Link link;
    /** Set while scanning when the link turned out released: the scan stops and a new server is requested. */
    private boolean linkLost;
    /**
     * Between {@code channelRead} and {@code channelReadComplete}: what is relayed meanwhile is flushed once, at the
     * end of the read burst, instead of after every scan.
     */
    private boolean inReadBurst;
    private long waitStartNanos;
    /** Inside {@link #requestServer}'s call to the pool: a server assigned now is handed over inline. */
    private boolean requesting;
    /** query_wait_timeout and query_wait_notify: while queued for a server. */
    private ScheduledFuture<?> waitTimer;
    /**
     * The client timer that ended this linked session ({@code query timeout}, ...), {@code null} if none: the server
     * closes for the same reason, as PgBouncer's janitor closes the server and the client with it.
     */
    private String expiredTimer;
    /** query_wait_notify's NOTICE goes to a client once in its life, as in PgBouncer. */
    private boolean waitNoticeSent;
    /**
     * Whether the client's named prepared statements are tracked: transaction or statement mode with
     * {@code max_prepared_statements > 0} (config.md) at login. Otherwise everything is forwarded unread.
     */
    private boolean tracksStatements;
    /**
     * The client's named prepared statements when they are tracked, from its first server on ({@link #assign});
     * {@code null} before and when they are not. Only requests relayed to a server read them, so an idle client that
     * never had a server holds none (40 bytes less per idle client, docs/benchmarks.md, "Memory and scale").
     */
    private ClientStatements statements;
    /**
     * The session settings the client makes with SQL, when {@code track_session_settings} is on in transaction or
     * statement mode; {@code null} otherwise (requests are then forwarded unread, as in PgBouncer). Set once at
     * start; volatile for the console.
     */
    private volatile SessionSettings sessionSettings;
    /**
     * Whether the client's LISTEN statements are followed: transaction or statement mode with
     * {@code transaction_listen}. Otherwise LISTEN runs on the server like any statement. Set once at start.
     */
    private boolean followsListen;
    /**
     * The client's LISTEN side ({@link ListenFollower}, with its {@link ClientListens}), from its first LISTEN on;
     * {@code null} before, so an idle client holds no more than this field. Written on the client loop, read by its
     * server's (volatile: a watched link's replies need it, see {@link #listen}).
     */
    private volatile ListenFollower listening;

    /** The relay of {@code client}, logged in to {@code session} of a pool; it starts once in the pipeline. */
    ClientConnection(Pooler pooler, Client client, ClientSession session) {
        this.pooler = pooler;
        this.client = client;
        this.session = session;
        this.pool = session.pool();
        this.channel = client.channel();
        this.scanner = new PacketScanner(pooler.maxPacketSize());
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    @Override
    public long waitStartNanos() {
        return waitStartNanos;
    }

    /** The client this relay serves. */
    public Client client() {
        return client;
    }

    Pool pool() {
        return pool;
    }

    /** The linked server, or {@code null}. */
    ServerConnection linkedServer() {
        Link current = link;
        return current == null || current.isReleased() ? null : current.server();
    }

    /** Named prepared statements the client holds now (SHOW CLIENTS {@code prepared_statements}). */
    int preparedStatementCount() {
        ClientStatements tracked = statements;
        return tracked == null ? 0 : tracked.size();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ClientState state = client.state();
        if (state == ClientState.CL_JUSTFREE || client.closing()) {
            ((ByteBuf) msg).release(); // closing: an error went out; nothing more is read
            return;
        }
        // The clock is read once per read, as PgBouncer reads it once per loop turn: everything this read times (the
        // client's last read, its wait, the server handed out, the request started) takes this value.
        long now = System.nanoTime();
        pool.stats().received(((ByteBuf) msg).readableBytes());
        client.markRead(now);
        inReadBurst = true;
        inbound.append(ctx.alloc(), (ByteBuf) msg);
        if (state.waiting()) {
            // Queued for a server: keep this burst, read no more until one is assigned. Pausing only when a client
            // sends while queued (rarely) saves two epoll_ctl calls on every transaction served from the idle list.
            ctx.channel().config().setAutoRead(false);
        }
        try {
            process(now);
        } catch (PgProtocolException e) {
            closeWithError(ErrorResponse.fatal(e.sqlState(), e.getMessage()));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inReadBurst = false;
        Link current = link;
        if (current != null) {
            current.server().channel().flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The client reads results slower than PostgreSQL produces them: stop reading the server until this socket
        // drains. Without this a 200 MB result would pile up in the pooler's memory.
        Link current = link;
        if (current != null && !current.isReleased()) {
            current.server().channel().config().setAutoRead(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        client.closed(this::sessionEnded);
    }

    /** The client left (its {@link Client} is out of the lists): the session hands back what it holds. */
    private void sessionEnded(ClientState previous) {
        inbound.release();
        if (statements != null) {
            statements.closeAll();
        }
        ListenFollower follower = listening;
        if (follower != null) {
            follower.listens().close();
        }
        waitTimer = Client.cancel(waitTimer);
        if (previous.waiting()) {
            pool.cancelWait(this);
        }
        Link current = link;
        link = null;
        if (current != null) {
            ServerConnection server = current.server();
            switch (current.abandon()) {
                case CLEAN -> server.releaseDetached(current);
                case DIRTY -> server.close(expiredTimer != null ? expiredTimer
                        : current.transactionStatus() != 'I' ? "client disconnect while server was not ready"
                        : "client disconnected with query in progress");
                case GONE -> { }
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Log.debug("C-%s: client connection error: %s", client.logId(), cause.toString());
        ctx.close();
    }

    // ---- the pool's callbacks ------------------------------------------------------------------------------

    @Override
    public void assign(ServerConnection server, long now) {
        boolean dedicated = server.dedicatedTo() != null;
        ClientState state = client.state();
        if (state == ClientState.CL_JUSTFREE) {
            if (dedicated) {
                server.close("replication client left"); // made for this client alone
            } else {
                server.pool().checkin(server, now); // the client left while queued: the server is still clean
            }
            return;
        }
        Link assigned = server.assign(this, now);
        if (assigned == null) {
            if (dedicated) {
                closeWithError(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "server conn crashed?"));
            } else {
                server.pool().acquire(this, now); // it died on the way here: ask again, still queued with our timers
            }
            return;
        }
        boolean welcome = state == ClientState.CL_WAITING_LOGIN;
        waitTimer = Client.cancel(waitTimer);
        if (welcome) {
            client.cancelLoginTimer();
        }
        if (tracksStatements) {
            if (statements == null) {
                statements = new ClientStatements(StatementRegistry.shared(), Math.max(MIN_CLIENT_STATEMENTS,
                        CLIENT_STATEMENTS_PER_SERVER_SLOT * pooler.config().maxPreparedStatements()),
                        MAX_CLIENT_STATEMENT_BYTES);
            }
            server.statements(pooler.config().maxPreparedStatements()).attach(statements);
        }
        link = assigned;
        if (!requesting) { // else handed over inline by requestServer: it never left CL_ACTIVE
            client.transition(ClientState.CL_ACTIVE);
        }
        server.pool().stats().serverAssigned(now - waitStartNanos);
        channel.config().setAutoRead(true);
        if (dedicated) {
            // Its own server, logged in with this client's parameters: welcomed with what it reported, no SET.
            session.writeWelcome(channel, server.reportedParameters(), pooler.config().loginNotifyMessage());
            drain(now);
            return;
        }
        if (welcome) {
            session.writeWelcome(channel, server.pool().welcomeParameters(), pooler.config().loginNotifyMessage());
            // client_idle_timeout counts from the welcome: before it the client could only wait for us.
            client.markRead(now);
            if (server.pool().settings().releasesAtIdle() && assigned.detachIfIdle()) {
                // This server only taught us what to welcome the client with; its first query may go elsewhere.
                link = null;
                server.releaseDetached(assigned);
                drain(now);
                return;
            }
        }
        // With tracking off the map is empty: a server left with settings (tracking was on before a reload)
        // loses them before it serves this client.
        server.syncParameters(assigned, session.trackedParameters(),
                sessionSettings == null ? Map.of() : sessionSettings.committed());
        drain(now);
    }

    @Override
    public void fail(ErrorResponse error) {
        closeWithError(error);
    }

    @Override
    public void serverFailed(ErrorResponse error) {
        executor().execute(() -> {
            link = null;
            closeWithError(error);
        });
    }

    @Override
    public SessionSettings sessionSettings() {
        return sessionSettings;
    }

    @Override
    public void parameterChanged(String name, String value) {
        session.parameterChanged(pooler.startupRules().trackedName(name), value);
    }

    @Override
    public boolean watchesReply(byte tag) {
        ListenFollower follower = listening;
        return follower != null && follower.watchesReply();
    }

    @Override
    public void serverReplied(byte tag, ByteBuf message) {
        listening.serverReplied(tag, message);
    }

    @Override
    public boolean watchesReadyForQuery() {
        return listening != null;
    }

    @Override
    public CompletionStage<?> readyForQuery(byte status) {
        return listening.readyForQuery(status);
    }

    @Override
    public void released() {
        ListenFollower follower = listening;
        if (follower != null) {
            follower.released();
        }
    }

    @Override
    public boolean betweenServerReplies() {
        Link current = link;
        return current == null || current.isReleased();
    }

    /**
     * The janitor's check of PgBouncer's client timers (config.md), on this client's loop. Closing the client
     * with a request outstanding or a transaction open also closes its server (see {@link Link#abandon}).
     */
    public void checkTimers(ClientTimeouts timeouts) {
        ClientState state = client.state();
        Link linked = link;
        String expired = timeouts.expired(state, System.nanoTime(), client.lastReadNanos(), waitStartNanos,
                linked == null || linked.isReleased() ? null : linked);
        if (expired != null) {
            if (state == ClientState.CL_WAITING) {
                pool.cancelWait(this);
            }
            expiredTimer = expired;
            closeWithError(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, expired));
        }
    }

    /**
     * Forwards a CancelRequest for this client's running query, if any, to its server; the server decides on its
     * own loop whether the query is still this client's. Any thread. {@code forwarded} runs when the cancel goes
     * out, {@code finished} once PostgreSQL is done with it or when there was nothing to cancel; both on any thread.
     */
    void cancelRunningQuery(Runnable forwarded, Runnable finished) {
        Link current = link;
        if (current == null || current.isReleased()) {
            finished.run();
            return;
        }
        ServerConnection server = current.server();
        server.cancelQueryOf(current, done -> {
            forwarded.run();
            pooler.sendCancel(server.cancelAddress(), server.backendKey(), () -> {
                done.run();
                finished.run();
            });
        }, finished);
    }

    // ---- scanning linked traffic ---------------------------------------------------------------------------

    @Override
    public PacketScanner.Action onHeader(byte tag, int length, long now) {
        if (tag == FrontendTag.QUERY && pooler.simpleQueryDisallowed()) {
            throw new PgProtocolException("PQexec disallowed");
        }
        if (tag == FrontendTag.TERMINATE) {
            return PacketScanner.Action.INSPECT;
        }
        Link current = link;
        boolean readsSettings = sessionSettings != null && SessionSettings.readsRequest(tag);
        boolean readsListen = followsListen && ClientListens.readsWhole(tag, length);
        if ((readsSettings || readsListen) && current != null && inbound.buffer().readableBytes() <= length) {
            return PacketScanner.Action.STOP; // read whole below, on a later scan: no side effects before that
        }
        if (current != null && beforeForward(current, tag, length, readsListen, now)) {
            if (readsSettings) {
                ByteBuf buffer = inbound.buffer();
                sessionSettings.onRequest(tag, buffer.slice(buffer.readerIndex() + 5, length - 4));
            }
            // Parse, Bind, Describe and Close are batch messages: once counted, beforeForward adds nothing more,
            // so offering the same header again while an inspected message is incomplete changes nothing.
            ServerStatements tracked = statements == null ? null : current.server().statements();
            return tracked == null ? PacketScanner.Action.FORWARD
                    : StatementRewriter.classify(tracked, tag, inbound.buffer());
        }
        linkLost = current != null;
        return PacketScanner.Action.STOP;
    }

    /**
     * Accounts for a message about to go to the linked server at {@code now} ({@link Link#beforeForward}) and for
     * the LISTEN state; returns {@code false} when the link was released meanwhile (nothing is forwarded then).
     */
    private boolean beforeForward(Link current, byte tag, int length, boolean readsListen, long now) {
        ListenFollower follower = listening;
        if (follower != null) {
            return follower.beforeForward(current, tag, length, inbound.buffer(), now);
        }
        if (readsListen && ClientListens.startsListening(tag, length, inbound.buffer())) {
            return listen(current, tag, length, now);
        }
        return current.beforeForward(tag, now); // a client that never LISTENs: nothing more
    }

    /**
     * The client's first LISTEN, about to go to {@code current}: its LISTEN side starts
     * ({@link ListenFollower#firstListen}). Returns {@code false} when the link was released meanwhile.
     */
    private boolean listen(Link current, byte tag, int length, long now) {
        return new ListenFollower(this, pool.listener(), pooler.config().notifyQueueSize())
                .firstListen(current, tag, length, inbound.buffer(), now, started -> listening = started);
    }

    @Override
    public boolean onMessage(byte tag, ByteBuf message, long now) {
        if (tag != FrontendTag.TERMINATE) {
            return statements == null || trackNamed(tag, PgBuf.body(message));
        }
        // Terminate: the client is done. Not forwarded: the server stays open for the next client.
        client.closeOnRequest();
        return false;
    }

    /**
     * A Parse, Bind, Describe or Close that may name a prepared statement: rewritten by {@link StatementRewriter},
     * whose replacement (if any) goes to the server here. Returns {@code true} when the message goes on unchanged.
     *
     * @throws PgProtocolException with PgBouncer's FATAL text for a name in use or unknown
     */
    private boolean trackNamed(byte tag, ByteBuf body) {
        ServerConnection server = link.server();
        ByteBuf out = server.channel().alloc().buffer();
        try {
            if (StatementRewriter.rewrite(statements, server.statements(), server.pool().stats(), tag, body, out)) {
                return true;
            }
            if (out.isReadable()) {
                RelayWrite.to(server.channel(), out);
                out = null;
            }
            return false;
        } finally {
            if (out != null) {
                out.release();
            }
        }
    }

    @Override
    public void forward(ByteBuf bytes) {
        RelayWrite.to(link.server().channel(), bytes);
    }

    /** Relays what is buffered; asks the pool for a server when a message needs one. */
    private void process(long now) {
        if (client.state() == ClientState.CL_ACTIVE) {
            drain(now);
        }
    }

    /**
     * Relays what is buffered, at {@code now} ({@code System.nanoTime()} as the caller read it on this loop: at the
     * start of its read, or just now in a task); asks the pool for a server when a message needs one.
     */
    private void drain(long now) {
        ByteBuf buffer = inbound.buffer();
        if (buffer == null || client.state() == ClientState.CL_JUSTFREE) {
            return;
        }
        linkLost = false;
        Link before = link;
        try {
            scanner.scan(buffer, this, now);
        } catch (PgProtocolException e) {
            // From prepared-statement tracking too, which runs on assign as well as on channelRead.
            closeWithError(ErrorResponse.fatal(e.sqlState(), e.getMessage()));
            return;
        } finally {
            inbound.trim();
        }
        if (before != null && !linkLost) {
            if (!inReadBurst) {
                before.server().channel().flush(); // else channelReadComplete flushes, once for the whole burst
            }
            ServerStatements tracked = statements == null ? null : before.server().statements();
            if (tracked != null && tracked.onlySynthesizedPending()) {
                before.server().writeSynthesized(before);
            }
        }
        if (linkLost) {
            link = null; // released by the server side at its last ReadyForQuery
        }
        if (client.state() == ClientState.CL_ACTIVE && link == null && !inbound.isEmpty()) {
            requestServer(now);
        }
    }

    /**
     * Asks for a server for the next request. A client that gets one at once, from the idle list, never counts as
     * waiting: as in PgBouncer's find_server (src/objects.c), only a client that is queued moves to CL_WAITING, so
     * SHOW POOLS' {@code cl_waiting} counts only clients that really wait, and the usual transaction-mode hand-out
     * costs no state move. Nothing else can hand this client a server meanwhile: another loop's hand-off is a task
     * on this loop, which runs after this.
     */
    private void requestServer(long now) {
        ListenFollower follower = listening;
        if (follower != null && follower.listens().holdsRequests(() -> drain(System.nanoTime()))) {
            return; // the last server's ReadyForQuery waits for a LISTEN elsewhere: nothing may overtake it
        }
        requesting = true;
        try {
            askPool(now);
        } finally {
            requesting = false;
        }
        if (link == null && client.state() == ClientState.CL_ACTIVE && !client.closing()) {
            client.transition(ClientState.CL_WAITING); // queued: query_wait_timeout applies from now
            armWaitTimer(now);
        }
    }

    /**
     * Authenticated, queued (CL_WAITING_LOGIN) for the server whose parameters it is welcomed with, or for its own
     * (replication), with the pool's {@code query_wait_timeout} (PgBouncer's FATAL text) as the limit.
     */
    private void waitForServer(long now) {
        askPool(now);
        if (client.state().waiting() && !client.closing()) {
            armWaitTimer(now); // a server handed over inline needed no timer, so none was scheduled and cancelled
        }
    }

    /** Asks the pool for a server; the wait counts from {@code now}. */
    private void askPool(long now) {
        waitStartNanos = now;
        if (session.replication() != ReplicationMode.NONE) {
            pool.acquireDedicated(this, session.replication(), session.replicationParameters());
        } else {
            pool.acquire(this, now);
        }
    }

    /** One timer per wait, at the earlier of its deadlines ({@link QueueWaitTimer}), armed at {@code now}. */
    private void armWaitTimer(long now) {
        long delay = queueWaitTimer().delayMillis(now - waitStartNanos);
        if (delay >= 0) {
            waitTimer = channel.eventLoop().schedule(this::waitTimerFired, delay, TimeUnit.MILLISECONDS);
        }
    }

    /** The deadlines of this wait under the settings in force now (a reload may have changed them). */
    private QueueWaitTimer queueWaitTimer() {
        return QueueWaitTimer.of(pool.settings().queryWaitTimeout().toMillis(),
                pooler.config().queryWaitNotify(), !waitNoticeSent && client.state() == ClientState.CL_WAITING);
    }

    private void waitTimerFired() {
        ClientState state = client.state();
        if (!state.waiting()) {
            return;
        }
        long now = System.nanoTime();
        if (queueWaitTimer().timedOut(now - waitStartNanos)) {
            if (pool.cancelWait(this)) {
                closeWithError(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "query_wait_timeout"));
            }
            return;
        }
        if (state == ClientState.CL_WAITING && !waitNoticeSent) {
            waitNoticeSent = true;
            ByteBuf notice = channel.alloc().buffer(96);
            ErrorResponse.notice("No server connection available in postgres backend, client being queued", null)
                    .encodeAsNotice(notice);
            channel.writeAndFlush(notice);
        }
        armWaitTimer(now);
    }

    // ---- start and close ------------------------------------------------------------------------------------

    /**
     * In the pipeline, in the login handler's place: the pooled session starts. The client is welcomed at once
     * when the pool knows what to welcome it with, else once its first server logged in (CL_WAITING_LOGIN).
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        client.countIn(pool.clientCounts());
        if (session.replication() != ReplicationMode.NONE) {
            // Never pooled (PgBouncer 1.23): welcomed only once its own server logged in, so PostgreSQL's refusal
            // of an unprivileged user reaches the client as PostgreSQL sent it.
            client.transition(ClientState.CL_WAITING_LOGIN);
            waitForServer(now);
            return;
        }
        followsListen = pooler.config().transactionListen() && pool.settings().releasesAtIdle();
        tracksStatements = pooler.config().maxPreparedStatements() > 0 && pool.settings().releasesAtIdle();
        if (pooler.config().trackSessionSettings() && pool.settings().releasesAtIdle()) {
            StartupParameters rules = pooler.startupRules();
            sessionSettings = new SessionSettings(client.logId() + ": " + client.describe(),
                    name -> rules.trackedName(name) != null);
        }
        if (pool.welcomeParameters() != null) {
            client.cancelLoginTimer();
            session.writeWelcome(channel, pool.welcomeParameters(), pooler.config().loginNotifyMessage());
            client.transition(ClientState.CL_ACTIVE);
            drain(now);
        } else {
            // The pool never logged in: learn the server's parameters from its first server before welcoming.
            client.transition(ClientState.CL_WAITING_LOGIN);
            waitForServer(now);
        }
    }

    /** client_login_timeout while CL_WAITING_LOGIN: the pool never got a server to learn the welcome from. */
    void welcomeTimedOut() {
        pool.cancelWait(this);
        closeWithError(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "client_login_timeout (server down)"));
    }

    @Override
    public void closeWithError(ErrorResponse error) {
        client.closeWithError(error);
    }
}
