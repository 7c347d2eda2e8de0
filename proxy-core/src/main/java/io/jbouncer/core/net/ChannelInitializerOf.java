package io.jbouncer.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.util.function.Supplier;

/** Installs one new handler per accepted connection. */
final class ChannelInitializerOf extends ChannelInitializer<Channel> {
    private final Supplier<ChannelHandler> handler;

    ChannelInitializerOf(Supplier<ChannelHandler> handler) {
        this.handler = handler;
    }

    @Override
    protected void initChannel(Channel channel) {
        channel.pipeline().addLast(handler.get());
    }
}
