package io.jbouncer.bench;

import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.message.CommandComplete;
import io.jbouncer.protocol.message.DataRow;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.jbouncer.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The server-to-client forward path: {@link PacketScanner} walking one read burst of a backend result stream and
 * passing it on, which is what jbouncer does for every byte PostgreSQL sends.
 *
 * <p>The burst is the answer to {@code SELECT * FROM pgbench_accounts LIMIT 100}: RowDescription (4 columns),
 * 100 DataRows of about 115 bytes ({@code aid}, {@code bid}, {@code abalance} and an 84-character {@code filler}),
 * CommandComplete and ReadyForQuery, 11.2 KB in one pooled direct buffer as a socket read would deliver it. The
 * handler is the pooler's: it forwards every message unread except ReadyForQuery ('Z') and ParameterStatus ('S'),
 * which it inspects whole (the transaction-mode release point and the tracked parameters), and it releases each
 * forwarded slice where the proxy would write it.
 *
 * <p>One operation is one burst. The {@code bytes} counter turns the score into bytes per second; run with
 * {@code -prof gc} for {@code gc.alloc.rate.norm}, the bytes allocated per burst (the retained slices).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ForwardPathBench {

    /** Bytes scanned per second, reported by JMH next to the operation rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Throughput {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    private static final int ROWS = 100;
    private static final String FILLER = "x".repeat(84);

    private ByteBuf burst;
    private PacketScanner scanner;
    private ForwardingHandler handler;

    @Setup
    public void setUp(Blackhole blackhole) {
        burst = PooledByteBufAllocator.DEFAULT.directBuffer();
        RowDescription.encode(burst, List.of(
                new RowDescription.Column("aid", RowDescription.INT4),
                new RowDescription.Column("bid", RowDescription.INT4),
                new RowDescription.Column("abalance", RowDescription.INT4),
                new RowDescription.Column("filler", RowDescription.TEXT)));
        for (int aid = 1; aid <= ROWS; aid++) {
            List<String> row = new ArrayList<>(4);
            row.add(Integer.toString(aid));
            row.add("1");
            row.add("0");
            row.add(FILLER);
            DataRow.encode(burst, row);
        }
        CommandComplete.encode(burst, "SELECT " + ROWS);
        ReadyForQuery.encode(burst, ReadyForQuery.IDLE);
        scanner = new PacketScanner(Integer.MAX_VALUE);
        handler = new ForwardingHandler(blackhole);
    }

    @TearDown
    public void tearDown() {
        burst.release();
    }

    /** Scans the whole burst once; the stream ends on a message boundary, so nothing is left over. */
    @Benchmark
    public void scanBurst(Throughput counter) {
        burst.readerIndex(0);
        scanner.scan(burst, handler, 0L); // no callback here reads the time
        counter.bytes += burst.writerIndex();
    }

    /** The pooler's decision per message: inspect what pooling needs, stream the rest unread. */
    private static final class ForwardingHandler implements PacketScanner.Handler {
        private final Blackhole blackhole;

        ForwardingHandler(Blackhole blackhole) {
            this.blackhole = blackhole;
        }

        @Override
        public PacketScanner.Action onHeader(byte tag, int length, long now) {
            return tag == 'Z' || tag == 'S' ? PacketScanner.Action.INSPECT : PacketScanner.Action.FORWARD;
        }

        @Override
        public boolean onMessage(byte tag, ByteBuf message, long now) {
            if (tag == 'Z') {
                blackhole.consume(ReadyForQuery.statusAt(message, message.readerIndex()));
            }
            return true;
        }

        @Override
        public void forward(ByteBuf bytes) {
            blackhole.consume(bytes.readableBytes());
            bytes.release();
        }
    }
}
