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
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/** The pools of the pool benchmarks, and servers that log in to them without a socket. */
final class BenchPools {
    private BenchPools() {
    }

    /**
     * A transaction-mode pool with PgBouncer's default settings (LIFO idle list, {@code server_check_query}
     * {@code <empty>} after {@code server_check_delay} 30 s) but {@code poolSize}, whose servers the benchmark
     * supplies with {@link #logIn}.
     */
    static Pool transactionPool(int poolSize) {
        return new Pool(new PoolKey("bench", "bench"), PoolSettings.of(PoolMode.TRANSACTION, poolSize, 0,
                Duration.ofSeconds(5), 0, "DISCARD ALL", false, false, Duration.ofHours(1), Duration.ofMinutes(10),
                Duration.ofSeconds(15), Duration.ofSeconds(15), false, Duration.ofSeconds(30), "<empty>",
                Duration.ofSeconds(120), false, false),
                ServerTarget.single(InetSocketAddress.createUnresolved("localhost", 5432), "bench", null,
                        Map.of("user", "bench", "database", "bench")),
                new SuppliedServers(),
                new PoolShared(new ConnectionCap(0), new ConnectionCap(0), new DatabaseState(), new PoolerState(),
                        DatabaseEvents.NONE));
    }

    /**
     * One more server for {@code pool}, on {@code channel} (registered on an embedded loop, so nothing is sent and
     * hand-offs complete at once), logged in as the pool allows it: {@code holder} queues, the pool launches, the
     * login succeeds and the server goes to {@code holder}, who keeps it; the caller checks it in.
     */
    static ServerConnection logIn(Pool pool, Channel channel, BenchClient holder) {
        pool.acquire(holder, System.nanoTime());
        ServerConnection server = new ServerConnection(pool, pool.nextAddress(),
                new ServerCredentials("bench", null, null), Map.of("user", "bench"), 1 << 20);
        channel.pipeline().addLast(server);
        pool.track(server);
        pool.loginSucceeded(server, Map.of());
        return holder.take();
    }

    /** Launching does nothing (the benchmark supplies the servers), and no timer is ever needed. */
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
