package io.jbouncer.core.server;

import io.jbouncer.core.Log;
import io.jbouncer.core.net.ConnectionIds;
import io.jbouncer.core.net.Cumulation;
import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The one server connection of a pool that LISTENs on behalf of its clients in transaction and statement mode
 * (docs/transaction-mode.md): it logs in as the pool's servers do, then only runs the LISTEN and UNLISTEN queries
 * its owner sends and hands every NotificationResponse to the owner. It is never in the pool's lists and never
 * linked to a client.
 *
 * <p><b>Threading.</b> Callbacks run on this channel's event loop; {@link #send} and {@link #close} may be called
 * from any thread (Netty queues the write in call order).
 */
public final class ListenerConnection extends ChannelInboundHandlerAdapter implements PacketScanner.Handler {

    /** What the owner is told; every call comes from this connection's event loop. */
    public interface Events {
        /** Logged in and idle: the owner sends its LISTEN statements now. */
        void connected(ListenerConnection connection);

        /** A whole NotificationResponse message (tag and length included), valid only during the call. */
        void notification(ByteBuf message);

        /** The connection failed to open or log in, or was lost: the owner decides whether to open another. */
        void lost(ListenerConnection connection, String reason);
    }

    /**
     * The largest message accepted: a notification carries at most 8000 bytes of payload and a 63-byte channel name,
     * and nothing else this connection receives comes close.
     */
    private static final int MAX_MESSAGE = 1024 * 1024;

    private final long id = ConnectionIds.next();
    private final long createdMillis = System.currentTimeMillis();
    private final SocketAddress address;
    private final String poolName;
    private final Map<String, String> startupParameters;
    private final ServerLogin login;
    private final PacketScanner scanner;
    private final Cumulation inbound = new Cumulation();
    private final Events events;
    private volatile Channel channel;
    private volatile boolean loggedIn;
    private volatile BackendKeyData backendKey;
    /** The queries sent and not yet answered, in order. */
    private final Queue<CompletableFuture<Void>> answers = new ConcurrentLinkedQueue<>();
    /** Reported once: a connection that failed is not reported again when its channel closes. */
    private boolean lostReported;

    /**
     * @param poolName          the pool's name for log lines
     * @param startupParameters the StartupMessage parameters of the pool's servers
     */
    public ListenerConnection(SocketAddress address, String poolName, ServerCredentials credentials,
                              Map<String, String> startupParameters, Events events) {
        this.address = address;
        this.poolName = poolName;
        this.startupParameters = startupParameters;
        this.login = new ServerLogin(credentials);
        this.scanner = new PacketScanner(MAX_MESSAGE);
        this.events = events;
    }

    public long id() {
        return id;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public SocketAddress address() {
        return address;
    }

    /** The channel, once connected; {@code null} before. */
    public Channel channel() {
        return channel;
    }

    /** Whether the login finished and the connection is still open. */
    public boolean isReady() {
        Channel current = channel;
        return loggedIn && current != null && current.isActive();
    }

    /** The backend's key (SHOW SERVERS {@code remote_pid}); {@code null} before login. */
    public BackendKeyData backendKey() {
        return backendKey;
    }

    /**
     * Sends one simple Query; any thread, but callers must not race each other (the owner sends under its lock), so
     * the queries and their futures stay in one order. The future completes at the query's ReadyForQuery, or when
     * the connection is lost first; an error is only logged.
     */
    public CompletableFuture<Void> send(String sql) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel current = channel;
        if (current == null || !current.isActive()) {
            done.complete(null);
            return done;
        }
        answers.add(done);
        ByteBuf query = current.alloc().buffer(sql.length() + 6);
        int len = PgBuf.beginMessage(query, 'Q');
        PgBuf.writeCString(query, sql);
        PgBuf.endMessage(query, len);
        current.writeAndFlush(query);
        if (!current.isActive()) {
            completeAll(); // closed meanwhile: channelInactive may have run before the add
        }
        return done;
    }

    private void completeAll() {
        CompletableFuture<Void> waiting;
        while ((waiting = answers.poll()) != null) {
            waiting.complete(null);
        }
    }

    /** Closes the connection; any thread. */
    public void close() {
        Channel current = channel;
        if (current != null) {
            current.close();
        }
    }

    /** The connection could not be opened (connect or TLS failure): reported as lost. */
    public void failed(String reason) {
        Log.warning("S-%s: %s listener connection failed: %s", logId(), poolName, reason);
        reportLost(reason);
        close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ByteBuf startup = ctx.alloc().buffer();
        StartupMessage.encode(startup, StartupMessage.LATEST_MINOR, startupParameters); // as ServerConnection
        ctx.writeAndFlush(startup);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buffer = inbound.append(ctx.alloc(), (ByteBuf) msg);
        try {
            scanner.scan(buffer, this, System.nanoTime());
        } catch (PgProtocolException e) {
            Log.warning("S-%s: %s listener connection sent bad data: %s", logId(), poolName, e.getMessage());
            ctx.close();
        } finally {
            inbound.trim();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inbound.release();
        loggedIn = false;
        completeAll();
        reportLost("server closed the connection");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Log.warning("S-%s: %s listener connection error: %s", logId(), poolName, cause.toString());
        ctx.close();
    }

    @Override
    public PacketScanner.Action onHeader(byte tag, int length, long now) {
        return PacketScanner.Action.INSPECT;
    }

    @Override
    public boolean onMessage(byte tag, ByteBuf message, long now) {
        if (!loggedIn) {
            onLoginMessage(tag, message);
        } else if (tag == 'A') {
            events.notification(message);
        } else if (tag == 'E') {
            Log.warning("S-%s: %s listener query failed: %s", logId(), poolName,
                    ErrorResponse.decode(PgBuf.body(message)).message());
        } else if (tag == 'Z') {
            CompletableFuture<Void> answered = answers.poll();
            if (answered != null) {
                answered.complete(null);
            }
        }
        return false; // CommandComplete, ReadyForQuery, notices and parameters of its own queries: nobody needs them
    }

    @Override
    public void forward(ByteBuf bytes) {
        bytes.release(); // never called: every message is inspected
    }

    private void onLoginMessage(byte tag, ByteBuf message) {
        try {
            if (tag == 'Z') {
                backendKey = login.backendKey();
                loggedIn = true;
                Log.debug("S-%s: %s new listener connection", logId(), poolName);
                events.connected(this);
                return;
            }
            ByteBuf reply = login.handle(tag, message, channel.alloc());
            if (reply != null) {
                channel.writeAndFlush(reply);
            }
        } catch (ServerLogin.LoginFailure failure) {
            failed("server login failed: " + failure.getMessage());
        }
    }

    private void reportLost(String reason) {
        if (!lostReported) {
            lostReported = true;
            events.lost(this, reason);
        }
    }

    private String logId() {
        Channel current = channel;
        return current == null ? "?" : current.id().asShortText();
    }
}
