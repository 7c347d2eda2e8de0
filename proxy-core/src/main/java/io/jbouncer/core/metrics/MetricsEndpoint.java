package io.jbouncer.core.metrics;

import io.jbouncer.core.net.Transport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP listener of the metrics endpoint, on the pooler's own event loops. A slow, idle or
 * malicious HTTP client costs at most one of {@value #MAX_CONNECTIONS} small connections for at most
 * {@value #READ_TIMEOUT_SECONDS} seconds without a byte: request lines, headers and bodies are bounded, and pooled
 * connections never wait on it.
 */
final class MetricsEndpoint {
    static final int MAX_CONNECTIONS = 32;
    static final int READ_TIMEOUT_SECONDS = 10;
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADERS = 8192;
    /** GET has no body; a little room for clients that send one anyway. */
    private static final int MAX_BODY = 1024;

    private final Channel channel;

    private MetricsEndpoint(Channel channel) {
        this.channel = channel;
    }

    static MetricsEndpoint bind(Transport transport, EventLoopGroup workers, String addr, int port,
            PrometheusMeterRegistry registry, Supplier<String> unhealthy) throws IOException {
        MetricsHandler handler = new MetricsHandler(registry, unhealthy);
        ConnectionLimit limit = new ConnectionLimit();
        ServerBootstrap bootstrap = new ServerBootstrap().group(workers).channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(limit,
                                new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_BODY),
                                new HttpObjectAggregator(MAX_BODY),
                                handler);
                    }
                });
        try {
            // "*" means every address, as in listen_addr.
            InetSocketAddress bindTo = "*".equals(addr)
                    ? new InetSocketAddress(port) : new InetSocketAddress(addr, port);
            return new MetricsEndpoint(bootstrap.bind(bindTo).sync().channel());
        } catch (Exception e) {
            throw new IOException("could not bind metrics endpoint " + addr + ":" + port + ": " + e.getMessage(), e);
        }
    }

    void close() {
        channel.close().syncUninterruptibly();
    }

    /** Closes connections beyond {@link #MAX_CONNECTIONS} as soon as they are accepted. */
    @ChannelHandler.Sharable
    private static final class ConnectionLimit extends ChannelInboundHandlerAdapter {
        private final AtomicInteger open = new AtomicInteger();

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                ctx.close();
                return;
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            open.decrementAndGet();
            super.channelInactive(ctx);
        }
    }
}
