package io.jbouncer.core.pool;

/** A consistent snapshot of a pool's counters, taken under its lock. */
public record PoolCounts(int servers, int idle, int logins, int waiting) {
    /** Servers handed out to clients (or busy with a reset query). */
    public int active() {
        return servers - idle - logins;
    }
}
