package io.jbouncer.core.pool;

import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;

/** Opens server connections for pools; implemented over Netty's Bootstrap. */
public interface ServerLauncher {
    /**
     * Starts connecting and logging in a new server for {@code pool} on {@code loop} (any loop when {@code null});
     * the result is reported back to the pool through {@link Pool#loginSucceeded} or {@link Pool#loginFailed}.
     */
    void launch(Pool pool, EventExecutor loop);

    /** Runs {@code task} once after {@code delay} (timers of the pool). */
    void schedule(Runnable task, Duration delay);
}
