package io.jbouncer.core.pool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admin-controlled state of one database, shared by its pools: PAUSE/KILL, DISABLE, and the RECONNECT generation
 * (servers opened before the current generation are {@code close_needed}). Thread-safe.
 */
public final class DatabaseState {
    private volatile boolean paused;
    private volatile boolean disabled;
    private final AtomicInteger generation = new AtomicInteger();

    public boolean paused() {
        return paused;
    }

    public void setPaused(boolean value) {
        paused = value;
    }

    public boolean disabled() {
        return disabled;
    }

    public void setDisabled(boolean value) {
        disabled = value;
    }

    /** The generation new servers are born in. */
    public int generation() {
        return generation.get();
    }

    /** RECONNECT: every server opened so far becomes close_needed. */
    public void reconnect() {
        generation.incrementAndGet();
    }
}
