package io.jbouncer.bench;

import io.jbouncer.core.prepared.ClientStatements;
import io.jbouncer.core.prepared.ServerStatements;
import io.jbouncer.core.prepared.StatementRegistry;
import io.jbouncer.core.prepared.StatementRewriter;
import io.jbouncer.core.prepared.StatementText;
import io.jbouncer.core.stats.DatabaseEvents;
import io.jbouncer.core.stats.PoolStats;
import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Close;
import io.jbouncer.protocol.message.Describe;
import io.jbouncer.protocol.message.Execute;
import io.jbouncer.protocol.message.Parse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Prepared-statement tracking in transaction mode (docs/prepared-statements.md): the client-to-server work for one
 * extended-protocol pipeline that uses a statement the server connection already has, from the client's bytes to
 * the bytes written to the server.
 *
 * <ul>
 *   <li>{@code execute}: the re-execution of a prepared statement as libpq's {@code PQexecPrepared} sends it
 *       ({@code pgbench -M prepared}): Bind {@code S_1} with one text parameter, Describe of the unnamed portal,
 *       Execute, Sync. The Bind is rewritten to {@code PGBOUNCER_<n>}; the rest streams through unread.</li>
 *   <li>{@code prepareAndExecute}: a client preparing a statement that other clients already prepared on this
 *       server connection, the way pgjdbc does once its {@code prepareThreshold} is reached, after closing its
 *       previous one: Close {@code S_1}, Parse {@code S_1}, Describe {@code S_1}, Bind {@code S_1}, Execute, Sync.
 *       The Close and the Parse send nothing (their replies will be synthesised), the Describe and the Bind are
 *       rewritten, Execute and Sync stream through.</li>
 * </ul>
 *
 * <p><b>Measured</b>, per pipeline: {@link PacketScanner} over its bytes; per message the header decision (a peek at
 * the first name bytes); for the messages naming a statement, their decoding, the client's map
 * ({@link ClientStatements}), the process-wide {@link StatementRegistry} (Parse and Close only), the server
 * connection's {@link ServerStatements} (LRU hit and the queue of expected replies), the {@link PoolStats}
 * counters, and the rewritten message encoded into a buffer of {@link ByteBufAllocator#DEFAULT} (a server channel's
 * allocator); forwarded runs as retained slices. Every buffer is released where Netty would release it after the
 * write. Each pipeline starts with {@link ServerStatements#attach}, as each transaction-mode link does; it also
 * empties the queue of expected replies, which the server's replies would otherwise drain.
 *
 * <p><b>Not measured</b>: socket reads and writes, {@code Link.beforeForward} (one CAS per request), and the
 * server-side half: matching PostgreSQL's replies against the queue and writing the synthesised ParseComplete and
 * CloseComplete. The header decisions and rewrites are {@link StatementRewriter}'s, the same code
 * {@code ClientConnection} runs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PreparedRewriteBench {

    private static final String NAME = "S_1";
    private static final String SQL = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
    private static final int INT4 = 23;
    /** ClientConnection's per-client bound for max_prepared_statements = 200 (the default). */
    private static final int MAX_CLIENT_STATEMENTS = 1000;
    private static final long MAX_CLIENT_FOOTPRINT = 32L << 20;

    private final StatementRegistry registry = StatementRegistry.shared();
    private final PoolStats stats = new PoolStats(DatabaseEvents.NONE);
    private final ServerStatements server = new ServerStatements(200, stats);
    private final PacketScanner scanner = new PacketScanner(Integer.MAX_VALUE);
    /** A client that prepared {@link #SQL} first: the server has it, and the registry keeps it while it holds it. */
    private ClientStatements regular;
    /** A client that prepares {@link #SQL} in every {@code prepareAndExecute} pipeline and closes it in the next. */
    private ClientStatements newcomer;
    private ByteBuf execution;
    private ByteBuf preparation;
    private Tracking regularTracking;
    private Tracking newcomerTracking;

    @Setup
    public void setUp(Blackhole blackhole) {
        regular = new ClientStatements(registry, MAX_CLIENT_STATEMENTS, MAX_CLIENT_FOOTPRINT);
        newcomer = new ClientStatements(registry, MAX_CLIENT_STATEMENTS, MAX_CLIENT_FOOTPRINT);
        server.attach(regular);
        ByteBuf firstParse = ByteBufAllocator.DEFAULT.buffer();
        server.parse(NAME, regular.register(NAME, new StatementText(SQL, new int[] {INT4})), firstParse);
        firstParse.release();

        execution = PooledByteBufAllocator.DEFAULT.directBuffer();
        writeBind(execution);
        new Describe(Describe.PORTAL, "").encode(execution);
        new Execute("", 0).encode(execution);
        writeSync(execution);

        preparation = PooledByteBufAllocator.DEFAULT.directBuffer();
        new Close(Describe.STATEMENT, NAME).encode(preparation);
        new Parse(NAME, SQL, new int[] {INT4}).encode(preparation);
        new Describe(Describe.STATEMENT, NAME).encode(preparation);
        writeBind(preparation);
        new Execute("", 0).encode(preparation);
        writeSync(preparation);

        regularTracking = new Tracking(regular, server, stats, blackhole);
        newcomerTracking = new Tracking(newcomer, server, stats, blackhole);
    }

    @TearDown
    public void tearDown() {
        execution.release();
        preparation.release();
        newcomer.closeAll();
        regular.closeAll();
    }

    @Benchmark
    public void execute() {
        track(regularTracking, execution);
    }

    @Benchmark
    public void prepareAndExecute() {
        track(newcomerTracking, preparation);
    }

    private void track(Tracking tracking, ByteBuf pipeline) {
        server.attach(tracking.client);
        pipeline.readerIndex(0);
        tracking.inbound = pipeline;
        scanner.scan(pipeline, tracking, 0L); // no callback here reads the time
    }

    /** libpq's Bind of {@link #NAME}: unnamed portal, no parameter format codes, one text value, text results. */
    private static void writeBind(ByteBuf out) {
        byte[] aid = "12345".getBytes(StandardCharsets.US_ASCII);
        int len = PgBuf.beginMessage(out, 'B');
        PgBuf.writeCString(out, "");
        PgBuf.writeCString(out, NAME);
        out.writeShort(0);
        out.writeShort(1);
        out.writeInt(aid.length).writeBytes(aid);
        out.writeShort(1).writeShort(Bind.TEXT_FORMAT);
        PgBuf.endMessage(out, len);
    }

    private static void writeSync(ByteBuf out) {
        out.writeByte('S').writeInt(4);
    }

    /**
     * A linked client's scanner handler reduced to prepared-statement tracking: {@link StatementRewriter} decides and
     * rewrites, as in {@code ClientConnection}; what would go to the server is consumed and released instead.
     */
    private static final class Tracking implements PacketScanner.Handler {
        private final ClientStatements client;
        private final ServerStatements tracked;
        private final PoolStats stats;
        private final Blackhole blackhole;
        private ByteBuf inbound;

        Tracking(ClientStatements client, ServerStatements tracked, PoolStats stats, Blackhole blackhole) {
            this.client = client;
            this.tracked = tracked;
            this.stats = stats;
            this.blackhole = blackhole;
        }

        @Override
        public PacketScanner.Action onHeader(byte tag, int length, long now) {
            return StatementRewriter.classify(tracked, tag, inbound);
        }

        @Override
        public boolean onMessage(byte tag, ByteBuf message, long now) {
            ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
            boolean unchanged = StatementRewriter.rewrite(client, tracked, stats, tag, PgBuf.body(message), out);
            blackhole.consume(out.readableBytes());
            out.release();
            return unchanged;
        }

        @Override
        public void forward(ByteBuf bytes) {
            blackhole.consume(bytes.readableBytes());
            bytes.release();
        }
    }
}
