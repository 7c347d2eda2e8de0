package io.jbouncer.bench;

import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.server.ServerConnection;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pool's hand-out rule under many event loops: how often a client gets an idle server on its own loop, and
 * what an acquire and check-in cost when the idle servers of many loops are interleaved.
 *
 * <p><b>Set-up.</b> One transaction-mode pool with PgBouncer's default LIFO reuse and {@code 4 x loops} logged-in
 * servers spread evenly over {@code loops} event loops (embedded loops, which run every task on the calling thread,
 * so hand-offs complete synchronously as in {@link PoolAcquireBench}; nothing is sent), and {@code 2 x loops} clients, two per loop, as pgbench's clients land on a pooler's loops.
 * Each operation is one transaction of a client picked at random (fixed seed): {@link Pool#acquire} of an idle
 * server, and {@link Pool#checkin} of the server taken {@code loops} operations earlier, so {@code loops} servers
 * are always busy and the LIFO idle list holds the others in the interleaved order a running pooler leaves them in.
 * There is always an idle server on the client's own loop (four per loop, at most two taken by its clients).
 *
 * <p><b>Reported</b> besides the time per operation: {@code crossLoop}, the hand-outs of a server on another loop
 * than its client's, and {@code handOuts}, all hand-outs, per iteration. On a running pooler each cross-loop
 * hand-off costs a task and often an event-loop wake-up for every message of that transaction, each way.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PoolAffinityBench {

    @Param({"2", "16"})
    int loops;

    private EventLoop[] eventLoops;
    private Pool pool;
    private Client[] clients;
    /** The clients inside a transaction, oldest first. */
    private final ArrayDeque<Client> busy = new ArrayDeque<>();
    private final Random random = new Random(42);

    /** Hand-outs per iteration, and those of a server on another loop than its client's. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class HandOuts {
        public long handOuts;
        public long crossLoop;

        @Setup(Level.Iteration)
        public void reset() {
            handOuts = 0;
            crossLoop = 0;
        }
    }

    @Setup
    public void setUp() {
        eventLoops = new EventLoop[loops];
        for (int i = 0; i < loops; i++) {
            eventLoops[i] = new EmbeddedChannel().eventLoop();
        }
        pool = BenchPools.transactionPool(0); // unlimited: the set-up logs in as many servers as it likes
        int servers = 4 * loops;
        ArrayDeque<ServerConnection> loggedIn = new ArrayDeque<>();
        for (int i = 0; i < servers; i++) {
            EmbeddedChannel channel = EmbeddedChannel.builder().register(false).build();
            eventLoops[i % loops].register(channel).syncUninterruptibly(); // shares that loop with its servers
            loggedIn.add(BenchPools.logIn(pool, channel, new Client(eventLoops[i % loops])));
        }
        loggedIn.forEach(server -> pool.checkin(server, System.nanoTime()));
        clients = new Client[2 * loops];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Client(eventLoops[i % loops]);
        }
    }

    @Benchmark
    public ServerConnection transaction(HandOuts counted) {
        Client client = clients[random.nextInt(clients.length)];
        if (client.held != null) {
            return null; // this client is inside a transaction already
        }
        pool.acquire(client, System.nanoTime());
        ServerConnection server = client.take();
        client.held = server;
        counted.handOuts++;
        if (server.executor() != client.executor()) {
            counted.crossLoop++;
        }
        busy.add(client);
        if (busy.size() > loops) {
            Client done = busy.poll();
            pool.checkin(done.held, System.nanoTime());
            done.held = null;
        }
        return server;
    }

    /** One client on one event loop, and the server it holds while inside a transaction. */
    private static final class Client extends BenchClient {
        ServerConnection held;

        Client(EventExecutor loop) {
            runOn(loop);
        }
    }
}
