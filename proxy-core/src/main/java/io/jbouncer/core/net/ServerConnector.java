package io.jbouncer.core.net;

import io.jbouncer.core.Log;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.ServerLauncher;
import io.jbouncer.core.pool.ServerWaiter;
import io.jbouncer.core.server.ListenerConnection;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.stats.PoolerEvents;
import io.jbouncer.core.tls.ServerTls;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.CancelRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Opens connections to PostgreSQL: pooled server connections, and the one-shot connections that carry a
 * CancelRequest. A new server connection is registered on the event loop of the client that needed it, so that
 * pair runs without cross-thread hops.
 */
public final class ServerConnector implements ServerLauncher {
    private final Transport transport;
    private final EventLoopGroup group;
    private final int maxPacketSize;
    private final WriteBufferWaterMark waterMark;
    /** {@code server_tls_*} for new connections; replaced on reload. */
    private volatile ServerTls tls = ServerTls.DISABLED;

    private final Supplier<SocketTuning> tuning;
    private final PoolerEvents events;
    private final DnsCache dns;

    /**
     * @param tuning the TCP settings in force, read for each new server connection
     * @param events told how each TLS handshake with PostgreSQL ended
     * @param dns    resolves host names of servers and peers ({@code dns_max_ttl})
     */
    public ServerConnector(Transport transport, EventLoopGroup group, int maxPacketSize,
                           WriteBufferWaterMark waterMark, Supplier<SocketTuning> tuning, PoolerEvents events,
                           DnsCache dns) {
        this.transport = transport;
        this.group = group;
        this.maxPacketSize = maxPacketSize;
        this.waterMark = waterMark;
        this.tuning = tuning;
        this.events = events;
        this.dns = dns;
    }

    /** The transport new server connections use. */
    public Transport transport() {
        return transport;
    }

    /** TLS settings for the server connections opened from now on. */
    public void useTls(ServerTls serverTls) {
        tls = serverTls;
    }

    @Override
    public void launch(Pool pool, EventExecutor loop) {
        SocketAddress address = pool.nextAddress();
        open(pool, loop, address, new ServerConnection(pool, address, pool.credentials(),
                pool.target().startupParameters(), maxPacketSize));
    }

    @Override
    public void launchDedicated(Pool pool, ServerWaiter waiter, ReplicationMode replication,
            Map<String, String> startupParameters) {
        SocketAddress address = pool.nextAddress();
        open(pool, waiter.executor(), address, new ServerConnection(pool, address, pool.credentials(),
                startupParameters, maxPacketSize, waiter, replication));
    }

