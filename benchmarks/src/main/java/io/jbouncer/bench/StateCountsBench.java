package io.jbouncer.bench;

import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.state.ServerState;
import io.jbouncer.core.state.StateCounts;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-state counts of one pool ({@link StateCounts}, what SHOW POOLS reads) under the moves of a transaction-mode
 * transaction: a client CL_ACTIVE to CL_WAITING and back, its server SV_IDLE to SV_ACTIVE and back (four moves, eight
 * count updates; since a client served at once no longer passes through CL_WAITING, a transaction makes only the
 * server's two). {@code moves} runs on one thread; {@code movesContended} on two threads sharing the pool's counts,
 * as two event loops serving clients of one pool do (on a two-core machine, the whole machine).
 *
 * <p>JMH's threads are not Netty event-loop threads, so the counts' per-thread slot is found through a
 * {@code ThreadLocal} here, slower than on an event loop: the numbers are an upper bound of the pooler's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StateCountsBench {

    /** One pool's counts, shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class PoolCounts {
        final StateCounts<ClientState> clients = new StateCounts<>(ClientState.class, ClientState.CL_JUSTFREE);
        final StateCounts<ServerState> servers = new StateCounts<>(ServerState.class, ServerState.SV_JUSTFREE);

        @Setup
        public void setUp() {
            for (int i = 0; i < 20; i++) {
                clients.enter(ClientState.CL_ACTIVE);
                servers.enter(ServerState.SV_IDLE);
            }
        }
    }

    @Benchmark
    @Threads(1)
    public void moves(PoolCounts counts) {
        transaction(counts);
    }

    @Benchmark
    @Threads(2)
    public void movesContended(PoolCounts counts) {
        transaction(counts);
    }

    private static void transaction(PoolCounts counts) {
        counts.clients.moved(ClientState.CL_ACTIVE, ClientState.CL_WAITING);
        counts.servers.moved(ServerState.SV_IDLE, ServerState.SV_ACTIVE);
        counts.clients.moved(ClientState.CL_WAITING, ClientState.CL_ACTIVE);
        counts.servers.moved(ServerState.SV_ACTIVE, ServerState.SV_IDLE);
    }
}
