package io.jbouncer.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.util.function.Supplier;

/**
 * Installs one new handler per accepted connection, after tuning its socket and, for a client that must send a
 * PROXY protocol header first, the handlers that read it, when it is a TCP one.
 */
final class ChannelInitializerOf extends ChannelInitializer<Channel> {
    private final Supplier<ChannelHandler> handler;
    private final Supplier<SocketTuning> tuning;
    private final Supplier<ProxyTrust> proxyTrust;

    /** {@code tuning} and {@code proxyTrust} are null for Unix sockets, which have no TCP options or proxies. */
    ChannelInitializerOf(Supplier<ChannelHandler> handler, Supplier<SocketTuning> tuning,
                         Supplier<ProxyTrust> proxyTrust) {
        this.handler = handler;
        this.tuning = tuning;
        this.proxyTrust = proxyTrust;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (tuning != null) {
            tuning.get().applyTo(channel.config());
        }
        if (proxyTrust != null && proxyTrust.get().expectsHeaderFrom(channel.remoteAddress())) {
            channel.pipeline().addLast(new ProxyHeaderCheck(), new HAProxyMessageDecoder(), new ProxyHeaderHandler());
        }
        channel.pipeline().addLast(handler.get());
    }
}
