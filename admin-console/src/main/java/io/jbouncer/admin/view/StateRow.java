package io.jbouncer.admin.view;

/** The global pause mode for SHOW STATE: at most one of {@code paused}/{@code suspended} is true. */
public record StateRow(boolean paused, boolean suspended) {
    public boolean active() {
        return !paused && !suspended;
    }
}
