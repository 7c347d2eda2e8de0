package io.jbouncer.core.pool;

/** Admin-controlled state of one database, shared by its pools: PAUSE/KILL and DISABLE. Thread-safe. */
public final class DatabaseState {
    private volatile boolean paused;
    private volatile boolean disabled;

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
}
