package io.jbouncer.admin.view;

/**
 * SHOW STATE: the global pause mode (at most one of {@code paused}/{@code suspended} is true), and — beyond
 * PgBouncer, as extra rows — the outcome of the last configuration reload.
 *
 * @param lastReload the last RELOAD/SIGHUP, or {@code null} when none happened since start
 */
public record StateRow(boolean paused, boolean suspended, ReloadOutcome lastReload) {
    public boolean active() {
        return !paused && !suspended;
    }

    /**
     * When the last reload happened ({@code YYYY-MM-DD HH:MM:SS TZ}), whether it was applied, and its error text
     * (empty when it succeeded).
     */
    public record ReloadOutcome(String time, boolean ok, String message) {
    }
}
