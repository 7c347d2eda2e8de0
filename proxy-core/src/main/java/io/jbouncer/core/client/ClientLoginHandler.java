package io.jbouncer.core.client;

import io.jbouncer.core.Log;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.auth.AuthStep;
import io.jbouncer.core.net.Cumulation;
import io.jbouncer.core.stats.PoolerEvents;
import io.jbouncer.core.tls.ClientTls;
import io.jbouncer.core.tls.TlsInfo;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.StartupScanner;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.CancelRequest;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.NegotiateProtocolVersion;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;

/**
 * The start-up phase of one client connection (PgBouncer's {@code handle_client_startup} and the authentication
 * exchange): SSLRequest and direct TLS, GSSENCRequest, CancelRequest, the StartupMessage with protocol version
 * negotiation, and the password messages, framed by {@link StartupScanner} and judged by {@link ClientLogin}.
 *
 * <p><b>Pipeline.</b> It is the client's only handler from accept (behind TLS and PROXY protocol handlers) and
 * takes every byte and life-cycle event until the login is over; the client's id, state, counts and login timer are
 * its {@link Client}'s. Once the client is logged in, this handler replaces itself with the handler of the session:
 * a {@link ClientConnection} for a pooled client, a {@link ConsoleConnection} for the admin console; any bytes the
 * client sent behind its last login packet go on to that handler. A connection that carried a CancelRequest, or was
 * refused, closes with this handler still in place.
 *
 * <p><b>Threading.</b> Client loop only; a login step that came later (auth_query, LDAP) hops here first.
 *
 * <p><b>Buffers.</b> It owns its cumulation until it leaves; the bytes it passes on are a copy whose ownership
 * goes to the session handler's {@code channelRead}.
 */
public final class ClientLoginHandler extends ChannelInboundHandlerAdapter {
    private final Pooler pooler;
    private final Client client;
    private final Cumulation inbound = new Cumulation();
    private ChannelHandlerContext ctx;
    private Channel channel;
    /** The login under way once the StartupMessage came; {@code null} before it and once it is over. */
    private ClientLogin login;
    /** The client started TLS with a ClientHello instead of an SSLRequest. */
    private boolean directTls;

    /** A new client connection of {@code pooler}, in its start-up phase. */
    public ClientLoginHandler(Pooler pooler) {
        this.pooler = pooler;
        this.client = new Client(pooler);
    }

    /** The client this login is for. */
    Client client() {
        return client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client.opened(ctx.channel());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        inbound.release();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = (ByteBuf) msg;
        if (!client.readsLogin()) {
            bytes.release(); // refused, closing, or carrying a cancel: nothing more is read
            return;
        }
        client.markRead(System.nanoTime());
        ByteBuf in = inbound.append(ctx.alloc(), bytes);
        try {
            scan(in);
        } catch (PgProtocolException e) {
            client.closeWithError(ErrorResponse.fatal(e.sqlState(), e.getMessage()));
        } finally {
            inbound.trim();
        }
    }

    private void scan(ByteBuf in) {
        if (login == null && in.isReadable() && channel.pipeline().get(SslHandler.class) == null
                && pooler.clientTls().directOn(channel, in.getByte(in.readerIndex()))) {
            startDirectTls(in);
            return;
        }
        while (client.readsLogin()) {
            if (login != null && login.awaitingPassword()) {
                ByteBuf body = StartupScanner.nextPasswordMessage(in);
                if (body == null) {
                    return;
                }
                login.onPasswordMessage(body, channel.alloc()).ifPresent(this::onLoginStep);
                continue;
            }
            StartupScanner.Packet packet = StartupScanner.nextStartup(in);
            if (packet == null) {
                return;
            }
            switch (packet.kind()) {
                case SSL_REQUEST -> answerSslRequest(in.isReadable());
                case GSSENC_REQUEST -> channel.writeAndFlush(channel.alloc().buffer(1).writeByte('N'));
                case CANCEL_REQUEST -> dispatchCancel(packet.body());
                case STARTUP -> startLogin(packet);
            }
        }
    }

    /**
     * SSLRequest (PgBouncer's {@code handle_client_startup}): {@code S} and a TLS handshake when client TLS is on and
     * this is a TCP client, else {@code N}. A second SSLRequest inside TLS, or bytes sent behind the SSLRequest
     * before the answer (they were not encrypted: a man in the middle may have put them there), close the
     * connection without a reply.
     */
    private void answerSslRequest(boolean moreBuffered) {
        if (channel.pipeline().get(SslHandler.class) != null) {
            client.closeSilently("SSL req inside SSL");
            return;
        }
        ClientTls tls = pooler.clientTls();
        if (!tls.offeredOn(channel)) {
            channel.writeAndFlush(channel.alloc().buffer(1).writeByte('N'));
        } else if (moreBuffered) {
            client.closeSilently("received unencrypted data after SSL request");
        } else {
            // The 'S' is written (and queued below) before the handler exists, so it goes out in plaintext.
            channel.writeAndFlush(channel.alloc().buffer(1).writeByte('S'));
            channel.pipeline().addFirst(tls.newHandler(channel));
        }
    }

