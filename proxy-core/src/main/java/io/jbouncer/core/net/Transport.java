package io.jbouncer.core.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The Netty transport: native epoll where available (it also gives us Unix domain sockets), else NIO with no
 * Unix sockets. Chosen once at start.
 */
public record Transport(
        String name,
        boolean domainSockets,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends Channel> socketChannel,
        Class<? extends ServerChannel> serverDomainChannel,
        Class<? extends Channel> domainChannel) {

    public static Transport detect() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", true, EpollServerSocketChannel.class, EpollSocketChannel.class,
                    EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class);
        }
        return new Transport("nio", false, NioServerSocketChannel.class, NioSocketChannel.class, null, null);
    }

    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads,
                domainSockets ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
}
