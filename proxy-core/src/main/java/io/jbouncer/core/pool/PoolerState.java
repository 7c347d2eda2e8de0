package io.jbouncer.core.pool;

/**
 * Process-wide admin state: a global PAUSE (PAUSE without argument, SIGUSR1), SUSPEND, and shutdown. Thread-safe.
 */
public final class PoolerState {
    private volatile boolean paused;
    private volatile boolean shuttingDown;
    private volatile boolean suspended;

    public boolean suspended() {
        return suspended;
    }

    public void setSuspended(boolean value) {
        suspended = value;
    }

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
