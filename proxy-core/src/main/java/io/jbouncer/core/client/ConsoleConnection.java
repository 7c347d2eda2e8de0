package io.jbouncer.core.client;

import io.jbouncer.admin.AdminSession;
import io.jbouncer.admin.ReplySink;
import io.jbouncer.core.Log;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.Version;
import io.jbouncer.core.net.Cumulation;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.message.Authentication;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * A session of the admin console (the {@code pgbouncer} database) once its client is logged in: PgBouncer's welcome,
 * then every message, framed by {@link PacketScanner}, goes whole to an {@link AdminSession}, Terminate included
 * (the session replies to what it had pending, then the connection closes). {@link ClientLoginHandler} puts it in
 * its own place after the login. The client itself (id, state, counts, close, SHOW CLIENTS) is its {@link Client},
 * counted in the console's own row of SHOW POOLS; {@code disable_pqexec} does not apply here, as in PgBouncer, whose
 * admin console takes simple queries only.
 *
 * <p><b>Threading.</b> Client loop only; a delayed reply (PAUSE, WAIT_CLOSE, KILL_CLIENT ...) reaches the
 * {@link ReplySink} from whichever thread completes it, and Netty writes it on this loop.
 *
 * <p><b>Buffers.</b> It owns its cumulation; {@link AdminSession#handle} copies what it keeps of a message.
 */
final class ConsoleConnection extends ChannelInboundHandlerAdapter implements PacketScanner.Handler {
    private final Pooler pooler;
    private final Client client;
    private final ClientSession session;
    private final Cumulation inbound = new Cumulation();
    private final PacketScanner scanner;
    private AdminSession console;

    /** The console session of {@code client}, logged in as {@code session}; it starts once in the pipeline. */
    ConsoleConnection(Pooler pooler, Client client, ClientSession session) {
        this.pooler = pooler;
        this.client = client;
        this.session = session;
        this.scanner = new PacketScanner(pooler.maxPacketSize());
    }

    /** In the pipeline, in the login handler's place: PgBouncer's console welcome, and the session is active. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        client.cancelLoginTimer();
        console = new AdminSession(pooler.adminView(), session.consoleRole(), new ReplySink() {
            @Override
            public void send(ByteBuf replies) {
                channel.writeAndFlush(replies);
            }

            @Override
            public void sendAndClose(ByteBuf replies) {
                channel.writeAndFlush(replies).addListener(ChannelFutureListener.CLOSE);
            }
        }, channel.alloc());
        ByteBuf out = channel.alloc().buffer(256);
        Authentication.encodeOk(out);
        AdminSession.writeWelcomeParameters(out, Version.PGBOUNCER_COMPATIBLE, session.trackedParameters());
        session.writeKeyAndReady(out, pooler.config().loginNotifyMessage());
        channel.writeAndFlush(out);
        client.countIn(pooler.consoleCounts());
        client.transition(ClientState.CL_ACTIVE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (client.state() == ClientState.CL_JUSTFREE || client.closing()) {
            ((ByteBuf) msg).release(); // an error went out and the connection closes: nothing more is read
            return;
        }
        long now = System.nanoTime();
        client.markRead(now);
        ByteBuf buffer = inbound.append(ctx.alloc(), (ByteBuf) msg);
        try {
            scanner.scan(buffer, this, now);
        } catch (PgProtocolException e) {
            client.closeWithError(ErrorResponse.fatal(e.sqlState(), e.getMessage()));
        } finally {
            inbound.trim();
        }
    }

    /** Every message is read whole: the console session answers each one. */
    @Override
    public PacketScanner.Action onHeader(byte tag, int length, long now) {
        return PacketScanner.Action.INSPECT;
    }

    @Override
    public boolean onMessage(byte tag, ByteBuf message, long now) {
        console.handle(message);
        return false;
    }

    /** Never called: nothing is forwarded. */
    @Override
    public void forward(ByteBuf bytes) {
        bytes.release();
        throw new IllegalStateException("the admin console forwards nothing");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        client.closed(previous -> {
            inbound.release();
            console.disconnected();
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Log.debug("C-%s: client connection error: %s", client.logId(), cause.toString());
        ctx.close();
    }
}
