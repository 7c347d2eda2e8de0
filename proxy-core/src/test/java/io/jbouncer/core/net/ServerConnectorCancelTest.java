package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.stats.PoolerEvents;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.CancelRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cancel connection's end is what releases a server held in BEING_CANCELED: it ends when the other side closes
 * it after reading the CancelRequest (as PostgreSQL's postmaster does), or when {@code cancel_wait_timeout} cuts it.
 * The peer here is a plain socket, since these are the connector's own mechanics; CancelBurstIT proves the behaviour
 * against PostgreSQL.
 */
class ServerConnectorCancelTest {

    private static final BackendKeyData KEY = new BackendKeyData(4242, 0x5eed);
    private static EventLoopGroup group;
    private static ServerConnector connector;

    @BeforeAll
    static void start() {
        Transport transport = Transport.detect();
        group = transport.newGroup("test-loop", 1);
        connector = new ServerConnector(transport, group, 1 << 20, WriteBufferWaterMark.DEFAULT,
                () -> new SocketTuning(true, 0, 0, 0, 0, 0, transport.linuxOptions()), PoolerEvents.NONE,
                DnsCache.system(() -> Duration.ofSeconds(15), () -> Duration.ofSeconds(15)));
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void doneRunsWhenThePeerClosesAfterReadingTheRequest() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CountDownLatch done = new CountDownLatch(1);
            CountDownLatch written = new CountDownLatch(1);
            connector.sendCancel(peer.getLocalSocketAddress(), KEY, Duration.ofSeconds(30), written::countDown,
                    done::countDown);
            try (Socket accepted = peer.accept()) {
                DataInputStream in = new DataInputStream(accepted.getInputStream());
                assertEquals(CancelRequest.PACKET_LENGTH, in.readInt());
                in.readInt(); // the cancel request code
                assertEquals(4242, in.readInt());
                assertEquals(0x5eed, in.readInt());
                assertTrue(written.await(5, TimeUnit.SECONDS), "written did not run once the request was read");
                assertFalse(done.await(200, TimeUnit.MILLISECONDS), "done before the peer closed");
            }
            assertTrue(done.await(5, TimeUnit.SECONDS), "done did not run after the peer closed");
        }
    }

    /** A protocol 3.2 server key (PostgreSQL 18: 32-byte secret) is quoted whole: a 44-byte request. */
    @Test
    void longKeyIsSentWhole() throws Exception {
        byte[] wire = new byte[36];
        Arrays.fill(wire, (byte) 0x5a);
        BackendKeyData longKey = BackendKeyData.of(wire);
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CountDownLatch done = new CountDownLatch(1);
            connector.sendCancel(peer.getLocalSocketAddress(), longKey, Duration.ofSeconds(30), () -> { },
                    done::countDown);
            try (Socket accepted = peer.accept()) {
                DataInputStream in = new DataInputStream(accepted.getInputStream());
                assertEquals(44, in.readInt());
                assertEquals(CancelRequest.CODE, in.readInt());
                byte[] quoted = new byte[36];
                in.readFully(quoted);
                assertArrayEquals(wire, quoted);
            }
            assertTrue(done.await(5, TimeUnit.SECONDS), "done did not run after the peer closed");
        }
    }

    @Test
    void cancelWaitTimeoutCutsAConnectionThePeerNeverCloses() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CountDownLatch done = new CountDownLatch(1);
            long start = System.nanoTime();
            connector.sendCancel(peer.getLocalSocketAddress(), KEY, Duration.ofMillis(300), () -> { },
                    done::countDown);
            try (Socket accepted = peer.accept()) {
                assertTrue(done.await(5, TimeUnit.SECONDS), "cancel_wait_timeout did not end the cancel");
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300));
                accepted.setSoTimeout(5000);
                assertEquals(CancelRequest.PACKET_LENGTH, accepted.getInputStream().readNBytes(64).length,
                        "the request, then end of stream: the cut connection is closed");
            }
        }
    }

    @Test
    void doneRunsWhenNothingListens() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        CountDownLatch done = new CountDownLatch(1);
        connector.sendCancel(new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort), KEY,
                Duration.ofSeconds(30), () -> { }, done::countDown);

        assertTrue(done.await(5, TimeUnit.SECONDS), "a failed connect must still release the server");
    }
}
