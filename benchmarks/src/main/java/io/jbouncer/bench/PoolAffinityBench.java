package io.jbouncer.bench;

import io.jbouncer.core.config.PoolMode;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.core.pool.ConnectionCap;
import io.jbouncer.core.pool.DatabaseState;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.PoolKey;
import io.jbouncer.core.pool.PoolSettings;
import io.jbouncer.core.pool.PoolShared;
import io.jbouncer.core.pool.PoolerState;
import io.jbouncer.core.pool.ServerLauncher;
import io.jbouncer.core.pool.ServerTarget;
import io.jbouncer.core.pool.ServerWaiter;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.server.ServerCredentials;
import io.jbouncer.core.stats.DatabaseEvents;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
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
        pool = new Pool(new PoolKey("bench", "bench"), new PoolSettings(PoolMode.TRANSACTION, 0, 0,
                Duration.ofSeconds(5), 0, "DISCARD ALL", false, false, Duration.ofHours(1), Duration.ofMinutes(10),
                Duration.ofSeconds(15), Duration.ofSeconds(15), false, Duration.ofSeconds(30), "<empty>",
                Duration.ofSeconds(120), false, false),
                ServerTarget.single(InetSocketAddress.createUnresolved("localhost", 5432), "bench", null,
                        Map.of("user", "bench", "database", "bench")),
                new SuppliedServers(),
                new PoolShared(new ConnectionCap(0), new ConnectionCap(0), new DatabaseState(), new PoolerState(),
                        DatabaseEvents.NONE));
        int servers = 4 * loops;
        ArrayDeque<ServerConnection> loggedIn = new ArrayDeque<>();
        for (int i = 0; i < servers; i++) {
            Client holder = new Client(eventLoops[i % loops]);
            pool.acquire(holder); // queued: pool_size 0 is unlimited, the login is ours to supply
            ServerConnection server = new ServerConnection(pool, pool.nextAddress(),
                    new ServerCredentials("bench", null, null), Map.of("user", "bench"), 1 << 20);
            EmbeddedChannel channel = EmbeddedChannel.builder().register(false).build();
            eventLoops[i % loops].register(channel).syncUninterruptibly(); // shares that loop with its servers
            channel.pipeline().addLast(server);
            pool.track(server);
            pool.loginSucceeded(server, Map.of());
            loggedIn.add(holder.take());
        }
        loggedIn.forEach(pool::checkin);
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
        pool.acquire(client);
        ServerConnection server = client.take();
        client.held = server;
        counted.handOuts++;
        if (server.executor() != client.executor()) {
            counted.crossLoop++;
        }
        busy.add(client);
        if (busy.size() > loops) {
            Client done = busy.poll();
            pool.checkin(done.held);
            done.held = null;
        }
        return server;
    }

    /** One client on one event loop; the pool hands it a server synchronously. */
    private static final class Client implements ServerWaiter {
        private final EventExecutor loop;
        private ServerConnection assigned;
        ServerConnection held;

        Client(EventExecutor loop) {
            this.loop = loop;
        }

        @Override
        public EventExecutor executor() {
            return loop;
        }

        @Override
        public void assign(ServerConnection server) {
            assigned = server;
        }

        @Override
        public void fail(ErrorResponse error) {
            throw new IllegalStateException("pool failed the client: " + error.message());
        }

        @Override
        public long waitStartNanos() {
            return 0;
        }

        ServerConnection take() {
            ServerConnection server = assigned;
            if (server == null) {
                throw new IllegalStateException("no idle server: the client was queued");
            }
            assigned = null;
            return server;
        }
    }

    /** The servers come from {@link #setUp}: launching does nothing, and no timer is ever needed. */
    private static final class SuppliedServers implements ServerLauncher {
        @Override
        public void launch(Pool pool, EventExecutor loop) {
        }

        @Override
        public void launchDedicated(Pool pool, ServerWaiter waiter, ReplicationMode replication,
                Map<String, String> startupParameters) {
            throw new UnsupportedOperationException("no replication client in this benchmark");
        }

        @Override
        public void schedule(Runnable task, Duration delay) {
            throw new UnsupportedOperationException("no login fails in this benchmark");
        }
    }
}
