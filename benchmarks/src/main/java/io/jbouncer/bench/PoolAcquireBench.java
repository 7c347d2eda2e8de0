package io.jbouncer.bench;

import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.pool.PoolCounts;
import io.jbouncer.core.server.ServerConnection;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pool's share of every transaction in transaction mode: {@link Pool#acquire} of an idle server and its
 * {@link Pool#checkin} at the release, the two calls that take the pool's lock, timed as one round trip.
 *
 * <p><b>Set-up.</b> One {@link Pool} with PgBouncer's default settings (transaction mode, {@code pool_size} 20,
 * LIFO idle list, {@code server_check_query} {@code <empty>} after {@code server_check_delay} 30 s), holding
 * {@value #SERVERS} real {@link ServerConnection}s that logged in through {@link Pool#loginSucceeded}. Each server is
 * bound to its own Netty {@link EmbeddedChannel} (no socket, nothing sent). Each benchmark thread is one client
 * whose event loop is that of one of the servers, so {@code acquire} finds a server on the client's own loop, as
 * it does on a running pooler; the hand-off then runs synchronously on the calling thread.
 *
 * <p><b>Measured.</b> {@code acquire}: the PAUSE check, the lock, the idle-list scan for a server on the client's
 * loop, the server-check decision, the call to {@link ServerWaiter#assign}. {@code checkin}: the PAUSE and
 * RECONNECT checks (a field and an atomic read), the lock, the waiter queue poll, the idle timestamp and the push
 * onto the idle list. Each call is given one {@code System.nanoTime()}, as a read of the event loop gives it the one
 * clock read that read makes. {@code acquireCheckin} runs
 * on one thread (the lock uncontended); {@code acquireCheckinContended} on two
 * threads sharing the pool, so both calls fight for its lock (on a two-core machine, the whole machine).
 *
 * <p><b>Not measured.</b> What the client and server do around the pool: {@link ServerConnection#assign} (the
 * link, the IDLE to ACTIVE CAS, auto-read), parameter sync, the release at ReadyForQuery; event-loop hops (a
 * server on another loop than the client's is handed over with {@code execute}, a task and a wake-up); queueing
 * (there is always an idle server, so no client waits and no login starts); the server check query; the janitor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PoolAcquireBench {

    /** Idle servers in the pool: two per benchmark thread at most, so a client never has to wait. */
    private static final int SERVERS = 4;

    /** The pool every benchmark thread uses, filled with {@value #SERVERS} idle servers. */
    @State(Scope.Benchmark)
    public static class SharedPool {
        final List<ServerConnection> servers = new ArrayList<>();
        final AtomicInteger clients = new AtomicInteger();
        Pool pool;

        @Setup
        public void setUp() {
            pool = BenchPools.transactionPool(20);
            // One login at a time, as the pool allows. Every client keeps its server until all are in, then all are
            // checked in.
            for (int i = 0; i < SERVERS; i++) {
                servers.add(BenchPools.logIn(pool, new EmbeddedChannel(), new Client()));
            }
            servers.forEach(server -> pool.checkin(server, System.nanoTime()));
            PoolCounts counts = pool.counts();
            if (!counts.equals(new PoolCounts(SERVERS, SERVERS, 0, 0))) {
                throw new IllegalStateException("pool not filled: " + counts);
            }
        }
    }

    /** One client on one event loop; the pool hands it a server synchronously. */
    @State(Scope.Thread)
    public static class Client extends BenchClient {
        /** Each benchmark thread lives on the event loop of a different server. */
        @Setup
        public void setUp(SharedPool shared) {
            runOn(shared.servers.get(shared.clients.getAndIncrement() % SERVERS).executor());
        }
    }

    @Benchmark
    @Threads(1)
    public ServerConnection acquireCheckin(SharedPool shared, Client client) {
        return roundTrip(shared.pool, client);
    }

    @Benchmark
    @Threads(2)
    public ServerConnection acquireCheckinContended(SharedPool shared, Client client) {
        return roundTrip(shared.pool, client);
    }

    private static ServerConnection roundTrip(Pool pool, Client client) {
        pool.acquire(client, System.nanoTime());
        ServerConnection server = client.take();
        pool.checkin(server, System.nanoTime());
        return server;
    }
}
