package io.jbouncer.core.server;

import io.jbouncer.core.Log;
import io.jbouncer.core.config.TargetSessionAttrs;
import io.jbouncer.core.net.Cumulation;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Map;

/**
 * The login phase of one server connection (SV_LOGIN): the StartupMessage, the authentication exchange
 * ({@link ServerLogin}), then, for a pooled server, the {@code target_session_attrs} check and the database's
 * {@code connect_query}, before the server joins its pool.
 *
 * <p><b>Pipeline.</b> It sits in front of its {@link ServerConnection} (behind the {@code server_tls_*} negotiation
 * where that applies), which it puts behind itself when added, and reads every message PostgreSQL sends until the
 * login is over; the connection meanwhile sees only the channel's life-cycle and keeps the state, the pool's counts
 * and the login-failure accounting. Once logged in, the connection joins its pool and this handler leaves the
 * pipeline, passing anything PostgreSQL sent behind the last login reply on to the connection. A failed login closes
 * the channel with this handler still in place.
 *
 * <p><b>Threading.</b> The server loop only. <b>Buffers.</b> It owns its cumulation until it leaves; inspected
 * messages are slices valid during the call; what it passes on is a copy owned by the connection's
 * {@code channelRead}.
 */
final class ServerLoginHandler extends ChannelInboundHandlerAdapter implements PacketScanner.Handler {
    private final ServerConnection connection;
    private final Pool pool;
    private final Map<String, String> startupParameters;
    private final ServerLogin login;
    private final PacketScanner scanner;
    private final Cumulation inbound = new Cumulation();
    private ChannelHandlerContext ctx;
    /** While the target_session_attrs check runs, right after the login's ReadyForQuery; null otherwise. */
    private SessionCheck sessionCheck;
    /** While the database's connect_query runs, between the login's ReadyForQuery (or check) and joining the pool. */
    private boolean connectQueryRunning;
    /** The login is over (in the pool or failed): nothing more is read here. */
    private boolean over;
    /** The server joined its pool (or its replication client): this handler leaves after the current scan. */
    private boolean loggedIn;

    ServerLoginHandler(ServerConnection connection, ServerCredentials credentials,
                       Map<String, String> startupParameters, int maxPacketSize) {
        this.connection = connection;
        this.pool = connection.pool();
        this.startupParameters = startupParameters;
        this.login = new ServerLogin(credentials);
        this.scanner = new PacketScanner(maxPacketSize);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.pipeline().addAfter(ctx.name(), null, connection);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        inbound.release();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive(); // the connection moves to SV_LOGIN first
        ByteBuf startup = ctx.alloc().buffer();
        // 3.2 (long cancel keys) where PostgreSQL 18+ speaks it; older servers negotiate down to 3.0 (ServerLogin)
        StartupMessage.encode(startup, StartupMessage.LATEST_MINOR, startupParameters);
        ctx.writeAndFlush(startup);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (over) {
            ((ByteBuf) msg).release(); // a failed login: the channel is closing
            return;
        }
        ByteBuf buffer = inbound.append(ctx.alloc(), (ByteBuf) msg);
        try {
            scanner.scan(buffer, this, System.nanoTime());
        } catch (PgProtocolException e) {
            Log.warning("S-%s: %s server sent bad data: %s", connection.logId(), connection.describe(), e.getMessage());
            over = true;
            ctx.close();
        } finally {
            inbound.trim();
        }
        if (loggedIn && !ctx.isRemoved()) {
            handOver();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush(); // the login replies are written as they are decided and go out once per read
        ctx.fireChannelReadComplete();
    }

    /** Every login message is read whole. */
    @Override
    public PacketScanner.Action onHeader(byte tag, int length, long now) {
        return over ? PacketScanner.Action.STOP : PacketScanner.Action.INSPECT;
    }

    @Override
    public void forward(ByteBuf bytes) {
        bytes.release(); // never asked for: every message is inspected
    }

    @Override
    public boolean onMessage(byte tag, ByteBuf message, long now) {
        if (sessionCheck != null) {
            onSessionCheckReply(tag, message);
        } else if (connectQueryRunning) {
            onConnectQueryReply(tag, message);
        } else {
            onLoginMessage(tag, message);
        }
        return false;
    }

    private void onLoginMessage(byte tag, ByteBuf message) {
        try {
            if (tag == 'Z') {
                connection.loggedIn(login);
                if (connection.dedicatedTo() != null) {
                    finish();
                    return;
                }
                TargetSessionAttrs attrs = pool.loginSessionAttrs();
                if (attrs != TargetSessionAttrs.ANY) {
                    sessionCheck = new SessionCheck(attrs);
                    connection.writeQuery(SessionCheck.QUERY);
                    return;
                }
                runConnectQueryOrFinish();
                return;
            }
            ByteBuf reply = login.handle(tag, message, ctx.alloc());
            if (reply != null) {
                ctx.write(reply);
            }
        } catch (ServerLogin.LoginFailure failure) {
            Log.warning("S-%s: %s server login failed: %s", connection.logId(), connection.describe(), failure.getMessage());
            fail(failure.serverError, "server login failed: " + failure.getMessage());
        }
    }

    /**
     * Replies to the {@code target_session_attrs} check: a server that does not qualify is closed, and its login
     * counts as a failed connection, so the pool tries the next host of its list.
     */
    private void onSessionCheckReply(byte tag, ByteBuf message) {
        SessionCheck check = sessionCheck;
        if (tag == 'D') {
            check.row(PgBuf.body(message));
        } else if (tag == 'E') {
            check.failed(ErrorResponse.decode(PgBuf.body(message)).message());
        } else if (tag == 'Z') {
            sessionCheck = null;
            if (check.passed()) {
                connection.roleChecked();
                runConnectQueryOrFinish();
            } else {
                Log.info("S-%s: %s server at %s does not fit target_session_attrs = %s: %s", connection.logId(),
                        connection.describe(), connection.address(), check.attrs().configName(), check.found());
                fail(null, "server does not fit target_session_attrs = " + check.attrs().configName());
            }
        }
    }

    private void runConnectQueryOrFinish() {
        String connectQuery = pool.target().connectQuery();
        if (connectQuery != null) {
            connectQueryRunning = true;
            connection.writeQuery(connectQuery);
            return;
        }
        finish();
    }

    /**
     * Replies to the database's {@code connect_query}, run once on each new server before it joins the pool: an
     * error is logged and otherwise ignored, as in PgBouncer; a parameter it sets is the server's from now on.
     */
    private void onConnectQueryReply(byte tag, ByteBuf message) {
        if (tag == 'E') {
            Log.warning("S-%s: %s connect_query failed: %s", connection.logId(), connection.describe(),
                    ErrorResponse.decode(PgBuf.body(message)).message());
        } else if (tag == 'S') {
            connection.recordParameter(message);
        } else if (tag == 'Z') {
            connectQueryRunning = false;
            finish();
        }
    }

    /** Logged in: the scan stops here, and after it this handler leaves the pipeline to the connection. */
    private void finish() {
        over = true;
        loggedIn = true;
        connection.loginDone();
    }

    private void fail(ErrorResponse serverError, String reason) {
        over = true;
        connection.loginRefused(serverError, reason);
    }

    /** What PostgreSQL sent behind the last login reply goes on to the connection, as if just read. */
    private void handOver() {
        ByteBuf rest = inbound.takeRest(ctx.alloc()); // released by the connection's channelRead
        ctx.pipeline().remove(this);
        if (rest != null) {
            ctx.fireChannelRead(rest);
        }
    }
}
