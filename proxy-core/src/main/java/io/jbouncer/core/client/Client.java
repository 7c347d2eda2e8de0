package io.jbouncer.core.client;

import io.jbouncer.core.ConnectionLog;
import io.jbouncer.core.Log;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.net.ConnectionIds;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.state.StateCounts;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One client connection from accept to close, whichever handler serves it: {@link ClientLoginHandler} during the
 * start-up phase, then {@link ClientConnection} (a pooled session) or {@link ConsoleConnection} (the admin console).
 * It is what the pooler lists (SHOW CLIENTS, KILL_CLIENT, cancel keys): its id, session, state and counts, the
 * login timer, and the close that every phase ends with.
 *
 * <p><b>States</b> ({@link ClientState}, PgBouncer's): CL_LOGIN (startup and authentication), CL_WAITING_LOGIN
 * (authenticated, waiting for the pool's first server to learn what to welcome the client with), CL_ACTIVE (logged
 * in: linked to a server or not, or a session of the admin console), CL_WAITING (queued for a server), CL_JUSTFREE
 * (closed). A connection that carries a CancelRequest goes CL_LOGIN, CL_WAITING_CANCEL, CL_ACTIVE_CANCEL,
 * CL_JUSTFREE. Every move goes through {@link #transition}, which rejects a move the table does not allow and keeps
 * the per-pool (or console) counts.
 *
 * <p><b>Threading.</b> Written on the client channel's event loop only; the volatile fields are read by the admin
 * console from other threads (snapshots, possibly stale).
 */
public final class Client {
    private static final CompletableFuture<Void> ALREADY_GONE = CompletableFuture.completedFuture(null);

    private final Pooler pooler;
    private final long id = ConnectionIds.next();
    private final long connectedMillis = System.currentTimeMillis();
    /** This client's counters in the per-database and per-user client counts, once it joined them. */
    private AtomicInteger databaseCount;
    private AtomicInteger userCount;
    private Channel channel;
    private volatile ClientState state = ClientState.CL_LOGIN;
    /** The per-state counts this client is counted in: its pool's, the console's, or a cancel target's pool's. */
    private StateCounts<ClientState> countedIn;
    private volatile ClientSession session;
    /** The pooled session's relay, {@code null} before the login is over and for the console. */
    private volatile ClientConnection relay;
    /**
     * Why the connection ends, for PgBouncer's {@code closing because:} log line; {@code null} until a reason is
     * known (the client went away on its own).
     */
    private String closeReason;
    /**
     * {@code db/user} as the startup packet named them, for the log prefix until the session exists; {@code null}
     * before the startup packet and once logged in (the session then names the client with its pool's strings, and
     * the packet's two copies would stay with every idle client, ~100 bytes: docs/benchmarks.md, "Memory and scale").
     */
    private String loginNames;
    /** The close reason went to the client as an error: logged as a {@code pooler error} after the close line. */
    private boolean poolerError;
    /** An error was sent and the channel closes after it, or it carries a cancel: nothing more is read. */
    private boolean closing;
    /** client_login_timeout: until the welcome is sent. */
    private ScheduledFuture<?> loginTimer;
    /** Last byte from the client, for client_idle_timeout and SHOW CLIENTS' request_time. */
    private volatile long lastReadNanos = System.nanoTime();
    /**
     * What {@link #gone()} handed out: {@code null} until a console command waits for this client (nearly none ever
     * is, and a future per idle client costs its bytes), {@link #ALREADY_GONE} once closed. Guarded by {@code this}.
     */
    private CompletableFuture<Void> gone;

    Client(Pooler pooler) {
        this.pooler = pooler;
    }

    /** The connection is open: it counts as a client, and client_login_timeout starts. */
    void opened(Channel opened) {
        channel = opened;
        pooler.clientOpened();
        long loginTimeout = pooler.config().clientLoginTimeout().toMillis();
        if (loginTimeout > 0) {
            loginTimer = opened.eventLoop().schedule(this::loginTimedOut, loginTimeout, TimeUnit.MILLISECONDS);
        }
    }

    private void loginTimedOut() {
        if (state == ClientState.CL_LOGIN) {
            closeWithError(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "client_login_timeout"));
        } else if (state == ClientState.CL_WAITING_LOGIN) {
            relay.welcomeTimedOut(); // authenticated, but the pool never got a server to learn the welcome from
        }
    }

    /** The welcome went out (or never will): client_login_timeout no longer applies. */
    void cancelLoginTimer() {
        loginTimer = cancel(loginTimer);
    }

    /**
     * Login phase over: {@code started} is this client's session, listed from now on (SHOW CLIENTS lists the clients
     * that have a session, {@link ClientsByCancelKey}); {@code pooled} is its relay, {@code null} for the admin
     * console, set first so that whoever sees the session sees the relay.
     */
    void loggedIn(ClientSession started, ClientConnection pooled) {
        relay = pooled;
        session = started;
        loginNames = null;
    }

    public Channel channel() {
        return channel;
    }

    public EventExecutor executor() {
        return channel.eventLoop();
    }

    /** PgBouncer's socket id, shared numbering with servers. */
    public long id() {
        return id;
    }

    public long connectedMillis() {
        return connectedMillis;
    }

    /** The current state (any thread: a snapshot, possibly stale). */
    public ClientState state() {
        return state;
    }

    /** The session, once logged in; {@code null} before. */
    public ClientSession session() {
        return session;
    }

    /** A session of the admin console (any thread). */
    public boolean isConsole() {
        ClientSession current = session;
        return current != null && current.consoleRole() != null;
    }

    /** The pooled session's relay (its link, statements, settings, timers); {@code null} for the console. */
    public ClientConnection relay() {
        return relay;
    }

    /** The linked server, or {@code null} (always for the console). */
    public ServerConnection linkedServer() {
        ClientConnection pooled = relay;
        return pooled == null ? null : pooled.linkedServer();
    }

    /** Nanoseconds this client has been queued for a server, 0 when not waiting. */
    public long waitingNanos() {
        ClientConnection pooled = relay;
        return pooled == null || !state.waiting() ? 0 : System.nanoTime() - pooled.waitStartNanos();
    }

    /** Named prepared statements the client holds now (SHOW CLIENTS {@code prepared_statements}). */
    public int preparedStatementCount() {
        ClientConnection pooled = relay;
        return pooled == null ? 0 : pooled.preparedStatementCount();
    }

    /**
     * When the client last sent a request (PgBouncer's {@code request_time}; the connect time before the first).
     * Derived from the monotonic read time, so a read burst costs one clock read, not two.
     */
    public long requestMillis() {
        return System.currentTimeMillis() - (System.nanoTime() - lastReadNanos) / 1_000_000;
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    /** Bytes came from the client at {@code now} (request_time, client_idle_timeout). */
    void markRead(long now) {
        lastReadNanos = now;
    }

    /** Nothing more is read: an error went out, the connection closes, or it carries a cancel. */
    boolean closing() {
        return closing;
    }

    /** Whether the login phase still reads what the client sends: logging in, and no error or cancel under way. */
    boolean readsLogin() {
        return state == ClientState.CL_LOGIN && !closing;
    }

    /** This connection carries a CancelRequest: nothing more is read from it. */
    void stopReading() {
        closing = true;
    }

    /**
     * The startup packet named {@code user} and {@code database} ({@code null} when the pooler has no such database):
     * the log prefix shows them from now on, {@code (nodb)} for an unknown database, as PgBouncer's.
     */
    void loginNames(String database, String user) {
        loginNames = (database == null ? "(nodb)" : database) + "/" + user;
    }

    /** Counts this client in database {@code name} (once); returns that database's count. Client loop only. */
    int joinDatabase(String name) {
        if (databaseCount == null) {
            databaseCount = pooler.clientCounts().joinDatabase(name);
        }
        return databaseCount.get();
    }

    /** Counts this client as user {@code name} (once); returns that user's count. Client loop only. */
    int joinUser(String name) {
        if (userCount == null) {
            userCount = pooler.clientCounts().joinUser(name);
        }
        return userCount.get();
    }

    private void leaveCounts() {
        if (databaseCount != null) {
            databaseCount.decrementAndGet();
            databaseCount = null;
        }
        if (userCount != null) {
            userCount.decrementAndGet();
            userCount = null;
        }
    }

    /**
     * Moves this client to {@code to}; client loop only.
     *
     * @throws IllegalStateException when the state table has no such move: a pooler bug, never a client's doing
     */
    void transition(ClientState to) {
        ClientState from = state;
        if (!from.canMoveTo(to)) {
            throw new IllegalStateException("C-" + logId() + ": no move from " + from + " to " + to);
        }
        state = to;
        if (countedIn != null) {
            countedIn.moved(from, to);
        }
    }

    /** From now on this client is counted in {@code counts} (it joined a pool or the console). */
    void countIn(StateCounts<ClientState> counts) {
        countedIn = counts;
        counts.enter(state);
    }

    /**
     * This connection carries a CancelRequest for {@code target}'s running query. It is counted in the target's
     * pool (SHOW POOLS {@code cl_waiting_cancel_req} until the target's server loop forwards it,
     * {@code cl_active_cancel_req} while PostgreSQL handles it) and closes once PostgreSQL closed the cancel
     * connection, as PostgreSQL itself closes a cancel connection after signalling the backend. A console target
     * has nothing to cancel: the connection closes at once.
     */
    void forwardCancel(Client target) {
        ClientConnection pooled = target.relay;
        if (pooled != null) {
            countIn(pooled.pool().clientCounts());
        }
        transition(ClientState.CL_WAITING_CANCEL);
        EventExecutor loop = executor();
        Runnable finished = () -> loop.execute(channel::close);
        if (pooled == null) {
            closeReason = "cancel request for console client";
            finished.run();
            return;
        }
        closeReason = "successfully sent cancel request";
        pooled.cancelRunningQuery(
                () -> loop.execute(() -> {
                    if (state == ClientState.CL_WAITING_CANCEL) {
                        transition(ClientState.CL_ACTIVE_CANCEL);
                    }
                }),
                finished);
    }

    /** Sends an error and closes; FATAL errors are what PgBouncer sends before dropping a client. Client loop. */
    public void closeWithError(ErrorResponse error) {
        if (state == ClientState.CL_JUSTFREE || !channel.isActive()) {
            channel.close();
            return;
        }
        closeReason = error.message();
        poolerError = true;
        closing = true;
        if (!channel.isWritable()) {
            // The client is not reading what is already on its way (its socket and outbound buffer are full, e.g.
            // notify_queue_size exceeded): the error would wait behind that forever and the connection never
            // close, so it closes now and what was queued is dropped.
            channel.close();
            return;
        }
        channel.writeAndFlush(error.toByteBuf(channel.alloc())).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes without a reply (a TLS request that cannot be honoured, a cancel for no one); the reason is logged. */
    void closeSilently(String reason) {
        closeReason = reason;
        closing = true;
        channel.close();
    }

    /** The client asked to end the session (Terminate). */
    void closeOnRequest() {
        closeReason = "client close request";
        channel.close();
    }

    /**
     * The channel closed; called once, by the handler then serving the client. The client goes CL_JUSTFREE and
     * leaves the counts and the pooler's lists; {@code sessionEnd} (given the state it was in) then lets that
     * handler hand back what its session holds, before {@link #gone()} completes.
     */
    void closed(Consumer<ClientState> sessionEnd) {
        ClientState previous = state;
        transition(ClientState.CL_JUSTFREE);
        loginTimer = cancel(loginTimer);
        leaveCounts();
        pooler.clientClosed(this);
        sessionEnd.accept(previous);
        // A client that goes away while logging in is not logged (PgBouncer's client_proto: it could be a
        // monitoring probe); one that goes away later is "client unexpected eof".
        String reason = closeReason != null || previous == ClientState.CL_LOGIN ? closeReason : "client unexpected eof";
        if (reason != null && ConnectionLog.disconnections()) {
            ConnectionLog.closing('C', logId(), describe(), reason, connectedMillis);
        }
        if (poolerError && pooler.config().logPoolerErrors()) { // PgBouncer's order: the close, then the error
            Log.warning("C-%s: %s pooler error: %s", logId(), describe(), closeReason);
        }
        CompletableFuture<Void> waiting;
        synchronized (this) {
            waiting = gone;
            gone = ALREADY_GONE;
        }
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /**
     * Completes once this client is closed and out of the pooler's lists (SHOW CLIENTS no longer shows it), so a
     * console command that closed it can reply after its effect is visible.
     */
    public synchronized CompletionStage<Void> gone() {
        if (gone == null) {
            gone = new CompletableFuture<>();
        }
        return gone;
    }

    static ScheduledFuture<?> cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
        return null;
    }

    /**
     * {@code db/user@addr:port}, PgBouncer's log prefix: the session's names once logged in, before that those of
     * the startup packet, {@code (nodb)} and {@code (nouser)} where there are none.
     */
    String describe() {
        String remote = pooler.describeRemote(channel);
        ClientSession current = session;
        if (current != null) {
            return current.describe(remote);
        }
        String names = loginNames;
        return (names == null ? "(nodb)/(nouser)" : names) + "@" + remote;
    }

    String logId() {
        return channel == null ? "?" : channel.id().asShortText();
    }
}
