package io.jbouncer.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.util.function.Supplier;

/** Installs one new handler per accepted connection, after tuning its socket when it is a TCP one. */
final class ChannelInitializerOf extends ChannelInitializer<Channel> {
    private final Supplier<ChannelHandler> handler;
    private final Supplier<SocketTuning> tuning;

    /** {@code tuning} is null for Unix sockets, which have no TCP options. */
    ChannelInitializerOf(Supplier<ChannelHandler> handler, Supplier<SocketTuning> tuning) {
        this.handler = handler;
        this.tuning = tuning;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (tuning != null) {
            tuning.get().applyTo(channel.config());
        }
        channel.pipeline().addLast(handler.get());
    }
}
