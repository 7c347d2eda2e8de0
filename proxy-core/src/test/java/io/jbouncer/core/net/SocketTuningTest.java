package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TCP settings reach the kernel: real sockets of each native transport (epoll, and io_uring where the kernel
 * allows it) on loopback, tuned the way the listener (accepted clients) and the server connector (bootstrap) tune
 * them, then read back with getsockopt through the transport's own option constants.
 */
class SocketTuningTest {

    private static final Transport TRANSPORT = Transport.detect();

    @BeforeAll
    static void linux() {
        assertTrue(Epoll.isAvailable(), "the tests run on Linux, where the native epoll transport must load");
    }

    static Stream<Transport> nativeTransports() {
        return Stream.of(Transport.EPOLL, Transport.IO_URING);
    }

    @ParameterizedTest
    @MethodSource("nativeTransports")
    void acceptedAndConnectedSocketsCarryEverySetting(Transport transport) throws Exception {
        assumeTrue(transport != Transport.IO_URING || IoUring.isAvailable(),
                () -> "the kernel refuses io_uring here: " + IoUring.unavailabilityCause());
        SocketTuning tuned = new SocketTuning(true, 4, 77, 13, 9000, 65536, transport.linuxOptions());
        EventLoopGroup group = transport.newGroup("test-loop", 1);
        try {
            acceptAndConnect(transport, group, tuned);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void acceptAndConnect(Transport transport, EventLoopGroup group, SocketTuning tuned)
            throws Exception {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Channel listening = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel child) {
                        tuned.applyTo(child.config());
                        accepted.complete(child);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            Channel connected = tuned.applyTo(new Bootstrap().group(group).channel(transport.socketChannel())
                            .handler(new ChannelInboundHandlerAdapter()))
                    .connect(listening.localAddress()).sync().channel();
            try {
                assertTuned(connected, transport.linuxOptions());
                assertTuned(accepted.get(5, TimeUnit.SECONDS), transport.linuxOptions());
            } finally {
                connected.close().sync();
            }
        } finally {
            listening.close().sync();
        }
    }

    @Test
    void zeroLeavesTheOperatingSystemDefaults() {
        SocketTuning defaults = new SocketTuning(true, 0, 0, 0, 0, 0, TRANSPORT.linuxOptions());

        assertEquals(Map.of(ChannelOption.SO_KEEPALIVE, true), defaults.options());
    }

    private static void assertTuned(Channel channel, LinuxSocketOptions linux) {
        assertEquals(true, channel.config().getOption(ChannelOption.SO_KEEPALIVE));
        assertEquals(4, channel.config().getOption(linux.keepcnt()));
        assertEquals(77, channel.config().getOption(linux.keepidle()));
        assertEquals(13, channel.config().getOption(linux.keepintvl()));
        assertEquals(9000, channel.config().getOption(linux.userTimeout()));
        // Linux doubles the requested size for its own bookkeeping.
        assertTrue(channel.config().getOption(ChannelOption.SO_RCVBUF) >= 65536,
                () -> "SO_RCVBUF " + channel.config().getOption(ChannelOption.SO_RCVBUF));
    }
}