    private void open(Pool pool, EventExecutor loop, SocketAddress address, ServerConnection server) {
        Duration timeout = pool.settings().serverConnectTimeout();
        pool.track(server);
        if (address instanceof DomainSocketAddress && !transport.domainSockets()) {
            server.connectFailed("unix sockets are not available with the " + transport.name() + " transport");
            return;
        }
        EventLoop eventLoop = loop != null ? (EventLoop) loop : group.next();
        // the login handler goes in and puts the server connection behind itself
        open(eventLoop, address, timeout, server.loginHandler(), server::failLogin)
                .addListener((FutureListener<Channel>) future -> {
                    if (!future.isSuccess()) {
                        Log.warning("%s: connect failed: %s", pool.key(), future.cause().getMessage());
                        server.connectFailed(future.cause() instanceof ConnectTimeoutException
                                ? "connect timeout" : "connect failed");
                        return;
                    }
                    server.connected();
                    if (timeout.toMillis() > 0) {
                        future.getNow().eventLoop().schedule(() -> {
                            if (server.loggingIn()) {
                                server.loginTimedOut();
                            }
                        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                    }
                });
    }

    @Override
    public void launchListener(Pool pool, ListenerConnection listener) {
        Duration timeout = pool.settings().serverConnectTimeout();
        if (listener.address() instanceof DomainSocketAddress && !transport.domainSockets()) {
            listener.failed("unix sockets are not available with the " + transport.name() + " transport");
            return;
        }
        open(group.next(), listener.address(), timeout, listener, listener::failed)
                .addListener((FutureListener<Channel>) future -> {
                    if (!future.isSuccess()) {
                        listener.failed("connect failed: " + future.cause().getMessage());
                    } else if (timeout.toMillis() > 0) {
                        Channel channel = future.getNow();
                        channel.eventLoop().schedule(() -> {
                            // still logging in; a connection lost meanwhile was reported lost when it closed
                            if (channel.isActive() && !listener.isReady()) {
                                listener.failed("connect timeout");
                            }
                        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                    }
                });
    }

    /**
     * Connects {@code handler} to PostgreSQL at {@code address}, behind the {@code server_tls_*} negotiation where
     * it applies ({@code tlsFailed} is told why a negotiation failed).
     */
    private Future<Channel> open(EventLoop eventLoop, SocketAddress address, Duration timeout, ChannelHandler handler,
                                 Consumer<String> tlsFailed) {
        ServerTls serverTls = tls;
        return connect(bootstrap(eventLoop, address)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(serverTls.appliesTo(address) ? new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        // the name as configured: certificate checks (verify-full) match against it
                        channel.pipeline().addLast(serverTls.negotiation((InetSocketAddress) address,
                                tlsFailed, ok -> events.tlsHandshake(PoolerEvents.TlsSide.SERVER, ok)), handler);
                    }
                } : handler), eventLoop, address);
    }

    /**
     * Connects {@code bootstrap} to {@code address}, a host name resolved through the DNS cache first; the lookup
     * never runs on the event loop. The future fails with the lookup's {@link java.net.UnknownHostException} for a
     * name that does not resolve.
     */
    private Future<Channel> connect(Bootstrap bootstrap, EventLoop eventLoop, SocketAddress address) {
        Promise<Channel> connected = eventLoop.newPromise();
        if (!(address instanceof InetSocketAddress inet) || !inet.isUnresolved()) {
            relay(bootstrap.connect(address), connected);
            return connected;
        }
        dns.resolve(inet.getHostString()).whenComplete((ip, failure) -> eventLoop.execute(() -> {
            if (failure != null) {
                connected.setFailure(failure instanceof CompletionException ? failure.getCause() : failure);
            } else {
                relay(bootstrap.connect(new InetSocketAddress(ip, inet.getPort())), connected);
            }
        }));
        return connected;
    }

    private static void relay(ChannelFuture connect, Promise<Channel> connected) {
        connect.addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                connected.setSuccess(done.channel());
            } else {
                connected.setFailure(done.cause());
            }
        });
    }

    @Override
    public void schedule(Runnable task, Duration delay) {
        group.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Sends a CancelRequest quoting {@code serverKey} on a new connection to {@code address} and waits for PostgreSQL
     * to close it: the postmaster signals the backend before it closes the connection, so once it is closed the
     * cancel can no longer reach a later query. PostgreSQL answers nothing; the running query fails with 57014 on
     * its own connection. {@code done} runs exactly once when the connection is over: closed, failed to connect,
     * or cut after {@code waitLimit} ({@code cancel_wait_timeout}; zero waits for PostgreSQL alone). {@code written}
     * runs before it, once the request has been written (a peer's SHOW PEER_POOLS tells sent from connecting).
     * The key may be a 3.0 key or a 3.2 long key; a jbouncer or PgBouncer peer takes a forwarded request the same way.
     */
    public void sendCancel(SocketAddress address, BackendKeyData serverKey, Duration waitLimit, Runnable written,
                           Runnable done) {
        EventLoop loop = group.next();
        connect(bootstrap(loop, address)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ByteBuf request = ctx.alloc().buffer(8 + serverKey.length());
                        CancelRequest.encode(request, serverKey);
                        ctx.writeAndFlush(request).addListener(sent -> written.run());
                    }
                }), loop, address)
                .addListener((FutureListener<Channel>) future -> {
                    if (!future.isSuccess()) {
                        Log.warning("cancel request to %s failed: %s", address, future.cause().getMessage());
                        done.run();
                        return;
                    }
                    Channel channel = future.getNow();
                    ScheduledFuture<?> limit = waitLimit.isZero() ? null : channel.eventLoop().schedule(() -> {
                        Log.warning("cancel request to %s not finished after cancel_wait_timeout, closing it",
                                address);
                        channel.close();
                    }, waitLimit.toMillis(), TimeUnit.MILLISECONDS);
                    channel.closeFuture().addListener(closed -> {
                        if (limit != null) {
                            limit.cancel(false);
                        }
                        done.run();
                    });
                });
    }

    private Bootstrap bootstrap(EventLoop loop, SocketAddress address) {
        boolean unix = address instanceof DomainSocketAddress;
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(unix ? transport.domainChannel() : transport.socketChannel())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.RCVBUF_ALLOCATOR, ReceiveSizes.SHARED);
        if (!unix) {
            tuning.get().applyTo(bootstrap.option(ChannelOption.TCP_NODELAY, true));
        }
        return bootstrap;
    }
}
