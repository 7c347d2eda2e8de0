package io.jbouncer.core.net;

import io.jbouncer.core.Log;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.IoTransport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.function.Supplier;

/**
 * The Netty transport, chosen once at start by {@code io_transport}: native epoll, native io_uring (both give us
 * Unix domain sockets and the Linux TCP options) or the JDK's NIO (neither). {@code auto} takes epoll, which
 * measured at least as cheap per transaction as io_uring (docs/settings.md), else NIO, and says so in one line.
 *
 * @param linuxOptions the transport's Linux socket options; null for NIO, which has none
 */
public record Transport(
        String name,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends Channel> socketChannel,
        Class<? extends ServerChannel> serverDomainChannel,
        Class<? extends Channel> domainChannel,
        Supplier<IoHandlerFactory> ioHandler,
        LinuxSocketOptions linuxOptions) {

    static final Transport EPOLL = new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class,
            EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class, EpollIoHandler::newFactory,
            LinuxSocketOptions.EPOLL);
    static final Transport IO_URING = new Transport("io_uring", IoUringServerSocketChannel.class,
            IoUringSocketChannel.class, IoUringServerDomainSocketChannel.class, IoUringDomainSocketChannel.class,
            IoUringIoHandler::newFactory, LinuxSocketOptions.IO_URING);
    static final Transport NIO = new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class, null,
            null, NioIoHandler::newFactory, null);

    /**
     * The transport {@code config}'s {@code io_transport} asks for.
     *
     * @throws ConfigException when it names a transport that cannot load on this machine (with Netty's reason)
     */
    public static Transport select(Config config) throws ConfigException {
        IoTransport choice = config.ioTransport();
        switch (choice) {
            case EPOLL:
                return require(choice, Epoll.unavailabilityCause(), EPOLL, config);
            case IO_URING:
                return require(choice, IoUring.unavailabilityCause(), IO_URING, config);
            case NIO:
                return NIO;
            default:
                if (Epoll.isAvailable()) {
                    return EPOLL;
                }
                Log.warning("io_transport = auto: the native epoll transport is not available (%s), using nio",
                        reason(Epoll.unavailabilityCause()));
                return NIO;
        }
    }

    /** The best transport this machine offers ({@code io_transport = auto}): for tests and tools without a config. */
    public static Transport detect() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    private static Transport require(IoTransport choice, Throwable unavailable, Transport transport, Config config)
            throws ConfigException {
        if (unavailable != null) {
            throw new ConfigException(config.file().toString(), 0, "io_transport", "io_transport = "
                    + choice.configName() + " cannot be used on this machine: " + reason(unavailable));
        }
        return transport;
    }

    private static String reason(Throwable unavailable) {
        return unavailable.getMessage() != null ? unavailable.getMessage() : unavailable.toString();
    }

    /** Whether it serves Unix domain sockets (the native transports do). */
    public boolean domainSockets() {
        return serverDomainChannel != null;
    }

    /**
     * A group of {@code threads} event loops named {@code name-N-M}, so that a thread dump, {@code top -H} and /proc
     * tell them from the JVM's own threads (benchmarks/e2e/cpu-split.sh splits CPU time by it).
     */
    public EventLoopGroup newGroup(String name, int threads) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name), ioHandler.get());
    }
}
