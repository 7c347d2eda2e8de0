package io.jbouncer.core.listen;

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
import io.jbouncer.core.stats.DatabaseEvents;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * A transaction-mode pool whose launcher opens nothing, for tests of {@link ClientListens}: its listener connection
 * cannot open, which only means a subscription's wait ends at once.
 */
public final class ListenTestPool {
    private ListenTestPool() {
    }

    public static Pool create() {
        PoolSettings settings = PoolSettings.of(PoolMode.TRANSACTION, 1, 0, Duration.ZERO, 0, "DISCARD ALL", false,
                false, Duration.ofHours(1), Duration.ofMinutes(10), Duration.ofSeconds(15), Duration.ofSeconds(15),
                false, Duration.ofSeconds(30), "", Duration.ofSeconds(120), false, false);
        ServerLauncher opensNothing = new ServerLauncher() {
            @Override
            public void launch(Pool pool, EventExecutor loop) {
            }

            @Override
            public void launchDedicated(Pool pool, ServerWaiter waiter, ReplicationMode replication,
                    Map<String, String> startupParameters) {
            }

            @Override
            public void schedule(Runnable task, Duration delay) {
            }
        };
        return new Pool(new PoolKey("d", "u"), settings, ServerTarget.single(InetSocketAddress.createUnresolved("db",
                5432), "u", null, Map.of("user", "u", "database", "d")), opensNothing, new PoolShared(
                new ConnectionCap(0), new ConnectionCap(0), new DatabaseState(), new PoolerState(),
                DatabaseEvents.NONE));
    }
}
