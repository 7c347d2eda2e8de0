package io.jbouncer.bench;

import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.server.ClientPeer;
import io.jbouncer.core.server.Link;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.server.ServerCredentials;
import io.jbouncer.core.state.ServerState;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.CommandComplete;
import io.jbouncer.protocol.message.DataRow;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.jbouncer.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server side of one transaction-mode transaction of {@code pgbench -S}: the pool hands an idle server to a
 * client, the server's reply to {@code SELECT abalance FROM pgbench_accounts WHERE aid = ...} arrives in one read
 * (RowDescription, DataRow, CommandComplete, ReadyForQuery), {@link ServerConnection} relays it to the client's
 * channel and releases itself back to the pool at the ReadyForQuery.
 *
 * <p><b>Set-up.</b> One transaction-mode {@link Pool} with one real {@link ServerConnection}, logged in through its
 * own handler (AuthenticationOk, BackendKeyData, ReadyForQuery) on a Netty {@link EmbeddedChannel}; the client is a
 * {@link ClientPeer} with an {@code EmbeddedChannel} of its own. Both channels share one event loop, as a
 * loop-affine pair does. Leak detection is off, as in production, so its sampling does not blur the count.
 *
 * <p><b>Measured</b> (one operation = one transaction): {@link Pool#acquire} and {@link ServerConnection#assign}
 * (the link), the client's accounting of its Query ({@link Link#beforeForward}), the read of the reply (copied into
 * a pooled buffer, as a socket read delivers it), the scan, the writes and flushes to the client channel, the
 * release and {@link Pool#checkin}. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated
 * per transaction on the server side of the data path. {@code clientWrites} counts the buffers written to the client
 * (with {@code transactions}, per iteration): each is one more iovec for the client socket's {@code writev}.
 *
 * <p><b>Not measured.</b> The client side (its scan of the Query, the write to the server), the socket system
 * calls (an {@code EmbeddedChannel} queues what is written), cross-loop hand-offs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class ServerRelayBench {

    private final EmbeddedChannel serverChannel = new EmbeddedChannel();
    private final EmbeddedChannel clientChannel = new EmbeddedChannel();
    private final Client client = new Client();
    private Pool pool;
    private ServerConnection server;
    private ByteBuf reply;

    @Setup
    public void setUp() {
        pool = BenchPools.transactionPool(20);
        client.runOn(serverChannel.eventLoop());
        pool.acquire(client, System.nanoTime()); // queued: the pool wants a login, supplied below
        server = new ServerConnection(pool, pool.nextAddress(), new ServerCredentials("bench", null, null),
                Map.of("user", "bench", "database", "bench"), 1 << 20);
        serverChannel.pipeline().addLast(server.loginHandler());
        pool.track(server);
        serverChannel.pipeline().fireChannelActive();
        ByteBuf login = Unpooled.buffer();
        login.writeByte('R').writeInt(8).writeInt(0); // AuthenticationOk
        new BackendKeyData(42, 4242).encode(login);
        ReadyForQuery.encode(login, ReadyForQuery.IDLE);
        read(login);
        if (server.state() != ServerState.SV_ACTIVE && server.state() != ServerState.SV_IDLE) {
            throw new IllegalStateException("server did not log in: " + server.state());
        }
        // the client that caused the login got it first; the pool holds it now
        pool.checkin(client.take(), System.nanoTime());
        releaseAll(serverChannel);
        reply = Unpooled.buffer();
        RowDescription.encode(reply, List.of(new RowDescription.Column("abalance", RowDescription.INT4)));
        DataRow.encode(reply, List.of("0"));
        CommandComplete.encode(reply, "SELECT 1");
        ReadyForQuery.encode(reply, ReadyForQuery.IDLE);
    }

    @TearDown
    public void tearDown() {
        reply.release();
        serverChannel.finishAndReleaseAll();
        clientChannel.finishAndReleaseAll();
    }

    /** Transactions and the buffers written to the client for them, per iteration. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Writes {
        public long transactions;
        public long clientWrites;

        @Setup(Level.Iteration)
        public void reset() {
            transactions = 0;
            clientWrites = 0;
        }
    }

    /** One select-only transaction, server side: hand-out, reply relayed, release. */
    @Benchmark
    public int transaction(Writes writes) {
        long now = System.nanoTime(); // the client read's one clock read
        pool.acquire(client, now);
        Link link = client.take().assign(client, now);
        if (link == null || !link.beforeForward((byte) 'Q', now)) {
            throw new IllegalStateException("server not linked");
        }
        read(PooledByteBufAllocator.DEFAULT.directBuffer(reply.readableBytes()).writeBytes(reply, 0,
                reply.readableBytes()));
        if (!link.isReleased()) {
            throw new IllegalStateException("server not released at ReadyForQuery");
        }
        writes.transactions++;
        writes.clientWrites += clientChannel.outboundMessages().size();
        return releaseAll(clientChannel);
    }

    /** Delivers {@code bytes} to the server's handler as one socket read and its read-complete. */
    private void read(ByteBuf bytes) {
        ChannelPipeline pipeline = serverChannel.pipeline();
        pipeline.fireChannelRead(bytes);
        pipeline.fireChannelReadComplete();
    }

    /** Releases what was written to {@code channel}; returns how many bytes that was. */
    private static int releaseAll(EmbeddedChannel channel) {
        int bytes = 0;
        for (Object written; (written = channel.outboundMessages().poll()) != null; ) {
            bytes += ((ByteBuf) written).readableBytes();
            ReferenceCountUtil.release(written);
        }
        return bytes;
    }

    /** The client: takes the server the pool hands it, and is the server's peer once linked. */
    private final class Client extends BenchClient implements ClientPeer {
        @Override
        public Channel channel() {
            return clientChannel;
        }

        @Override
        public void serverFailed(ErrorResponse error) {
            throw new IllegalStateException("server failed: " + error.message());
        }

        @Override
        public void parameterChanged(String name, String value) {
        }
    }
}
