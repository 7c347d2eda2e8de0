package io.jbouncer.core.tls;

import io.jbouncer.core.ConnectionLog;
import io.jbouncer.core.Log;
import io.jbouncer.core.server.ServerConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The first step of a connection to PostgreSQL under {@code server_tls_sslmode} other than {@code disable}: sends an
 * SSLRequest and reads the one-byte answer (PgBouncer's {@code handle_sslchar}). {@code S} puts an {@link SslHandler}
 * in front and waits for its handshake; {@code N} goes on in plaintext unless TLS is required. Only then does the
 * server connection's handler (next in the pipeline) see {@code channelActive} and send its startup packet; this
 * handler then leaves the pipeline.
 *
 * <p>Failures are reported with PgBouncer's reasons ({@code server refused SSL}, {@code bad sslreq answer},
 * {@code received unencrypted data after SSL response}, {@code TLS handshake error: ...}), which the pool caches
 * for its fast-fail error.
 */
final class ServerTlsNegotiation extends ChannelInboundHandlerAdapter {

    private static final int SSL_REQUEST_CODE = 80877103;

    private final ServerTls tls;
    private final InetSocketAddress address;
    private final Consumer<String> loginFailed;
    private final Consumer<Boolean> handshakeDone;
    /** Set once the answer was read: later reads are the handshake's business or the decrypted stream's. */
    private boolean answered;

    ServerTlsNegotiation(ServerTls tls, InetSocketAddress address, Consumer<String> loginFailed,
            Consumer<Boolean> handshakeDone) {
        this.tls = tls;
        this.address = address;
        this.loginFailed = loginFailed;
        this.handshakeDone = handshakeDone;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf request = ctx.alloc().buffer(8).writeInt(8).writeInt(SSL_REQUEST_CODE);
        ctx.writeAndFlush(request);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (answered) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (!in.isReadable()) {
            in.release();
            return;
        }
        answered = true;
        byte answer = in.readByte();
        boolean more = in.isReadable();
        in.release();
        if (answer != 'S' && answer != 'N') {
            loginFailed.accept("bad sslreq answer");
        } else if (more) {
            // Bytes behind the answer were not encrypted, and may come from a man in the middle.
            loginFailed.accept("received unencrypted data after SSL response");
        } else if (answer == 'S') {
            startHandshake(ctx);
        } else if (tls.required()) {
            loginFailed.accept("server refused SSL");
        } else {
            proceed(ctx);
        }
    }

    private void startHandshake(ChannelHandlerContext ctx) {
        SslHandler handler = tls.newHandler(ctx.channel(), address);
        ctx.pipeline().addBefore(ctx.name(), null, handler);
        handler.handshakeFuture().addListener(done -> {
            handshakeDone.accept(done.isSuccess());
            if (done.isSuccess()) {
                established(ctx);
                proceed(ctx);
            } else {
                loginFailed.accept("TLS handshake error: " + TlsInfo.failure(done.cause()));
            }
        });
    }

    /**
     * {@code SSL established: <info>}, at LOG with log_connections and NOISE without, as PgBouncer's server_proto
     * logs it; with the server connection's prefix when this negotiation is a pooled server's.
     */
    private static void established(ChannelHandlerContext ctx) {
        String info = TlsInfo.describe(ctx.channel());
        ServerConnection server = ctx.pipeline().get(ServerConnection.class);
        if (server != null) {
            server.tlsEstablished(info);
        } else if (ConnectionLog.connections()) {
            Log.info("SSL established: %s", info);
        } else {
            Log.noise("SSL established: %s", info);
        }
    }

    /** Hands the connection, now plaintext or encrypted, to the server connection: it sends its startup packet. */
    private void proceed(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    /**
     * While this handler is in the pipeline the connection is still negotiating: an error (a reset, a failed
     * handshake, which its future reports with the reason) only closes it; the server connection sees it close
     * during login.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
