package io.jbouncer.core.pool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A limit on server connections shared by several pools: {@code max_db_connections} for the pools of one database,
 * {@code max_user_connections} for the pools of one user. Lock-free, so pools take it under their own lock without
 * a lock order between pools. A limit of 0 or less means unlimited.
 */
public final class ConnectionCap {
    private final AtomicInteger used = new AtomicInteger();
    private volatile int limit;

    public ConnectionCap(int limit) {
        this.limit = limit;
    }

    /** Takes one connection slot; {@code false} when the limit is reached. */
    public boolean tryAcquire() {
        while (true) {
            int current = used.get();
            int max = limit;
            if (max > 0 && current >= max) {
                return false;
            }
            if (used.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public void release() {
        used.decrementAndGet();
    }

    /** A reload changed the setting; connections above a lowered limit are not closed, only not replaced. */
    public void setLimit(int newLimit) {
        limit = newLimit;
    }
}
