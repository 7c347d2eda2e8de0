package io.jbouncer.core.pool;

import io.jbouncer.core.config.ReplicationMode;
import io.netty.util.concurrent.EventExecutor;
import io.jbouncer.core.server.ListenerConnection;
import java.time.Duration;
import java.util.Map;

/** Opens server connections for pools; implemented over Netty's Bootstrap. */
public interface ServerLauncher {
    /**
     * Starts connecting and logging in a new server for {@code pool} on {@code loop} (any loop when {@code null});
     * the result is reported back to the pool through {@link Pool#loginSucceeded} or {@link Pool#loginFailed}.
     */
    void launch(Pool pool, EventExecutor loop);

    /**
     * Starts a server of {@code pool} for one replication client, {@code waiter}, with {@code startupParameters};
     * the result is reported through the same callbacks, which hand it to that waiter alone.
     */
    void launchDedicated(Pool pool, ServerWaiter waiter, ReplicationMode replication,
            Map<String, String> startupParameters);

    /**
     * Starts connecting and logging in {@code listener}, the LISTEN connection of {@code pool}, to the pool's next
     * host; outside the pool's counts. A failure is reported through {@link ListenerConnection#failed}. Launchers
     * that open no real connections (tests) fail it at once.
     */
    default void launchListener(Pool pool, ListenerConnection listener) {
        listener.failed("this launcher opens no listener connections");
    }

    /** Runs {@code task} once after {@code delay} (timers of the pool). */
    void schedule(Runnable task, Duration delay);
}
