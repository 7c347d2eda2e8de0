package io.jbouncer.core.pool;

/**
 * Process-wide admin state: a global PAUSE (PAUSE without argument, SIGUSR1) and shutdown. Thread-safe.
 */
public final class PoolerState {
    private volatile boolean paused;
    private volatile boolean shuttingDown;

    public boolean paused() {
        return paused;
    }

    public void setPaused(boolean value) {
        paused = value;
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }

    public void setShuttingDown() {
        shuttingDown = true;
    }
}