    /**
     * Direct TLS (PgBouncer 1.25, PostgreSQL 17 {@code sslnegotiation=direct}): the client began with its
     * ClientHello. The TLS handler goes to the front of the pipeline and gets the bytes read so far, from the head,
     * as if it had been there all along; once the handshake is done, {@link #userEventTriggered} checks that the
     * client negotiated ALPN {@code postgresql}, as PostgreSQL requires of direct connections.
     */
    private void startDirectTls(ByteBuf in) {
        ByteBuf hello = in.readRetainedSlice(in.readableBytes()); // released by the SslHandler that reads it
        directTls = true;
        channel.pipeline().addFirst(pooler.clientTls().newHandler(channel));
        channel.pipeline().fireChannelRead(hello);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done) {
            pooler.events().tlsHandshake(PoolerEvents.TlsSide.CLIENT, done.isSuccess());
            if (!done.isSuccess()) {
                Log.warning("C-%s: TLS handshake error: %s", client.logId(), TlsInfo.failure(done.cause()));
            } else if (directTls && !ClientTls.negotiatedPostgresql(channel)) {
                Log.warning("C-%s: direct TLS connection without ALPN protocol postgresql", client.logId());
                client.closeSilently("direct TLS without ALPN");
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    /**
     * A CancelRequest: the key goes to the peer that issued it, or to the client it names here; the connection
     * carries nothing else and closes once the cancel is over.
     */
    private void dispatchCancel(ByteBuf body) {
        client.stopReading();
        int keyLength = body.readableBytes();
        // a 3.0 key is 8 bytes, a 3.2 key up to 260; anything else is dropped unanswered, as PostgreSQL does
        BackendKeyData key = keyLength >= 8 && keyLength <= CancelRequest.MAX_PACKET_LENGTH - 8
                ? CancelRequest.decode(body) : null;
        EventExecutor loop = channel.eventLoop();
        // another peer's key: this connection closes once the forward is over, as for one of ours below
        if (key != null && pooler.forwardToPeer(key, () -> loop.execute(channel::close))) {
            return;
        }
        Client target = key == null ? null : pooler.cancelTarget(key);
        if (target == null) {
            client.closeSilently("failed cancel request"); // unknown keys get no answer, as from PostgreSQL
        } else {
            client.forwardCancel(target);
        }
    }

    private void startLogin(StartupScanner.Packet packet) {
        if (login != null) {
            throw new PgProtocolException("client re-sent startup pkt");
        }
        if (pooler.clientTls().requiredOn(channel) && !TlsInfo.isTls(channel)) {
            throw new PgProtocolException("SSL required");
        }
        StartupMessage startup = StartupMessage.decode(packet.code(), packet.body());
        negotiateProtocolVersion(startup);
        login = new ClientLogin(pooler, client, startup, this::continueLogin);
        login.start(channel.alloc()).ifPresent(this::onLoginStep);
    }

    /**
     * Protocol 3.0 to 3.2 are spoken as asked. A client asking for a newer minor version (PostgreSQL 19's libpq probes
     * with 3.9999), or naming {@code _pq_.*} options (none is known here), gets exactly one NegotiateProtocolVersion
     * with the version it goes on with, the older of its own and 3.2, and those options; it is never refused for it
     * (protocol docs, "Protocol versions"; PgBouncer answers 3.0 to any minor).
     */
    private void negotiateProtocolVersion(StartupMessage startup) {
        List<String> protocolOptions = new ArrayList<>(0); // a loop, not a stream: this runs on every login
        for (String name : startup.parameters().keySet()) {
            if (name.startsWith("_pq_.")) {
                protocolOptions.add(name);
            }
        }
        if (startup.minorVersion() > StartupMessage.LATEST_MINOR || !protocolOptions.isEmpty()) {
            ByteBuf out = channel.alloc().buffer();
            new NegotiateProtocolVersion(StartupMessage.PROTOCOL_3,
                    Math.min(startup.minorVersion(), StartupMessage.LATEST_MINOR), protocolOptions).encode(out);
            channel.write(out);
        }
    }

    /** A login step that came later, after an auth_query lookup or an LDAP check; dropped once the client left. */
    private void continueLogin(AuthStep step) {
        if (client.readsLogin()) {
            onLoginStep(step);
        } else if (step instanceof AuthStep.Challenge challenge) {
            challenge.message().release();
        }
    }

    private void onLoginStep(AuthStep step) {
        if (step instanceof AuthStep.Challenge challenge) {
            channel.writeAndFlush(challenge.message());
        } else if (step instanceof AuthStep.Refused refused) {
            pooler.events().loginRefused(refused.message());
            client.closeWithError(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, refused.message()));
        } else if (step instanceof AuthStep.Accepted accepted) {
            if (accepted.lastMessage() != null) {
                channel.write(accepted.lastMessage());
            }
            ClientLogin done = login;
            login = null; // its secrets, SCRAM state and startup packet are not needed any more
            done.accepted(accepted).ifPresentOrElse(this::handOver, () -> {
                pooler.events().loginRefused(done.postAuthError().message());
                client.closeWithError(done.postAuthError());
            });
        }
    }

    /**
     * Logged in: the client is listed with its session, this handler gives its place to the session's handler
     * (which starts it: the welcome, or the wait for a first server), and what the client sent behind its last
     * login packet (a client may pipeline its first query behind the password) goes on to it as if just read.
     */
    private void handOver(ClientSession session) {
        ChannelHandler next;
        if (session.consoleRole() != null) {
            client.loggedIn(session, null);
            next = new ConsoleConnection(pooler, client, session);
        } else {
            ClientConnection relay = new ClientConnection(pooler, client, session);
            client.loggedIn(session, relay);
            next = relay;
        }
        ByteBuf rest = inbound.takeRest(ctx.alloc()); // released by the session handler's channelRead
        ctx.pipeline().replace(this, null, next);
        if (rest != null) {
            ctx.fireChannelRead(rest); // a replaced handler's context passes events on to its successor
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (login != null) {
            login.abandon(); // an auth_query lookup still running is not wanted any more
            login = null;
        }
        client.closed(previous -> { });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Log.debug("C-%s: client connection error: %s", client.logId(), cause.toString());
        ctx.close();
    }
}
