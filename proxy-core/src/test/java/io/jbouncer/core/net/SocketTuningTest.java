package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TCP settings reach the kernel: real epoll sockets on loopback, tuned the way the listener (accepted clients)
 * and the server connector (bootstrap) tune them, then read back with getsockopt.
 */
class SocketTuningTest {

    private static final SocketTuning TUNED = new SocketTuning(true, 4, 77, 13, 9000, 65536);
    private static final Transport TRANSPORT = Transport.detect();
    private static EventLoopGroup group;

    @BeforeAll
    static void loop() {
        assertTrue(Epoll.isAvailable(), "the tests run on Linux, where the native epoll transport must load");
        group = TRANSPORT.newGroup(1);
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void acceptedAndConnectedSocketsCarryEverySetting() throws Exception {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Channel listening = new ServerBootstrap().group(group).channel(TRANSPORT.serverChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel child) {
                        TUNED.applyTo(child.config());
                        accepted.complete(child);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            Channel connected = TUNED.applyTo(new Bootstrap().group(group).channel(TRANSPORT.socketChannel())
                            .handler(new ChannelInboundHandlerAdapter()))
                    .connect(listening.localAddress()).sync().channel();
            try {
                assertTuned(connected);
                assertTuned(accepted.get(5, TimeUnit.SECONDS));
            } finally {
                connected.close().sync();
            }
        } finally {
            listening.close().sync();
        }
    }

    @Test
    void zeroLeavesTheOperatingSystemDefaults() {
        SocketTuning defaults = new SocketTuning(true, 0, 0, 0, 0, 0);

        assertEquals(Map.of(ChannelOption.SO_KEEPALIVE, true), defaults.options());
    }

    private static void assertTuned(Channel channel) {
        assertEquals(true, channel.config().getOption(ChannelOption.SO_KEEPALIVE));
        assertEquals(4, channel.config().getOption(EpollChannelOption.TCP_KEEPCNT));
        assertEquals(77, channel.config().getOption(EpollChannelOption.TCP_KEEPIDLE));
        assertEquals(13, channel.config().getOption(EpollChannelOption.TCP_KEEPINTVL));
        assertEquals(9000, channel.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT));
        // Linux doubles the requested size for its own bookkeeping.
        assertTrue(channel.config().getOption(ChannelOption.SO_RCVBUF) >= 65536,
                () -> "SO_RCVBUF " + channel.config().getOption(ChannelOption.SO_RCVBUF));
    }
}
